"""`multipass find --format json` (1.12-1.16 with `blueprints`/`blueprints (deprecated)`,
main without): the images the daemon could list from its image servers."""

from __future__ import annotations

import json
from dataclasses import dataclass

from mpdiag.errors import ParseError


@dataclass(frozen=True)
class FindReply:
    images: dict[str, dict]
    errors: tuple[str, ...]


def parse_find(text: str) -> FindReply:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"`multipass find --format json` is not JSON ({exc.msg})", text) from exc
    except RecursionError:
        raise ParseError("`multipass find --format json`: JSON nested too deeply", text[:200]) from None
    if not isinstance(data, dict) or not isinstance(data.get("images"), dict):
        raise ParseError("`multipass find --format json` has no \"images\" object", text)
    errors = data.get("errors") or []
    if not isinstance(errors, list):
        raise ParseError("`multipass find --format json`: \"errors\" is not a list", text)
    return FindReply({str(k): v for k, v in data["images"].items() if isinstance(v, dict)},
                     tuple(str(e) for e in errors))
