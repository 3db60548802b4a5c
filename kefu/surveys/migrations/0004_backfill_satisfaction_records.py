"""One satisfaction record per answer given before the records existed: every survey response with a
satisfaction score and every follow-up call that recorded a satisfaction answer (docs/quality.md). Where
they count is taken from the order as it is now; no recovery task is opened for these past answers."""

from django.db import migrations

from kefu.surveys import rules

SOURCE = {"email": "survey_email", "sms": "survey_sms", "portal": "survey_portal"}
LOW_AT = 2


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Record = apps.get_model("surveys", "SatisfactionRecord")
    Response = apps.get_model("surveys", "Response")
    Task = apps.get_model("followup", "FollowupTask")
    done = set(Record.objects.values_list("key", flat=True))
    batch = []
    for r in Response.objects.select_related("invitation__workorder", "invitation__customer").iterator():
        key = f"survey:{r.pk}"
        n = rules.normalise(r.csat, r.sat4 or None, r.nps)
        if key in done or (n.csat is None and n.nps is None):
            continue
        inv, o = r.invitation, r.invitation.workorder
        batch.append(
            Record(
                key=key,
                source=SOURCE.get(inv.channel, "survey_portal"),
                recorded_at=r.submitted_at,
                workorder_id=o.pk,
                customer_id=inv.customer_id,
                branch_id=o.branch_id,
                area_id=o.area_id,
                outlet_id=o.outlet_id,
                staff_id=inv.staff_id,
                response_id=r.pk,
                csat=n.csat,
                sat4=n.sat4,
                nps=n.nps,
                low=rules.is_low(n, LOW_AT),
                comment=r.comment[:2000],
            )
        )
    codes = {c.value for c in rules.Sat4}
    tasks = Task.objects.filter(status="done", satisfaction__isnull=False, finished_at__isnull=False)
    for t in tasks.select_related("satisfaction", "workorder", "customer").iterator():
        key = f"followup:{t.pk}"
        if key in done:
            continue
        lv = t.satisfaction
        n = rules.normalise(
            None, lv.code if lv.code in codes else ("satisfied" if lv.satisfied else "dissatisfied"), None
        )
        o = t.workorder
        batch.append(
            Record(
                key=key,
                source="followup",
                recorded_at=t.finished_at,
                workorder_id=o.pk if o else None,
                customer_id=t.customer_id,
                branch_id=o.branch_id if o else t.branch_id,
                area_id=o.area_id if o else t.customer.area_id,
                outlet_id=o.outlet_id if o else None,
                staff_id=(o.assignee_id or o.owner_id) if o else None,
                csat=n.csat,
                sat4=n.sat4,
                low=rules.is_low(n, LOW_AT),
                comment=t.comments[:2000],
            )
        )
    Record.objects.bulk_create(batch, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_satisfaction_records"),
        ("followup", "0003_report_indexes"),
        ("workorders", "0006_order_outlet"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
