"""Checks: tests_host/linux."""
