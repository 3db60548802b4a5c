"""The retry of channel media downloads (docs/media.md)."""

from __future__ import annotations

import datetime as dt

from kefu.jobs.registry import periodic
from kefu.media import fetch


@periodic("media.fetch", every=dt.timedelta(minutes=1))
def fetch_due() -> None:
    fetch.run_due()
