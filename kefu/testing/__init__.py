"""Factories shared by the test suites (not used in production code)."""
