import pytest

from kefu.audit.models import AuditRecord
from kefu.organization.models import Branch, Staff
from kefu.testing.factories import PASSWORD


@pytest.mark.django_db
def test_admin_creates_staff_with_login_and_logs_it(client, world):
    client.login(username="admin", password=PASSWORD)
    response = client.post(
        "/admin/organization/staff/add/",
        {
            "username": "newagent",
            "password": "Str0ng-pass-word!",
            "name": "新客服",
            "badge_no": "N0001",
            "role": "agent",
            "branch": world.north.pk,
            "grade": 1,
            "hired_on": "2026-11-02",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(badge_no="N0001")
    assert staff.user.username == "newagent"
    assert staff.user.check_password("Str0ng-pass-word!")
    assert not staff.user.is_staff  # agents do not get the admin site
    record = AuditRecord.objects.get(action="admin.add", object_type="organization.staff")
    assert record.actor is not None and record.actor.username == "admin"
    assert client.login(username="newagent", password="Str0ng-pass-word!")


@pytest.mark.django_db
def test_admin_refuses_a_taken_login_name_and_weak_password(client, world):
    client.login(username="admin", password=PASSWORD)
    response = client.post(
        "/admin/organization/staff/add/",
        {
            "username": "agent",
            "password": "123",
            "name": "x",
            "badge_no": "N0002",
            "role": "agent",
            "branch": world.north.pk,
            "grade": 1,
            "hired_on": "2026-11-02",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "username" in errors
    assert "password" in errors
    assert not Staff.objects.filter(badge_no="N0002").exists()


@pytest.mark.django_db
def test_branch_change_in_admin_is_logged_with_before_and_after(client, world):
    client.login(username="admin", password=PASSWORD)
    response = client.post(
        f"/admin/organization/branch/{world.north.pk}/change/",
        {
            "code": "north",
            "name": "城北分公司（新）",
            "time_zone": "Asia/Shanghai",
            "language": "zh-hans",
            "phone": "",
            "address": "",
            "outlets-TOTAL_FORMS": "0",
            "outlets-INITIAL_FORMS": "0",
            "outlets-MIN_NUM_FORMS": "0",
            "outlets-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    assert Branch.objects.get(pk=world.north.pk).name == "城北分公司（新）"
    record = AuditRecord.objects.get(action="admin.change", object_type="organization.branch")
    assert record.before == {"name": "城北分公司"}
    assert record.after == {"name": "城北分公司（新）"}


@pytest.mark.django_db
def test_agents_cannot_open_the_admin(client, world):
    client.login(username="agent", password=PASSWORD)
    response = client.get("/admin/organization/staff/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
