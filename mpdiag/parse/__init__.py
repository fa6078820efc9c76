"""Pure parsers, one module per tool family: text in, dataclasses out.

Every parser raises :class:`ParseError` (and nothing else) on input it cannot read.
"""

from mpdiag.errors import ParseError

__all__ = ["ParseError"]
