"""Child of test_parse_budget: feeds each text parser of a group hostile 1 MB inputs.

Prints one JSON line per (parser, input) *before* the call (`start`) and one after
(`done`, with the thread's CPU seconds and the outcome), so the parent can tell which
call hangs and kill this process without waiting for it.

Usage: python parse_budget_child.py GROUP [SKIP...]   (GROUP: a module of mpdiag/parse,
or `probes` for the parsers probes define elsewhere).
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import random
import re
import sys
import time
from typing import Any, Callable, Iterator

MIB = 1 << 20


def _takes_one_text(fn: Callable[..., Any]) -> bool:
    """A parser: one required parameter, annotated as text (str, or str | None / bytes | str)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    required = [p for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(required) != 1 or params[0] is not required[0]:
        return False
    ann = required[0].annotation
    ann = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
    kinds = {a.strip() for a in ann.split("|")}
    return "str" in kinds and kinds <= {"str", "bytes", "None"}


def parse_modules() -> list[str]:
    import mpdiag.parse as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__))


def parsers(group: str) -> dict[str, Callable[[str], Any]]:
    """Every public text function of one parse module, or every probe's parser defined outside
    mpdiag/parse (`probes`): found, not listed, so a new parser is covered by itself."""
    found: dict[str, Callable[[str], Any]] = {}
    if group == "probes":
        from mpdiag.probes import load_all

        for probe in load_all().values():
            fn = probe.parser()
            if not fn.__module__.startswith("mpdiag.parse."):
                found[f"{fn.__module__}:{fn.__name__}"] = fn
        return found
    mod = importlib.import_module(f"mpdiag.parse.{group}")
    for name, fn in inspect.getmembers(mod, inspect.isfunction):
        if fn.__module__ == mod.__name__ and not name.startswith("_") and _takes_one_text(fn):
            found[f"{mod.__name__}:{name}"] = fn
    return found


def _literals(fn: Callable[..., Any]) -> list[str]:
    """The string literals of a parser's module (its patterns and keywords)."""
    try:
        source = inspect.getsource(sys.modules[fn.__module__])
    except (OSError, TypeError):
        return []
    found = re.findall(r"""(?:r|f|rb|b)?"((?:[^"\\\n]|\\.){1,80})"|(?:r|f|rb|b)?'((?:[^'\\\n]|\\.){1,80})'""", source)
    return [a or b for a, b in found]


def keywords(fn: Callable[..., Any]) -> list[str]:
    """The words and punctuation a parser's module looks for: its string literals, split."""
    words = set()
    for lit in _literals(fn):
        words.update(re.findall(r"[A-Za-z][A-Za-z0-9_.-]{1,30}|[:=()\[\]{}<>@/#%*,;|-]", lit))
    return sorted(words) or ["a"]


def phrases(fn: Callable[..., Any], most: int = 24) -> list[str]:
    """Runs of words in the parser's patterns (`block all`, `stealth mode`): one repeated on a
    line with no terminator is what a lazy `.*?` after it turns quadratic. Phrases of regex
    literals first, shortest first."""
    found: dict[str, int] = {}
    for lit in _literals(fn):
        is_regex = bool(re.search(r"\\[bsdSw]|\(\?|\.\*|\[\^", lit))
        lit = re.sub(r"\\b", "", re.sub(r"\\s[*+]?", " ", lit))
        for ph in re.findall(r"[A-Za-z][A-Za-z0-9]*(?:[ :=-]+[A-Za-z0-9]+)*[ :=]?", lit):
            if len(ph) >= 3:
                found[ph] = min(found.get(ph, 1), 0 if is_regex else 1)
    return sorted(found, key=lambda p: (found[p], len(p), p))[:most]


_GENERIC: list[tuple[str, str]] = []
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 .:-/"


def _generic() -> list[tuple[str, str]]:
    """The inputs every parser gets, made once per process (deterministic)."""
    if not _GENERIC:
        noise = random.Random(9).randbytes(MIB)
        line = noise.translate(bytes(ord(_ALPHABET[i % len(_ALPHABET)]) for i in range(256))).decode()
        _GENERIC.extend([
            ("one-long-line", line),
            ("many-lines", "x\n" * (MIB // 2)),
            ("many-empty-lines", "\n" * MIB),
            ("spaces", " " * MIB + "x"),
            ("no-newline-digits", _fill("1.2.3.4 255 0x1f -1 ")),
            ("binary", noise.decode("latin-1")),
            ("deep-brackets", "[" * (MIB // 2) + "{" * (MIB // 2)),
            ("deep-objects", '{"list": ' + '{"a": ' * (MIB // 6)),
            ("word-then-blanks", "a" + " " * MIB + "b"),
            ("quotes", _fill("\"'\\\"'")),
        ])
    return _GENERIC


def inputs(fn: Callable[..., Any]) -> Iterator[tuple[str, str]]:
    """Hostile inputs of about 1 MB each: generic ones, then the parser's own keywords
    repeated (the shape that makes a backtracking pattern quadratic)."""
    yield from _generic()
    words = keywords(fn)
    rnd = random.Random(9)
    yield "repeated-keywords", _fill(" ".join(words) + " ")
    yield "keywords-per-line", _fill("\n".join(words) + "\n")
    yield "keyword-soup", _fill(" ".join(rnd.choice(words) for _ in range(4096)) + " ")
    for ph in phrases(fn):
        yield f"phrase {ph!r} repeated", _fill(ph + " ")
        yield f"phrase {ph!r} then a long word and blanks", ph + " " + "a" * (MIB // 2) + " " * (MIB // 2) + "x"


def _fill(unit: str) -> str:
    return (unit * (MIB // max(1, len(unit)) + 1))[:MIB]


def main(group: str, skip: set[str]) -> None:
    from mpdiag.errors import DiagError

    for name, fn in parsers(group).items():
        for label, text in inputs(fn):
            key = f"{name} {label}"
            if key in skip:
                continue
            print(json.dumps({"event": "start", "key": key}), flush=True)
            start = time.thread_time()
            try:
                fn(text)
                outcome = "ok"
            except DiagError:
                outcome = "refused"
            except Exception as exc:  # noqa: BLE001 - reported by the parent as a crash
                outcome = f"crash: {type(exc).__name__}: {str(exc)[:200]}"
            print(json.dumps({"event": "done", "key": key, "cpu": round(time.thread_time() - start, 3),
                              "outcome": outcome}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2:]))
