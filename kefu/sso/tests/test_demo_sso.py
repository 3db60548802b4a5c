"""The demo's single-sign-on mappings: one group per role and per branch, for both sources."""

from __future__ import annotations

import io

import pytest

from kefu.demo import load_demo
from kefu.organization.models import Branch
from kefu.sso.models import GroupMapping
from kefu.sso.rules import MappingRow, resolve

pytestmark = pytest.mark.django_db


def test_demo_mappings_give_a_role_and_a_branch() -> None:
    load_demo(customers=8, orders=20, stdout=io.StringIO())
    branches = Branch.objects.count()
    for source in ("ldap", "oidc"):
        assert GroupMapping.objects.filter(source=source).exclude(role="").count() == 6
        assert GroupMapping.objects.filter(source=source, branch__isnull=False).count() == branches
    north = Branch.objects.get(code="north")
    rows = [
        MappingRow(group=m.group, role=m.role, branch_id=m.branch_id, company_level=m.company_level)
        for m in GroupMapping.objects.filter(source="ldap").order_by("position", "id")
    ]
    out = resolve(
        rows, ["CN=kefu-agents,OU=groups,DC=example,DC=com", "cn=branch-north,ou=groups,dc=example,dc=com"]
    )
    assert (out.role, out.branch_id, out.refusal) == ("agent", north.pk, "")
