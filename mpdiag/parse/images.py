"""`multipass find --format json` (1.12-1.16 with `blueprints`/`blueprints (deprecated)`,
main without): the images the daemon could list from its image servers."""

from __future__ import annotations

from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json


@dataclass(frozen=True)
class FindReply:
    images: dict[str, dict]
    errors: tuple[str, ...]


def parse_find(text: str) -> FindReply:
    data = load_json(text, "`multipass find --format json`")
    if not isinstance(data, dict) or not isinstance(data.get("images"), dict):
        raise ParseError("`multipass find --format json` has no \"images\" object", text)
    errors = data.get("errors") or []
    if not isinstance(errors, list):
        raise ParseError("`multipass find --format json`: \"errors\" is not a list", text)
    return FindReply({str(k): v for k, v in data["images"].items() if isinstance(v, dict)},
                     tuple(str(e) for e in errors))
