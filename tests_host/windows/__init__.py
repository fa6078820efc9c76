"""Checks: tests_host/windows."""
