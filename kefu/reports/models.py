"""Models of reports (see apps.py)."""
