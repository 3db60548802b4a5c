"""The demo data set includes one merged placeholder customer and one placeholder that is a duplicate
candidate of a real record."""

from __future__ import annotations

import io

import pytest

from kefu.customers import duplicates, lookup
from kefu.customers.models import Contact, Customer, CustomerMerge
from kefu.demo import load_demo
from kefu.organization.models import Staff

pytestmark = pytest.mark.django_db


def test_demo_has_a_merged_customer_and_a_duplicate_candidate() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    record = CustomerMerge.objects.get()
    merged = Customer.objects.get(pk=record.merged_ids[0])
    assert merged.name.startswith("WeChat user") and merged.merged_into_id == record.survivor_id
    assert Contact.objects.filter(customer=record.survivor, summary__startswith="微信咨询：燃气表").exists()
    assert lookup.customer_for_identity("wechat", "wmDemoMerged0001") == record.survivor
    cand = Customer.objects.get(contact_points__normalized="wmDemoDuplicate02")
    sup = Staff.objects.get(user__username="sup_north").user
    assert [s.customer.pk for s in duplicates.suggestions_for(sup, cand)]
    pairs = duplicates.queue(sup)
    assert any(cand.pk in (p.first.pk, p.second.pk) and "phone" in p.reasons for p in pairs)
