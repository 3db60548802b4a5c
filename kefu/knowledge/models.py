"""Models of knowledge (see apps.py)."""
