"""Kefu's settings with one extra URL, ``/bench-floor/``: the framework floor of the HTTP benchmark.

Used only by ``bench/http_bench.py``, which starts a second ``kefu serve`` (the same gunicorn command line,
the same middleware and database) with ``DJANGO_SETTINGS_MODULE=floor_settings`` and ``bench/`` on the
Python path; Kefu itself is measured on a ``kefu serve`` with its own, unchanged settings.
"""

from kefu.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
