"""mpdiag: the Multipass network doctor's library (no pytest here).

Layers: runner (run an argv with a timeout), probes (named facts, memoised),
parse (pure text -> dataclasses), remedies (the documented fixes), catalog (the
checks' IDs and classes), bundle (record / replay).
"""

__version__ = "0.1.0"
