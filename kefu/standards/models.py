"""Models of standards (see apps.py)."""
