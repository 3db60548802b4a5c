"""Models of supervision (see apps.py)."""
