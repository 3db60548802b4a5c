"""Portal: answer a survey invitation by its token (no login needed), Chinese and English, no JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.lib import ratelimit
from kefu.lib.errors import KefuError, NotFound
from kefu.surveys import actions, rules
from kefu.surveys.models import DimensionChoices, Invitation, Question, QuestionKind, Sat4Choices

POSTS_PER_HOUR = 60  # answer attempts per client address
SEVEN = [(str(i), str(i)) for i in range(1, 8)]


class SurveyForm(forms.Form):
    """Fields: ``q<id>`` (CSAT, NPS, four-level, text), ``q<id>_e`` / ``q<id>_p`` (SERVQUAL expectation and
    perception), ``w_<dimension>`` (importance points)."""

    def __init__(self, *args: Any, invitation: Invitation, questions: list[Question], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.questions = questions
        self.rows: list[dict[str, Any]] = []
        for q in questions:
            name = f"q{q.pk}"
            if q.kind == QuestionKind.CSAT:
                self.fields[name] = forms.TypedChoiceField(
                    label=q.label,
                    choices=[(str(i), str(i)) for i in range(1, 6)],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=False,
                )
                self.rows.append(
                    {
                        "q": q,
                        "kind": "scale",
                        "field": name,
                        "low": _("very dissatisfied"),
                        "high": _("very satisfied"),
                    }
                )
            elif q.kind == QuestionKind.NPS:
                self.fields[name] = forms.TypedChoiceField(
                    label=q.label,
                    choices=[(str(i), str(i)) for i in range(11)],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=False,
                )
                self.rows.append(
                    {
                        "q": q,
                        "kind": "scale",
                        "field": name,
                        "low": _("not at all likely"),
                        "high": _("extremely likely"),
                    }
                )
            elif q.kind == QuestionKind.SAT4:
                self.fields[name] = forms.ChoiceField(
                    label=q.label, choices=Sat4Choices.choices, widget=forms.RadioSelect, required=False
                )
                self.rows.append({"q": q, "kind": "choice", "field": name})
            elif q.kind == QuestionKind.SERVQUAL:
                what = {"e": _("What an excellent company would do"), "p": _("What we did")}
                for suffix, label in what.items():
                    self.fields[f"{name}_{suffix}"] = forms.TypedChoiceField(
                        label=f"{q.item_no}. {q.label} — {label}",
                        choices=SEVEN,
                        coerce=int,
                        widget=forms.RadioSelect,
                        required=False,
                    )
                self.rows.append(
                    {
                        "q": q,
                        "kind": "servqual",
                        "field": name,
                        "e": f"{name}_e",
                        "p": f"{name}_p",
                        "e_label": what["e"],
                        "p_label": what["p"],
                    }
                )
            else:
                self.fields[name] = forms.CharField(
                    label=q.label, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
                )
                self.rows.append({"q": q, "kind": "text", "field": name})
        self.asks_weights = invitation.survey.ask_importance and any(
            q.kind == QuestionKind.SERVQUAL for q in questions
        )
        if self.asks_weights:
            for value, dim_label in DimensionChoices.choices:
                self.fields[f"w_{value}"] = forms.IntegerField(
                    label=dim_label,
                    initial=100 // len(DimensionChoices.choices),
                    min_value=0,
                    max_value=100,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
                )
        for row in self.rows:
            if row["kind"] == "servqual":
                row["bf_e"], row["bf_p"] = self[row["e"]], self[row["p"]]
            else:
                row["bf"] = self[row["field"]]

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{v}"] for v, _l in DimensionChoices.choices] if self.asks_weights else []

    def submission(self) -> actions.Submission:
        d = self.cleaned_data
        sub = actions.Submission()
        for q in self.questions:
            name = f"q{q.pk}"
            if q.kind in (QuestionKind.CSAT, QuestionKind.NPS) and d.get(name) not in (None, ""):
                sub.values[q.pk] = int(d[name])
            elif q.kind == QuestionKind.SAT4 and d.get(name):
                sub.choices[q.pk] = d[name]
            elif q.kind == QuestionKind.SERVQUAL:
                e, p = d.get(f"{name}_e"), d.get(f"{name}_p")
                if e not in (None, "") and p not in (None, ""):
                    sub.pairs[q.pk] = (int(e), int(p))
            elif q.kind == QuestionKind.TEXT and d.get(name):
                sub.texts[q.pk] = d[name]
        if self.asks_weights:
            sub.weights = {v: int(d.get(f"w_{v}") or 0) for v, _l in DimensionChoices.choices}
        return sub

    def add_kefu_error(self, exc: KefuError) -> None:
        field = exc.field
        if field and field.startswith("q") and field not in self.fields and f"{field}_e" in self.fields:
            # a SERVQUAL item: show the message on the item (both halves are one answer)
            self.add_error(f"{field}_p" if self.data.get(f"{field}_e") else f"{field}_e", str(exc.message))
        elif field == "weights":
            self.add_error(None, str(exc.message))
            self.weights_error = str(exc.message)
        elif field and field in self.fields:
            self.add_error(field, str(exc.message))
        else:
            self.add_error(None, str(exc.message))


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        inv = actions.open_invitation(token)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    state = actions.invitation_state(inv)
    if state != "open":
        return render(request, "surveys/portal_closed.html", {"inv": inv, "state": state}, status=410)
    questions = actions.questions_of(inv.survey)
    form = SurveyForm(request.POST if request.method == "POST" else None, invitation=inv, questions=questions)
    status = 200
    if request.method == "POST":
        status = 400
        ip = ratelimit.client_ip(request)
        if ratelimit.count("survey-answer-ip", ip) >= POSTS_PER_HOUR:
            form.add_error(None, _("Too many attempts from your network. Please try again later."))
            status = 429
        else:
            ratelimit.increment("survey-answer-ip", ip, 3600)
            if form.is_valid():
                try:
                    actions.do_submit_response(token, form.submission())
                except KefuError as exc:
                    if exc.code in ("already_answered", "expired"):
                        inv.refresh_from_db()
                        state = "answered" if exc.code == "already_answered" else "expired"
                        return render(
                            request, "surveys/portal_closed.html", {"inv": inv, "state": state}, status=409
                        )
                    form.add_kefu_error(exc)
                else:
                    return render(request, "surveys/portal_thanks.html", {"inv": inv})
    ctx = {
        "inv": inv,
        "form": form,
        "dimension_names": dict(DimensionChoices.choices),
        "dimensions": [d.value for d in rules.DIMENSIONS],
        "weights_error": getattr(form, "weights_error", ""),
    }
    return render(request, "surveys/portal_answer.html", ctx, status=status)
