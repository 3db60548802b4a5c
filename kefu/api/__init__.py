"""REST API (django-ninja) under /api/v1/."""

from kefu.api.root import api

__all__ = ["api"]
