"""`defaults read <plist>` (old-style NeXTSTEP text) and XML property lists.

The vmnet checks read `Shared_Net_Address` / `Shared_Net_Mask` from
com.apple.vmnet.plist; users paste either `defaults read` output or `cat` of the
file (XML). Text outside the top-level `{ ... }` (prompts, the echoed command) is
ignored. A domain that does not exist reads as {} (nothing is set). Old-style values
are strings, arrays (lists) and dictionaries, as in the format itself.
"""

from __future__ import annotations

import plistlib
import re
from typing import Any

from mpdiag.errors import ParseError

_MISSING = re.compile(r"^\s*(?:\d{4}-\d\d-\d\d .*)?The domain/default pair of .* does not exist\s*$|Domain .* does not exist", re.M)
_BARE = re.compile(r"[A-Za-z0-9_$+/:.\-]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def parse_defaults(text: str) -> dict[str, Any]:
    """The top-level dictionary. ParseError for anything else (a scalar, cut text)."""
    stripped = text.strip()
    if not stripped or (_MISSING.search(stripped) and "{" not in stripped and "<plist" not in stripped):
        return {}
    xml_start = stripped.find("<?xml")
    if xml_start < 0:
        xml_start = stripped.find("<plist")
    brace = stripped.find("{")
    if xml_start >= 0 and (brace < 0 or xml_start < brace):
        return _parse_xml(stripped[xml_start:])
    if brace < 0:
        raise ParseError("no property list found", text)
    parser = _OldStyle(stripped, brace)
    value = parser.value()
    if not isinstance(value, dict):
        raise ParseError("property list is not a dictionary", text)  # pragma: no cover
    return value


def _parse_xml(text: str) -> dict[str, Any]:
    end = text.find("</plist>")
    body = text[: end + len("</plist>")] if end >= 0 else text
    try:
        value = plistlib.loads(body.encode("utf-8"), fmt=plistlib.FMT_XML)
    except Exception as exc:  # expat, ValueError, TypeError...: all mean unreadable
        raise ParseError(f"unreadable XML property list ({type(exc).__name__})", text) from exc
    if not isinstance(value, dict):
        raise ParseError("property list is not a dictionary", text)
    return value


class _OldStyle:
    """Recursive descent over `{ k = v; }`, `( a, b )`, `"str"`, bare words, `<hex>`."""

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos
        self.depth = 0

    def fail(self, what: str) -> ParseError:
        return ParseError(f"{what} at offset {self.pos}", self.text)

    def skip_space(self) -> None:
        while self.pos < len(self.text):
            if self.text[self.pos].isspace():
                self.pos += 1
            elif self.text.startswith("/*", self.pos):
                end = self.text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.pos = end + 2
            else:
                return

    def peek(self) -> str:
        self.skip_space()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of text")
        return self.text[self.pos]

    def value(self) -> Any:
        ch = self.peek()
        if ch in "{(":
            self.depth += 1
            if self.depth > 100:
                raise self.fail("nesting too deep")
            result = self.dictionary() if ch == "{" else self.array()
            self.depth -= 1
            return result
        if ch == '"':
            return self.quoted()
        if ch == "<":
            end = self.text.find(">", self.pos)
            if end < 0:
                raise self.fail("unterminated data")
            data, self.pos = self.text[self.pos + 1 : end], end + 1
            return data.strip()
        m = _BARE.match(self.text, self.pos)
        if m is None:
            raise self.fail("unexpected character")
        self.pos = m.end()
        return m.group()

    def dictionary(self) -> dict[str, Any]:
        self.pos += 1  # "{"
        result: dict[str, Any] = {}
        while self.peek() != "}":
            key = self.value()
            if not isinstance(key, str):
                raise self.fail("dictionary key is not a string")
            if self.peek() != "=":
                raise self.fail("expected '='")
            self.pos += 1
            if key == "bytes" and self.peek() == "0":  # `bytes = 0x6270 ... 0151 }`
                end = self.text.find("}", self.pos)
                if end < 0:
                    raise self.fail("unterminated data")
                result[key], self.pos = self.text[self.pos : end].strip(), end
                continue
            result[key] = self.value()
            sep = self.peek()
            if sep in ";,":  # `defaults` prints `{length = 4, bytes = 0x...}` for data
                self.pos += 1
            elif sep != "}":
                raise self.fail("expected ';'")
        self.pos += 1
        return result

    def array(self) -> list[Any]:
        self.pos += 1  # "("
        result: list[Any] = []
        while self.peek() != ")":
            result.append(self.value())
            sep = self.peek()
            if sep == ",":
                self.pos += 1
            elif sep != ")":
                raise self.fail("expected ','")
        self.pos += 1
        return result

    def quoted(self) -> str:
        out: list[str] = []
        self.pos += 1
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                hexa = re.match(r"[Uu]([0-9a-fA-F]{4})", self.text[self.pos + 1 : self.pos + 6])
                if hexa:
                    out.append(chr(int(hexa.group(1), 16)))
                    self.pos += 6
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                self.pos += 2
                continue
            out.append(ch)
            self.pos += 1
        raise self.fail("unterminated string")
