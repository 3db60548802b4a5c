"""Models of surveys (see apps.py)."""
