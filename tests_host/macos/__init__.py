"""Checks: tests_host/macos."""
