"""One hypothesis strategy for the parser fuzz tests: real samples, cut and scrambled the way
pastes get (truncated at either end, pieces deleted, inserted, duplicated, lines swapped)."""

from __future__ import annotations

from typing import Sequence

from hypothesis import strategies as st

OPS = ("cut", "head", "delete", "insert", "dup", "dup_line", "swap_lines", "replace")


def mutated(samples: Sequence[str], inserts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A sample with up to four random edits; `inserts` gives the text an insert adds."""

    @st.composite
    def strategy(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(list(samples)))
        for _ in range(draw(st.integers(0, 4))):
            op = draw(st.sampled_from(OPS))
            n = len(text)
            i = draw(st.integers(0, n))
            j = draw(st.integers(i, n))
            if op == "cut":
                text = text[:i]
            elif op == "head":
                text = text[i:]
            elif op == "delete":
                text = text[:i] + text[j:]
            elif op == "insert":
                text = text[:i] + draw(inserts) + text[i:]
            elif op == "dup":
                text = text[:j] + text[i:j] + text[j:]
            elif op == "replace" and n:
                text = text[:i] + draw(st.sampled_from(list("0 -:#{}\n*x"))) + text[i + 1:]
            else:
                lines = text.split("\n")
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                if op == "dup_line":
                    lines.insert(b, lines[a])
                else:
                    lines[a], lines[b] = lines[b], lines[a]
                text = "\n".join(lines)
        return text

    return strategy()
