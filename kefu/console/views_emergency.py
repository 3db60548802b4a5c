"""Emergency keywords: supervisors and administrators keep the list per language here; the
portal, the public report form and the chat auto-answer warn with it (``commitments.emergency``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.commitments import emergency
from kefu.commitments.models import EmergencyKeyword, Service
from kefu.lib.errors import KefuError
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view


class KeywordForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    keyword = forms.CharField(label=gettext_lazy("Keyword"), max_length=50)


def _may_edit(request: ConsoleRequest) -> None:
    if request.staff.role not in ("supervisor", "admin"):
        raise Http404


@require_http_methods(["GET", "POST"])
@staff_view
def keywords(request: ConsoleRequest) -> HttpResponse:
    _may_edit(request)
    status = 200
    if request.method == "POST":
        form = KeywordForm(request.POST)
        if form.is_valid():
            try:
                emergency.do_add_keyword(
                    request.user, form.cleaned_data["language"], form.cleaned_data["keyword"]
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
                status = 400
            else:
                return redirect("console:emergency_keywords")
        else:
            status = 400
    else:
        form = KeywordForm(initial={"language": (request.LANGUAGE_CODE or "zh-hans").lower()})
    ctx = {
        "form": form,
        "keywords": EmergencyKeyword.objects.all(),
        "services": Service.objects.filter(is_emergency=True, is_active=True),
        "hotline": emergency.hotline(),
    }
    return render(request, "console/emergency_keywords.html", ctx, status=status)


@require_POST
@staff_view
def keyword_toggle(request: ConsoleRequest, pk: int) -> HttpResponse:
    _may_edit(request)
    emergency.do_set_keyword_active(request.user, pk, request.POST.get("active") == "1")
    return redirect("console:emergency_keywords")
