"""Forms of the macro and saved-view pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.macros import actions, rules
from kefu.macros.models import Macro, SavedView
from kefu.organization.models import Branch, Department, Staff
from kefu.workorders import hooks
from kefu.workorders.models import Priority, StatusChoices

REPLY_CHANNELS = [
    ("", _("the order's own channel")),
    ("sms", _("SMS")),
    ("email", _("e-mail")),
    ("portal", _("customer portal")),
]

# what each reply-text variable is (rules.VARIABLES), for the editor
VARIABLE_LABELS = {
    "order.number": _("the order's number"),
    "order.title": _("the order's title"),
    "order.status": _("the order's status"),
    "order.priority": _("the order's priority"),
    "order.due": _("the order's due time (branch time zone)"),
    "customer.name": _("the customer's name"),
    "customer.number": _("the customer's number"),
    "agent.name": _("your name"),
    "agent.badge": _("your badge number"),
    "branch.name": _("the order's branch"),
}

COLUMN_LABELS = {
    "customer": _("Customer"),
    "type": _("Type"),
    "area": _("Area"),
    "owner": _("First-contact owner"),
    "assignee": _("Assignee"),
    "received": _("Received"),
}


def _scope_fields(form: forms.Form, staff: Staff) -> None:
    """``shared`` for supervisors; ``branch`` for company-level staff (empty: every branch)."""
    if not staff.can("queue.share"):
        del form.fields["shared"]
        del form.fields["branch"]
    elif not staff.sees_all_branches:
        del form.fields["branch"]
    else:
        form.fields["branch"].queryset = Branch.objects.order_by("code")  # type: ignore[attr-defined]


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    shared = forms.BooleanField(label=_("Shared with the team"), required=False)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("every branch")
    )
    reply_text = forms.CharField(
        label=_("Reply to the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Checked by the service standards like any reply. Variables: see below."),
    )
    reply_channel = forms.ChoiceField(label=_("Reply by"), choices=REPLY_CHANNELS, required=False)
    note = forms.CharField(label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", "—"), *Priority.choices])
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=Staff.objects.none(), required=False)
    department = forms.ModelChoiceField(
        label=_("Hand to group"), queryset=Department.objects.none(), required=False
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=500, help_text=_("Separated by commas.")
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    status_comment = forms.CharField(
        label=_("Reason or resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the macro resolves the order."),
    )

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "macro-%s")
        super().__init__(*args, **kwargs)
        _scope_fields(self, staff)
        people = Staff.objects.filter(is_active=True).order_by("badge_no")
        groups = Department.objects.select_related("branch").order_by("branch__code", "name")
        if staff.branch_id is not None and not staff.sees_all_branches:
            people = people.filter(branch_id=staff.branch_id)
            groups = groups.filter(branch_id=staff.branch_id)
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]
        self.fields["department"].queryset = groups  # type: ignore[attr-defined]
        labels = dict(StatusChoices.choices)
        self.fields["status"].choices = [("", "—")] + [(s, labels[s]) for s in actions.MACRO_STATUSES]  # type: ignore[attr-defined]
        if hooks.order_action("add_tag") is None:
            del self.fields["tags"]

    @staticmethod
    def initial_from(m: Macro) -> dict[str, Any]:
        return {
            "name": m.name,
            "shared": m.shared,
            "branch": m.branch_id,
            "reply_text": m.reply_text,
            "reply_channel": m.reply_channel,
            "note": m.note,
            "priority": m.priority,
            "assignee": m.assignee_id,
            "department": m.department_id,
            "tags": ", ".join(m.tags),
            "status": m.status,
            "status_comment": m.status_comment,
        }

    def to_input(self) -> actions.MacroInput:
        d = self.cleaned_data
        return actions.MacroInput(
            name=d["name"],
            reply_text=d["reply_text"],
            reply_channel=d["reply_channel"],
            note=d["note"],
            status=d["status"],
            status_comment=d["status_comment"],
            priority=d["priority"],
            assignee_id=d["assignee"].pk if d["assignee"] else None,
            department_id=d["department"].pk if d["department"] else None,
            tags=rules.parse_tags(d.get("tags", "")),
            shared=bool(d.get("shared")),
            branch_id=d["branch"].pk if d.get("branch") else None,
        )


class ViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    shared = forms.BooleanField(label=_("Shared with the team"), required=False)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("every branch")
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        required=False,
        choices=list(COLUMN_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    position = forms.IntegerField(label=_("Position in the menu"), min_value=0, max_value=999, initial=100)

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "view-%s")
        super().__init__(*args, **kwargs)
        _scope_fields(self, staff)

    @staticmethod
    def initial_from(v: SavedView) -> dict[str, Any]:
        return {
            "name": v.name,
            "shared": v.shared,
            "branch": v.branch_id,
            "columns": v.columns,
            "position": v.position,
        }
