"""kefu.web: the staff decorator and its capability gate, the download response, the form plumbing and
the order page a feature app answers with."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponse, HttpResponseBase
from django.test import RequestFactory
from django.utils import timezone, translation

from kefu.lib.errors import Errors, NotFound, ValidationFailed
from kefu.testing.factories import World, make_user
from kefu.web.files import attachment_response
from kefu.web.forms import MultipleFileField, add_kefu_error
from kefu.web.order_page import render_order_page
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.models import Attachment


def _get(user: object) -> ConsoleRequest:
    request = RequestFactory().get("/x/")
    request.user = user  # type: ignore[assignment]
    return request  # type: ignore[return-value]


def _body(resp: HttpResponseBase) -> bytes:
    assert isinstance(resp, HttpResponse)
    assert resp.status_code == 200
    return resp.content


@staff_view
def _anyone(request: ConsoleRequest) -> HttpResponse:
    return HttpResponse(f"staff {request.staff.pk}")


@staff_view("knowledge.edit")
def _editors(request: ConsoleRequest) -> HttpResponse:
    return HttpResponse("edit")


@staff_view("area.assign", "followup.record")
def _either(request: ConsoleRequest) -> HttpResponse:
    return HttpResponse("either")


@staff_view
def _missing(request: ConsoleRequest) -> HttpResponse:
    raise NotFound("not_found", "Work order not found.", "workorder")


@pytest.mark.django_db
def test_staff_view_sets_the_staff_member(world: World) -> None:
    assert _body(_anyone(_get(world.agent.user))) == f"staff {world.agent.pk}".encode()


@pytest.mark.django_db
def test_staff_view_sends_strangers_to_login_and_gives_non_staff_404(world: World) -> None:
    resp = _anyone(_get(AnonymousUser()))
    assert resp.status_code == 302
    assert resp["Location"].startswith("/login/")
    with pytest.raises(Http404):
        _anyone(_get(make_user("plain")))


@pytest.mark.django_db
def test_capability_gate_is_404_not_403(world: World) -> None:
    assert _body(_editors(_get(world.supervisor.user))) == b"edit"
    for staff in (world.agent, world.followup, world.technician):
        with pytest.raises(Http404):
            _editors(_get(staff.user))


@pytest.mark.django_db
def test_several_capabilities_mean_any_of_them(world: World) -> None:
    assert _body(_either(_get(world.followup.user))) == b"either"  # followup.record only
    assert _body(_either(_get(world.supervisor.user))) == b"either"  # both
    with pytest.raises(Http404):
        _either(_get(world.agent.user))  # neither


@pytest.mark.django_db
def test_not_found_from_the_view_is_404(world: World) -> None:
    with translation.override("en"), pytest.raises(Http404, match="Work order not found"):
        _missing(_get(world.agent.user))


def test_staff_view_refuses_a_non_capability() -> None:
    with pytest.raises(TypeError):
        staff_view("")


@pytest.mark.django_db
def test_attachment_response_is_an_inert_private_download(world: World) -> None:
    o = world.order(world.customer())
    att = Attachment(
        workorder=o,
        filename="报告 <1>.html",
        content_type="text/html",
        size=18,
        sha256="ab" * 32,
        created_at=timezone.now(),
    )
    att.file.save("r.html", ContentFile(b"<script>1</script>"), save=True)
    resp = attachment_response(att.file, att.filename, att.content_type)
    assert resp["Content-Type"] == "text/html"
    assert resp["Content-Disposition"].startswith("attachment; filename")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert resp["Cache-Control"] == "private, no-store"
    assert resp.getvalue() == b"<script>1</script>"
    att.file.close()  # (not resp.close(): its request_finished signal would close the test's connection)
    assert att.file.name
    att.file.storage.delete(att.file.name)
    att = Attachment.objects.get(pk=att.pk)
    with translation.override("en"), pytest.raises(Http404, match="missing from storage"):
        attachment_response(att.file, att.filename, att.content_type)


class _Form(forms.Form):
    title = forms.CharField(required=False)
    area = forms.CharField(required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    uploads = MultipleFileField()


def test_add_kefu_error_puts_each_message_next_to_its_field() -> None:
    form = _Form({})
    assert form.is_valid()
    error = Errors(
        [
            ValidationFailed("required", "Title needed.", "title"),
            ValidationFailed("invalid", "Area unknown.", "area_id"),  # x_id names field x
            ValidationFailed("stale", "Changed meanwhile.", "version"),  # hidden: above the form
            ValidationFailed("other", "Something else.", "nonesuch"),  # not in the form: above it
            ValidationFailed("aliased", "Pick a subject.", "subject"),
        ]
    )
    add_kefu_error(form, error, aliases={"subject": "title"})
    assert form.errors["title"] == ["Title needed.", "Pick a subject."]
    assert form.errors["area"] == ["Area unknown."]
    assert form.non_field_errors() == ["Changed meanwhile.", "Something else."]


def test_multiple_file_field_cleans_to_a_list() -> None:
    a = SimpleUploadedFile("a.txt", b"a")
    b = SimpleUploadedFile("b.txt", b"b")
    field = MultipleFileField()
    assert field.clean([a, b]) == [a, b]
    assert field.clean(a) == [a]
    assert field.clean(None) == []
    assert field.widget.allow_multiple_selected
    assert 'name="uploads" multiple' in str(_Form()["uploads"])


@pytest.mark.django_db
def test_the_console_registers_the_order_page(world: World) -> None:
    o = world.order(world.customer())
    request = _get(world.agent.user)
    request.staff = world.agent
    request.session = {}  # type: ignore[assignment]
    resp = render_order_page(request, o.number, status=409)
    assert resp.status_code == 409
    assert o.number in resp.content.decode()
    with pytest.raises(NotFound):  # another branch's order: not found
        render_order_page(_get(world.agent_south.user), o.number, status=400)
