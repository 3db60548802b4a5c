"""Models of inspections (see apps.py)."""
