"""The state the demo loader carries from app to app, and its helpers (the simulated clock, names,
phone numbers, addresses).

One :class:`Loader` is made per run with the seeded ``random.Random``: every module of the package
draws from the same generator in the same order, so a seed always gives the same data set.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import phonenumbers
from django.utils import timezone

from kefu.commitments.models import Service
from kefu.customers.models import Payment
from kefu.demo import data as D
from kefu.lib import clock
from kefu.organization.models import Branch, Department, Outlet, ServiceArea, Staff
from kefu.workorders.models import TimelineEntry


@dataclass
class Cust:
    """A customer as the order plans need it (no query per order)."""

    pk: int
    branch: str
    area_kind: str
    relationship: str
    address: str
    created_at: dt.datetime
    portal_user: Any = None


class Loader:
    def __init__(self, rng: random.Random, stdout: IO[str] | None) -> None:
        self.rng = rng
        self.out = stdout
        self.now = clock.now()  # the real present: history is played up to it
        self.tz = timezone.get_default_timezone()
        self.today = timezone.localtime(self.now, self.tz).date()
        self.go_live = self.local(self.today - dt.timedelta(days=200), 9, 0)
        self.staff: dict[str, Staff] = {}
        self.branches: dict[str, Branch] = {}
        self.outlets: dict[str, list[Outlet]] = {}  # per branch code, in the order of data.OUTLETS
        self.areas: dict[str, list[tuple[ServiceArea, D.AreaDef]]] = {}
        self.departments: dict[tuple[str, str], Department] = {}
        self.services: dict[str, Service] = {}
        self.custs: list[Cust] = []
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.payment_rows: list[tuple[Payment, dt.datetime]] = []
        self.stats: Counter[str] = Counter()
        self._time: clock.SimulatedTime | None = None

    # -- helpers -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(f"[demo] {text}\n")
            self.out.flush()

    def count(self, name: str) -> int:

        return TimelineEntry.objects.count() if name == "timeline" else self.stats[name]

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz).astimezone(dt.UTC)

    @contextmanager
    def history(self) -> Iterator[None]:
        """Within the block the product's present (``kefu.lib.clock.now``) is what :meth:`at` sets."""
        with clock.simulated() as time:
            self._time = time
            try:
                yield
            finally:
                self._time = None

    def at(self, when: dt.datetime) -> None:
        """Set the simulated clock (never past the real present)."""
        if self._time is None:
            raise RuntimeError("Loader.at() outside Loader.history()")
        self._time.set(min(when, self.now - dt.timedelta(seconds=30)))

    def user(self, username: str) -> Any:
        return self.staff[username].user

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(D.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number in self.phones:
                continue
            parsed = phonenumbers.parse(number, "CN")
            if phonenumbers.is_valid_number(parsed):
                self.phones.add(number)
                return number

    def person_name(self) -> str:
        return self.rng.choice(D.SURNAMES) + self.rng.choice(D.GIVEN_NAMES)

    def email(self) -> str:
        """A unique address on reserved example domains (the demo never mails a real person)."""
        while True:
            address = f"kh{self.rng.randrange(10000, 99999)}@{self.rng.choice(D.EMAIL_DOMAINS)}"
            if address not in self.emails:
                self.emails.add(address)
                return address

    def address(self, area: D.AreaDef) -> str:
        kw = self.rng.choice(area.keywords)
        if area.kind == "rural":
            if kw.endswith("村"):
                town = "柳林镇" if area.branch == "north" else "石桥乡"
                return f"{area.district}{town}{kw}{self.rng.randint(1, 9)}组{self.rng.randint(1, 60)}号"
            return f"{area.district}{kw}{self.rng.randint(1, 40)}号"
        if kw.endswith(("小区", "家园", "花园")):
            return (
                f"{area.district}{kw}{self.rng.randint(1, 18)}栋{self.rng.randint(1, 4)}单元"
                f"{self.rng.randint(1, 28)}0{self.rng.randint(1, 4)}室"
            )
        building = self.rng.choice(D.BUILDINGS)
        return f"{area.district}{kw}{self.rng.randint(1, 300)}号{building}{self.rng.randint(1, 20)}0{self.rng.randint(1, 6)}室"
