"""Models of complaints (see apps.py)."""
