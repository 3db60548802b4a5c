"""The demo data set includes FAQ articles (public, internal, English, one draft) and a roster."""

from __future__ import annotations

import io

import pytest

from kefu.demo import load_demo
from kefu.knowledge.models import Article, Shift
from kefu.lib import search

pytestmark = pytest.mark.django_db


def test_demo_has_faq_and_roster() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert Article.objects.filter(published=True, audience="customers", language="zh-hans").count() == 5
    assert Article.objects.filter(language="en").count() == 2
    assert Article.objects.filter(published=False).count() == 1
    found = search.filter_queryset(Article.objects.filter(published=True), "退款")
    assert {a.title for a in found} == {"怎样申请退款？", "退款审批流程（内部）"}
    assert Shift.objects.filter(staff__role="agent").count() >= 12
