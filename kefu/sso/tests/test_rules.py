"""Which role and branch a member's groups give (kefu/sso/rules.py)."""

from __future__ import annotations

from kefu.sso.rules import MappingRow, normalize_group, resolve

ROWS = [
    MappingRow(group="cn=kefu-supervisors,ou=groups,dc=x", role="supervisor", branch_id=None),
    MappingRow(group="cn=kefu-agents,ou=groups,dc=x", role="agent", branch_id=None),
    MappingRow(group="cn=branch-north,ou=groups,dc=x", role="", branch_id=1),
    MappingRow(group="cn=branch-south,ou=groups,dc=x", role="", branch_id=2),
    MappingRow(group="cn=hq,ou=groups,dc=x", role="", branch_id=None, company_level=True),
]


def test_dn_spelling_does_not_matter() -> None:
    assert normalize_group(" CN=Kefu Agents, OU=Groups ,DC=x ") == "cn=kefu agents,ou=groups,dc=x"


def test_the_first_matching_row_gives_the_role_and_the_branch() -> None:
    out = resolve(
        ROWS,
        ["CN=kefu-agents,ou=groups,dc=x", "cn=kefu-supervisors, ou=groups, dc=x", "cn=branch-south,ou=groups,dc=x",
         "cn=branch-north,ou=groups,dc=x", "cn=canteen,ou=groups,dc=x"],
    )  # fmt: skip
    assert (out.role, out.branch_id, out.company_level, out.refusal) == ("supervisor", 1, False, "")
    assert "cn=canteen,ou=groups,dc=x" not in out.matched


def test_company_level_only_without_a_branch() -> None:
    hq = resolve(ROWS, ["cn=kefu-supervisors,ou=groups,dc=x", "cn=hq,ou=groups,dc=x"])
    assert (hq.role, hq.branch_id, hq.company_level, hq.refusal) == ("supervisor", None, True, "")
    both = resolve(
        ROWS, ["cn=kefu-agents,ou=groups,dc=x", "cn=hq,ou=groups,dc=x", "cn=branch-south,ou=groups,dc=x"]
    )
    assert (both.branch_id, both.company_level) == (2, False)


def test_refusals() -> None:
    assert resolve(ROWS, ["cn=branch-north,ou=groups,dc=x"]).refusal == "no_role"
    assert resolve(ROWS, ["cn=kefu-agents,ou=groups,dc=x"]).refusal == "no_branch"
    assert resolve(ROWS, []).refusal == "no_role"
