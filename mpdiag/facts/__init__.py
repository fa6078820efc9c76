"""Pure facts derived from parsed probe data (no I/O): what the checks assert on."""
