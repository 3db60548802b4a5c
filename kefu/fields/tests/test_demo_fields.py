"""The demo data set has the 表号 and 户号 fields with values, tags and e-mail signatures."""

from __future__ import annotations

import io

import pytest

from kefu.channels.models.signatures import EmailSignature
from kefu.demo import load_demo
from kefu.fields.models import FieldDefinition, FieldValue, OrderTag
from kefu.organization.models import Branch

pytestmark = pytest.mark.django_db


def test_demo_has_fields_tags_and_signatures() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert set(FieldDefinition.objects.values_list("key", flat=True)) == {
        "account_no",
        "meter_no",
        "appointment",
        "meter_reading",
    }
    # every customer of the archive (40 asked for; the demo's chat placeholders may add one)
    assert FieldValue.objects.filter(definition__key="account_no", customer__isnull=False).count() >= 40
    meters = FieldValue.objects.filter(definition__key="meter_no")
    assert meters.count() >= 20 and all(len(v.value_text) == 8 for v in meters)
    assert OrderTag.objects.exists()
    assert EmailSignature.objects.filter(branch__isnull=False).count() == Branch.objects.count()
    assert EmailSignature.objects.filter(staff__isnull=False).count() == 1
