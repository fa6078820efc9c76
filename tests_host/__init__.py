"""Checks: tests_host."""
