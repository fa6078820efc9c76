"""Checks: tests_instance."""
