"""Models of followup (see apps.py)."""
