"""Portal sign-in and registration without staff help (one-time link, see ``portal_access``), and the
page where a signed-in customer sets a password for the ordinary login."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kefu.channels.actions import portal_services
from kefu.commitments import emergency
from kefu.commitments.models import Service
from kefu.incidents import actions as incident_actions
from kefu.lib import clock, ratelimit
from kefu.lib.errors import KefuError, TooManyRequests
from kefu.portal import access as portal_access
from kefu.portal import emergency_notice
from kefu.portal import password as portal_password
from kefu.portal import report as portal_report
from kefu.portal.forms import ServiceChoiceField
from kefu.portal.views import CustomerRequest, portal_view, service_materials_context
from kefu.web.forms import add_kefu_error


class LinkRequestForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Needed only if this is your first request with us."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    address = forms.CharField(
        label=gettext_lazy("E-mail address or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )


def _link_base(request: HttpRequest) -> str:
    path = reverse("portal:signin") + "link/"
    public = getattr(settings, "KEFU_PUBLIC_URL", "")
    return public + path if public else request.build_absolute_uri(path)


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer never says whether the address is known."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    status = 200
    if request.method == "POST":
        form = LinkRequestForm(request.POST)
        if form.is_valid():
            try:
                portal_access.do_request_link(
                    form.cleaned_data["address"],
                    form.cleaned_data["name"],
                    ratelimit.client_ip(request),
                    _link_base(request),
                )
            except TooManyRequests as exc:
                add_kefu_error(form, exc)
                status = 429
            except KefuError as exc:
                add_kefu_error(form, exc)
                status = 400
            else:
                return render(request, "portal/signin_sent.html", {"minutes": portal_access.link_minutes()})
        else:
            status = 400
    else:
        form = LinkRequestForm()
    return render(request, "portal/signin.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners only GET); POST spends the link and logs the customer in."""
    if request.method == "GET":
        try:
            portal_access.peek_link(token)
        except KefuError as exc:
            return render(request, "portal/signin_link.html", {"error": exc.message}, status=400)
        return render(request, "portal/signin_link.html", {"token": token})
    try:
        user = portal_access.do_use_link(token)
    except KefuError as exc:
        return render(request, "portal/signin_link.html", {"error": exc.message}, status=400)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])  # the local accounts' backend
    portal_password.remember_link_signin(request.session, portal_access.token_address(token), clock.now())
    messages.success(request, _("You are signed in."))
    if not user.has_usable_password():
        return redirect("portal:password")
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
@portal_view
def password(request: CustomerRequest) -> HttpResponse:
    """Set (or change) the password for the ordinary login with the shown login name; see
    ``portal_password`` for who may and how often."""
    user: Any = request.user
    ip = ratelimit.client_ip(request)
    has_password = user.has_usable_password()
    deadline = None if has_password else portal_password.set_deadline(request.session, clock.now())
    if not has_password and deadline is None:
        return _password_needs_new_link(request, ip)
    form = portal_password.password_form(user, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            portal_password.check_attempt(user, ip)
        except TooManyRequests as exc:
            add_kefu_error(form, exc)
            status = 429
        else:
            if form.is_valid():
                portal_password.do_save_password(form, request.customer)
                update_session_auth_hash(request, user)
                request.session.pop(portal_password.SIGNED_IN_AT, None)
                messages.success(
                    request,
                    _("Your password was changed. Sign-in links sent before no longer work.")
                    if has_password
                    else _("Your password was saved. You can now also log in with it."),
                )
                return redirect("portal:home")
            if has_password and "old_password" in form.errors:
                portal_password.count_wrong_current_password(user, ip)
            status = 400
    return render(
        request,
        "portal/password.html",
        {
            "form": form,
            "username": user.get_username(),
            "has_password": has_password,
            "deadline": deadline,
            "minutes": portal_password.recent_minutes(),
        },
        status=status,
    )


def _password_needs_new_link(request: CustomerRequest, ip: str) -> HttpResponse:
    """A customer without a password whose link sign-in is too old: explain, and on request send a
    new link to the address they signed in with (else their e-mail, else their phone)."""
    address = request.session.get(portal_password.SIGNED_IN_ADDRESS) or (
        request.customer.email or request.customer.phone_e164
    )
    error = ""
    status = 403 if request.method == "POST" else 200
    if request.method == "POST" and request.POST.get("send_link") and address:
        try:
            portal_access.do_request_link(address, "", ip, _link_base(request))
        except KefuError as exc:
            error = str(exc.message)
            status = exc.status
        else:
            return render(
                request,
                "portal/password_link_sent.html",
                {"address": address, "minutes": portal_access.link_minutes()},
            )
    return render(
        request,
        "portal/password_relink.html",
        {"address": address, "minutes": portal_password.recent_minutes(), "error": error},
        status=status,
    )


# ---------------------------------------------------------------------------------------------------
# Anonymous report


class ReportForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        required=False,
        help_text=gettext_lazy("Give a phone number, an e-mail address or both, so that we can answer you."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    service = ServiceChoiceField(
        label=gettext_lazy("Service (optional)"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=gettext_lazy("— not sure —"),
    )
    address = forms.CharField(
        label=gettext_lazy("Address (optional)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Where the problem is: street, building, flat."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    incident = forms.TypedChoiceField(
        label=gettext_lazy("Is it one of the outages we know about?"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = portal_services()  # type: ignore[attr-defined]
        # "I am reporting the outage in my area": the active public incidents (docs/incidents.md)
        self.outages = incident_actions.active_public(None, None)
        if self.outages:
            self.fields["incident"].choices = [  # type: ignore[attr-defined]
                *[(i.pk, outage_label(i)) for i in self.outages],
                ("", _("No, something else")),
            ]
        else:
            del self.fields["incident"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("description") or "").strip() and not data.get("incident"):
            self.add_error("description", _("Describe the problem."))
        return data


def outage_label(i: Any) -> str:
    """The outage's choice on the report form, in the reader's language (docs/adr/0008-content-translations.md)."""
    where = i.area.tr("name") if i.area else i.branch.tr("name")
    place = " · ".join(p for p in (where, i.tr("address_range")) if p)
    return _("I am reporting the outage: %(title)s (%(place)s)") % {"title": i.tr("title"), "place": place}


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a problem without an account (rate-limited per client address and per phone/e-mail)."""
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                o = portal_report.do_anonymous_report(
                    portal_report.Report(
                        name=d["name"],
                        phone=d["phone"],
                        email=d["email"],
                        description=d["description"],
                        service_id=d["service"].pk if d.get("service") else None,
                        ip=ratelimit.client_ip(request),
                        address=d.get("address") or "",
                        incident_id=d.get("incident"),
                    )
                )
            except TooManyRequests as exc:
                add_kefu_error(form, exc)
                status = 429
            except KefuError as exc:
                add_kefu_error(form, exc)
                status = 400
            else:
                request.session["portal_report_number"] = o.number
                request.session["portal_report_emergency"] = emergency.is_emergency(o)
                return redirect("portal:report_done")
        else:
            status = 400
    else:
        form = ReportForm()
    typed = (
        f"{request.POST.get('description', '')}\n{request.POST.get('address', '')}"
        if request.method == "POST"
        else ""
    )
    context = {"form": form, **emergency_notice.context(request.POST.get("service"), typed)}
    return render(request, "portal/report.html", context, status=status)


@require_GET
def report_done(request: HttpRequest) -> HttpResponse:
    """The confirmation with the order number (kept in the reporter's session only)."""
    number = request.session.get("portal_report_number")
    if not number:
        return redirect("portal:report")
    notice = emergency_notice.message() if request.session.get("portal_report_emergency") else ""
    return render(request, "portal/report_done.html", {"number": number, "emergency_notice": notice})


# ---------------------------------------------------------------------------------------------------
# Required materials of a service (HTMX fragment; the submit forms also render it server-side)


@require_GET
def service_materials(request: HttpRequest) -> HttpResponse:
    return render(
        request, "portal/_service_materials.html", service_materials_context(request.GET.get("service"))
    )
