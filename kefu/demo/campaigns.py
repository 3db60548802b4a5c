"""Demo: one safety-check campaign (R-18) in a north-branch area, started three weeks ago and partly done —
visits checked, customers not at home (one already written to), a refusal, visits booked ahead."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from kefu.commitments.models import Service
from kefu.customers.models import Customer
from kefu.demo.loader import Loader
from kefu.fieldservice import campaigns
from kefu.fieldservice.models import Appointment, CampaignHousehold, MissedReason
from kefu.lib import clock

TEXT = "{name}您好，燃气公司安检员{technician}将于{date} {window}上门进行年度入户安全检查，请家中留人。改约请拨{hotline}。"
# the notice in the other languages (docs/adr/0008-content-translations.md)
TEXT_TRANSLATIONS = {
    "en": "Dear {name}, our gas safety inspector {technician} will carry out the annual household safety check "
    "on {date} {window}. Please make sure someone is at home. To change the time call {hotline}.",
    "hu": "Tisztelt {name}! Gázbiztonsági ellenőrünk, {technician} {date} {window} között végzi el az éves "
    "lakossági biztonsági ellenőrzést. Kérjük, legyen otthon valaki. Időpont-módosítás: {hotline}.",
    "zh-hant": "{name}您好，燃氣公司安檢員{technician}將於{date} {window}上門進行年度入戶安全檢查，請家中留人。"
    "改約請撥{hotline}。",
}


def load(L: Loader) -> None:
    service, _created = Service.objects.get_or_create(
        code="gas-safety-check",
        defaults={
            "name": "入户燃气安全检查",
            "name_en": "Household gas safety check",
            "order_type": "fault_general",
            "technical": True,
            "place": "onsite",
            "recurring": True,
            "description": "每年一次免费入户检查燃气管道、阀门、软管、燃气表和燃气具的安全状况。",
            "translations": {
                "en": {
                    "name": "Household gas safety check",
                    "description": "A free yearly check at home of the gas pipes, valves, hoses, meter and "
                    "appliances.",
                },
                "hu": {
                    "name": "Lakossági gázbiztonsági ellenőrzés",
                    "description": "Évente egyszer ingyenes otthoni ellenőrzés: gázcsövek, szelepek, tömlők, "
                    "gázmérő és gázkészülékek.",
                },
                "zh-hant": {
                    "name": "入戶燃氣安全檢查",
                    "description": "每年一次免費入戶檢查燃氣管道、閥門、軟管、燃氣表和燃氣具的安全狀況。",
                },
            },
        },
    )
    north = [a for a, _d in L.areas.get("north", [])]
    counts = dict(
        Customer.objects.filter(area__in=north, merged_into__isnull=True)
        .values_list("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    area = max(north, key=lambda a: counts.get(a.pk, 0))
    started = L.today - dt.timedelta(days=21)
    with clock.simulated(L.local(started, 9, 0)):
        c = campaigns.do_create_campaign(
            L.user("sup_north"),
            campaigns.CampaignInput(
                name=f"{L.today.year}年{area.name}入户安检",
                service_id=service.pk,
                area_ids=[area.pk],
                starts_on=started + dt.timedelta(days=3),
                ends_on=L.today + dt.timedelta(days=30),
                notice_text=TEXT,
                notice_translations=TEXT_TRANSLATIONS,
                daily_capacity=4,
                batch_size=24,
                absent_repeats=1,
            ),
        )
        campaigns.do_plan_batch(L.user("sup_north"), c.pk, today=started)
    # the visits that lay in the past ended as the technicians recorded them
    past = list(
        CampaignHousehold.objects.filter(campaign=c, appointment__window_end__lt=L.now)
        .select_related("appointment")
        .order_by("id")
    )
    refused = None
    for i, hh in enumerate(past):
        appt = hh.appointment
        assert appt is not None
        if i % 7 == 3:
            appt.status, appt.missed_reason = "missed", MissedReason.CUSTOMER_ABSENT
        elif i % 11 == 5 and refused is None:
            refused = hh
            continue
        else:
            appt.status = "done"
        Appointment.objects.filter(pk=appt.pk).update(status=appt.status, missed_reason=appt.missed_reason)
    campaigns.reconcile(c.pk)
    if refused is not None:
        campaigns.do_record_refusal(L.user("sup_north"), c.pk, refused.pk, "户主表示自行请人检查，拒绝入户")
    campaigns.do_plan_batch(L.user("sup_north"), c.pk)  # the next batch, booked ahead
    p = campaigns.progress(c)
    L.say(f"campaign: {p.households} households, {p.done} checked, {p.scheduled} booked, {p.refused} refused")
