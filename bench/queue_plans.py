"""The plans of the queues' and the API's default order (urgent first, ``queries.by_urgency``) on a data set
built by ``generate.py``: ``EXPLAIN (ANALYZE, BUFFERS)`` of each list as the console and the API run it
(page of 50, second run, jit off). Prints the plans; bench/RESULTS.md keeps the figures.

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_full .venv/bin/python bench/queue_plans.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from kefu.console.views_orders import filtered_queue
    from kefu.lib import clock
    from kefu.organization.models import Staff
    from kefu.workorders import queries
    from kefu.workorders.access import visible_workorders

    def explain(label: str, qs: Any, *, count: bool = False) -> None:
        sql, params = qs.query.sql_with_params()
        if count:  # as the paginator counts
            sql = f"SELECT COUNT(*) FROM ({sql}) AS s"
        with connection.cursor() as cur:
            cur.execute("SET jit = off")
            for _ in range(2):  # the second run, warm
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
        print("=====", label)
        print(plan)

    now = clock.now()
    # the branch staff member with the most open orders assigned: the worst case for "My queue"
    agent = (
        Staff.objects.filter(branch__isnull=False, user__is_active=True)
        .annotate(n=Count("assigned_orders"))
        .order_by("-n")
        .first()
    )
    if agent is None:
        sys.exit("no staff: run bench/generate.py first")
    print(f"staff {agent.pk} (branch {agent.branch_id}), {agent.n} orders assigned")  # type: ignore[attr-defined]
    tabs = queries.queue_tabs(agent.user, agent)
    explain("team queue, default order", filtered_queue(tabs["team"], {}, now)[:50])
    explain("team queue, by due time", filtered_queue(tabs["team"], {"sort": "due_at"}, now)[:50])
    explain("My queue, default order", filtered_queue(tabs["mine"], {}, now)[:50])
    explain("My queue, by due time", filtered_queue(tabs["mine"], {"sort": "due_at"}, now)[:50])
    explain("My responsibilities, default order", filtered_queue(tabs["owned"], {}, now)[:50])
    explain("API list, default order", queries.by_urgency(visible_workorders(agent.user))[:50])
    explain(
        "API list, default order, open=true",
        queries.by_urgency(visible_workorders(agent.user).filter(status__in=queries.OPEN))[:50],
    )
    explain("team queue count", tabs["team"].order_by().values("pk"), count=True)


if __name__ == "__main__":
    main()
