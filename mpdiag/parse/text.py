"""Decoding command output the way real machines produce it: UTF-8, UTF-16 with or
without BOM (PowerShell 5.1 redirection), CRLF, OEM code pages.

:func:`decode` is total: it never raises. Output from a machine in trouble (a UTF-16
stream cut at an odd byte, a lone surrogate, bytes of another code page) is decoded with
U+FFFD for what cannot be read, so a parser sees text and judges it, and a report hook
never meets an exception while showing a probe's output."""

from __future__ import annotations

import codecs
import json
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes | str) -> str:
    """Bytes from a command or a bundle to text with LF line ends.

    BOM first; then UTF-16 without BOM (every other byte NUL); then UTF-8; then the
    Windows OEM code page cp437, which maps every byte. UTF-16 that does not decode
    (odd length, lone surrogates) keeps what it can and shows U+FFFD for the rest.
    """
    if isinstance(data, str):
        return normalize_newlines(data.lstrip("\ufeff"))
    data = bytes(data)
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return normalize_newlines(data[len(bom):].decode(enc, "replace"))
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4 and data[::2].count(0) == 0:
        return normalize_newlines(data.decode("utf-16-le", "replace"))
    if len(data) >= 4 and data[::2].count(0) > len(data) // 4 and data[1::2].count(0) == 0:
        return normalize_newlines(data.decode("utf-16-be", "replace"))
    try:
        return normalize_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        return normalize_newlines(data.decode("cp437", "replace"))  # cp437 maps every byte


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR to LF, so parsers see one line convention."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# What users paste around command output: prompts (`$ cmd`, `▲ cmd`, `user@host ~ % cmd`)
# and sudo's banners. Verbose-mode regex alternatives, shared by the parsers.
_PASTE_NOISE = (
    r"[$%#>\u25b2\u276f\u279c\u00bb]\s.*",
    r"[^\s@]+@\S(?:[^$%#>\n]|[$%#>](?!\s))*[$%#>]\s.*",  # user@host ... $ cmd, one pass
    r"Password:.*",
    r"\[sudo\].*",
)


def noise_pattern(*extra: str) -> "re.Pattern[str]":
    """A pattern matching whole lines that are paste noise, plus a parser's own (verbose regex)."""
    return re.compile(r"^\s*(?:" + " | ".join((*_PASTE_NOISE, *extra)) + r")$", re.X)


def load_json(text: str, what: str) -> object:
    """`text` as JSON, or one ParseError naming `what`: malformed, or nested too deeply for
    the decoder (a RecursionError is never let out)."""
    from mpdiag.errors import ParseError

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what} is not JSON ({exc.msg})", text[:200]) from exc
    except RecursionError:
        raise ParseError(f"{what}: JSON nested too deeply", text[:200]) from None
