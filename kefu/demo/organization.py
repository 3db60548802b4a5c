"""Demo organisation: the company, two branches with outlets and departments, service areas and the
staff with their logins (configuration an administrator enters in the admin, so inserted directly)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from kefu.demo import data as D
from kefu.demo.loader import Loader
from kefu.organization.models import Branch, Company, Department, Outlet, ServiceArea, Staff

DEMO_PASSWORD = "kefu-demo-2026"  # noqa: S105 - published demo password, documented in the README


def load(L: Loader) -> None:
    """Company, branches, outlets, departments, staff with logins and leaders, service areas."""
    Company.objects.create(**D.COMPANY, translations=D.COMPANY_TRANSLATIONS)
    for b in D.BRANCHES:
        branch = Branch.objects.create(
            time_zone="Asia/Shanghai", translations=D.BRANCH_TRANSLATIONS.get(b["code"], {}), **b
        )
        L.branches[branch.code] = branch
        for name, address, phone in D.OUTLETS[branch.code]:
            outlet = Outlet.objects.create(
                branch=branch,
                name=name,
                address=address,
                phone=phone,
                opening_hours=D.OPENING_HOURS,
                translations=D.outlet_translations(name),
            )
            L.outlets.setdefault(branch.code, []).append(outlet)
        for dname in D.DEPARTMENTS:
            L.departments[(branch.code, dname)] = Department.objects.create(branch=branch, name=dname)
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    for i, s in enumerate(D.STAFF):
        user = User.objects.create(
            username=s.username,
            password=password,
            first_name=s.name,
            is_staff=s.role == "admin",
            is_superuser=s.role == "admin",
        )
        staff = Staff.objects.create(
            user=user,
            name=s.name,
            badge_no=f"BJ{1001 + i}",
            role=s.role,
            branch=L.branches[s.branch] if s.branch else None,
            department=L.departments[(s.branch, s.department)] if s.branch and s.department else None,
            grade=s.grade,
            hired_on=s.hired_on,
            phone=L.mobile(),
        )
        staff.user = user
        L.staff[s.username] = staff
    for s in D.STAFF:
        if s.leader:
            L.staff[s.username].leader = L.staff[s.leader]
            L.staff[s.username].save(update_fields=["leader"])
    for branch_code, leaders in D.DEPARTMENT_LEADERS.items():
        for dname, username in leaders.items():
            dept = L.departments[(branch_code, dname)]
            dept.leader = L.staff[username]
            dept.save(update_fields=["leader"])
    for a in D.AREAS:
        area = ServiceArea.objects.create(
            branch=L.branches[a.branch],
            code=a.code,
            name=a.name,
            kind=a.kind,
            households=a.households,
            address_keywords="\n".join(a.keywords),
            translations=D.area_translations(a.code),
        )
        area.responsible.set([L.staff[u] for u in a.responsible])
        # the outlet serving the area (the outlet rows of the KPI sheets): in turn, by area
        outlets = L.outlets.get(a.branch) or []
        if outlets:
            area.outlet = outlets[len(L.areas.get(a.branch, [])) % len(outlets)]
            area.save(update_fields=["outlet"])
        L.areas.setdefault(a.branch, []).append((area, a))


def finish(L: Loader) -> None:
    """Attach the staff profiles to the users (after the service catalogue) and report."""
    User = get_user_model()
    # the users are re-read with their staff profile attached (one query per action less)
    for user in User.objects.filter(username__in=L.staff).select_related("staff"):
        L.staff[user.username] = user.staff
    L.say(
        f"organisation: {len(L.branches)} branches, {Outlet.objects.count()} outlets, "
        f"{len(D.AREAS)} areas, {len(L.staff)} staff, {len(L.services)} services"
    )
