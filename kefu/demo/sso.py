"""Demo single-sign-on mappings (docs/sso.md): what an administrator would enter for a directory with one
group per role and one per branch. Inert until KEFU_LDAP_URL / KEFU_OIDC_ISSUER are set."""

from __future__ import annotations

from kefu.demo.loader import Loader
from kefu.sso.models import GroupMapping
from kefu.sso.rules import normalize_group

BASE = "ou=groups,dc=example,dc=com"
ROLE_GROUPS = [("admin", "kefu-admins"), ("supervisor", "kefu-supervisors"), ("inspector", "kefu-inspectors"),
               ("followup", "kefu-followup"), ("agent", "kefu-agents"), ("technician", "kefu-technicians")]  # fmt: skip


def load(L: Loader) -> None:
    rows = []
    for position, (role, cn) in enumerate(ROLE_GROUPS, start=1):
        rows.append(GroupMapping(source="ldap", group=f"cn={cn},{BASE}", role=role, position=position * 10))
        rows.append(GroupMapping(source="oidc", group=cn, role=role, position=position * 10))
    for code, branch in L.branches.items():
        rows.append(GroupMapping(source="ldap", group=f"cn=branch-{code},{BASE}", branch=branch))
        rows.append(GroupMapping(source="oidc", group=f"客服中心/{branch.name}", branch=branch))
    rows.append(GroupMapping(source="ldap", group=f"cn=company-hq,{BASE}", company_level=True))
    rows.append(GroupMapping(source="oidc", group="客服中心/总部", company_level=True))
    for row in rows:
        row.group = normalize_group(row.group)  # bulk_create skips save()
    GroupMapping.objects.bulk_create(rows)
