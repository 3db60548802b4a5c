"""Django templates against Jinja2 (Django's own Jinja2 backend with the i18n extension) on the two hot
console pages, on a data set built by ``generate.py``.

The console's own views are called once through Django's test client to capture the real context of the
queue page (50 rows, the team tab of the staff member with the most assigned orders) and of the order page
(the order with the longest timeline among the staff member's orders); then each template is rendered N
times from that context in this process:

- the whole order page and the whole queue page with Django templates (what a request pays today);
- the queue table and the order timeline — the loops that dominate both — with Django templates and with
  their Jinja2 ports in ``bench/jinja2/`` (the timeline's clock events are not ported: those entries print
  their code; the count of such entries is printed).

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http .venv/bin/python bench/templates_bench.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

BENCH = Path(__file__).resolve().parent


def jinja2_environment(**options: Any) -> Any:
    """The Jinja2 environment of the ports: Django's url() and translations (i18n extension, new-style
    gettext), and the filters the two templates use, calling Django's own implementations."""
    from django.template import defaultfilters
    from django.urls import reverse
    from django.utils import dateformat, translation
    from jinja2 import Environment

    from kefu.console.templatetags import clock_tags

    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 (Django's backend escapes)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]

    def url(name: str, *args: Any) -> str:
        return reverse(name, args=args or None)

    def date(value: Any, fmt: str) -> str:
        if not value:
            return ""
        from django.utils import timezone

        if getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value)
        return dateformat.format(value, fmt)

    env.globals.update(url=url, pgettext=translation.pgettext)
    env.filters.update(
        date=date,
        time_left=clock_tags.time_left,
        time_basis=clock_tags.time_basis,
        linebreaksbr=lambda v: defaultfilters.linebreaksbr(v, autoescape=True),
        filesizeformat=defaultfilters.filesizeformat,
    )
    return env


def timed(fn: Any, n: int) -> tuple[float, float]:
    """Median and p95 of ``n`` runs of ``fn``, CPU milliseconds of this process (``process_time``: hardly
    affected by other load on the machine), after 3 warm-up runs."""
    for _ in range(3):
        fn()
    runs = []
    for _ in range(n):
        t = time.process_time()
        fn()
        runs.append((time.process_time() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[int(0.95 * (len(runs) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()

    import django

    django.setup()
    from django.db.models import Count
    from django.template import engines
    from django.template.backends.jinja2 import Jinja2
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import translation

    from kefu.organization.models import Staff
    from kefu.workorders.models import TimelineEntry, WorkOrder

    setup_test_environment()  # the test client then keeps each response's template context
    agent = (
        Staff.objects.filter(branch__isnull=False, user__is_active=True)
        .annotate(n=Count("assigned_orders"))
        .order_by("-n")
        .first()
    )
    if agent is None:
        sys.exit("no staff: run bench/generate.py first")
    order = (
        WorkOrder.objects.filter(assignee=agent)
        .annotate(n=Count("timeline"))
        .order_by("-n", "pk")
        .only("pk", "number")
        .first()
    )
    if order is None:
        sys.exit("the staff member has no orders")
    client = Client()
    client.force_login(agent.user)
    client.cookies["django_language"] = "zh-hans"
    translation.activate("zh-hans")

    queue = client.get("/orders/?tab=team")
    page = client.get(f"/orders/{order.number}/")
    assert queue.status_code == page.status_code == 200, (queue.status_code, page.status_code)
    queue_ctx = queue.context[0].flatten()
    page_ctx = page.context[0].flatten()
    request = page.wsgi_request
    entries = page_ctx["timeline"]
    clock_events = sum(
        1
        for e in entries
        if (e.kind == TimelineEntry.Kind.SYSTEM and (e.data or {}).get("clock"))
        or (e.kind == "status" and (e.data or {}).get("clocks"))
    )

    dj = engines["django"]
    jj = Jinja2(
        {
            "NAME": "jinja2-bench",
            "DIRS": [str(BENCH / "jinja2")],
            "APP_DIRS": False,
            "OPTIONS": {"environment": "templates_bench.jinja2_environment"},
        }
    )
    sys.path.insert(0, str(BENCH))

    def render(engine: Any, name: str, ctx: dict[str, Any]) -> Any:
        template = engine.get_template(name)
        return lambda: template.render(ctx, request)

    print(
        f"staff {agent.pk}: queue {len(queue_ctx['page'].object_list)} rows; order {order.number}: "
        f"{len(entries)} timeline entries ({clock_events} clock events, not ported); {args.runs} runs each"
    )
    rows = [
        ("order page, whole (Django)", render(dj, "console/orders/detail.html", page_ctx)),
        ("queue page, whole (Django)", render(dj, "console/orders/queue.html", queue_ctx)),
        ("order timeline (Django)", render(dj, "console/orders/_timeline.html", page_ctx)),
        ("order timeline (Jinja2)", render(jj, "console/orders/_timeline.html", page_ctx)),
        ("queue table (Django)", render(dj, "console/orders/_queue_table.html", queue_ctx)),
        ("queue table (Jinja2)", render(jj, "console/orders/_queue_table.html", queue_ctx)),
    ]
    results = {}
    print(f"{'template':32} {'CPU ms median':>14} {'p95':>8} {'HTML chars':>11}")
    for label, fn in rows:
        size = len(fn())
        med, p95 = timed(fn, args.runs)
        results[label] = med
        print(f"{label:32} {med:14.2f} {p95:8.2f} {size:11,}")
    for part in ("order timeline", "queue table"):
        d, j = results[f"{part} (Django)"], results[f"{part} (Jinja2)"]
        print(f"{part}: Jinja2 is {d / j:.1f}x Django ({d - j:.2f} ms less per request)")


if __name__ == "__main__":
    main()
