"""The host model's rules: pure functions of parsed probe data (no I/O, no session) that say
what the data means; the memoised facts of mpdiag.host and the checks apply them."""
