"""Forms of the work-order console.

These forms only parse and render input (types, choices, widgets). Business validation lives in
``kefu.workorders.actions``: most fields are optional here so that the action's message (in the
user's language, naming the field) is what the user sees; views attach it with :func:`kefu.web.forms.add_kefu_error`.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.commitments.models import Service
from kefu.customers.models import Channel
from kefu.organization import config_cache
from kefu.organization.models import Department, Outlet, ServiceArea, Staff
from kefu.web.forms import MultipleFileField, choices_from_rows
from kefu.workorders.models import CloseReasonChoices, OrderTypeChoices, Priority, StatusChoices, WorkOrder
from kefu.workorders.rules import OPEN_STATUSES, Status, allowed_targets

# Channels an agent records by hand in the console (the others arrive through their own adapters).
CONSOLE_CHANNELS = [Channel.PHONE, Channel.COUNTER, Channel.EMAIL, Channel.VISIT, Channel.SMS, Channel.CHAT]


def branch_staff(order_branch_id: int | None) -> QuerySet[Staff]:
    """Staff an order of this branch can be given to: its branch and the company level (the same rule
    as the actions, ``workorders.rules.serves_branch``)."""
    qs = Staff.objects.filter(is_active=True).order_by("name")
    if order_branch_id is not None:
        qs = qs.filter(Q(branch_id=order_branch_id) | Q(branch__isnull=True))
    return qs


def transfer_targets(order_branch_id: int | None) -> QuerySet[Staff]:
    """The staff an order can be transferred to (:func:`branch_staff`) with what the choice needs: role,
    department and ``open_assigned``, the open orders each works on now. One query: the count is a
    correlated subquery on the index ``wo_assignee_status_due``, the department a join."""
    load = (
        WorkOrder.objects.filter(assignee=OuterRef("pk"), status__in=sorted(s.value for s in OPEN_STATUSES))
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # the people who work orders first: field technicians, agents, follow-up staff, supervisors; then
    # anyone else the action accepts (administrators, inspectors); by name within a role
    rank = Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(TRANSFER_ROLES)),
        default=Value(len(TRANSFER_ROLES)),
        output_field=IntegerField(),
    )
    return (
        branch_staff(order_branch_id)
        .select_related("department")
        .only("id", "name", "badge_no", "role", "department__name")
        .annotate(open_assigned=Coalesce(Subquery(load, output_field=IntegerField()), 0), role_rank=rank)
        .order_by("role_rank", "name", "pk")
    )


TRANSFER_ROLES = ("technician", "agent", "followup", "supervisor")


class TransferTargetField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A staff choice whose option reads "name (badge) · role · department · N open"."""

    def label_from_instance(self, obj: Any) -> str:
        parts = [f"{obj.name} ({obj.badge_no})", str(obj.get_role_display())]
        if obj.department is not None:
            parts.append(obj.department.name)
        n = getattr(obj, "open_assigned", None)
        if n is not None:
            parts.append(str(_("%(n)d open") % {"n": n}))
        return " · ".join(parts)


def branch_departments(order_branch_id: int) -> QuerySet[Department]:
    """Departments an order of this branch can be given to (``rules.serves_branch``; every department
    belongs to a branch, so these are the branch's own)."""
    return Department.objects.filter(branch_id=order_branch_id).select_related("branch").order_by("name")


def branch_areas(branch_id: int) -> QuerySet[ServiceArea]:
    return ServiceArea.objects.filter(branch_id=branch_id).order_by("code")


# the choices of the order page's forms, read through the per-process configuration cache
def cached_departments(branch_id: int) -> list[Department]:
    return config_cache.cached(
        config_cache.ORGANIZATION, f"departments:{branch_id}", lambda: list(branch_departments(branch_id))
    )


def cached_areas(branch_id: int) -> list[ServiceArea]:
    return config_cache.cached(
        config_cache.ORGANIZATION, f"areas:{branch_id}", lambda: list(branch_areas(branch_id))
    )


def cached_services() -> list[Service]:
    return config_cache.cached(config_cache.COMMITMENTS, "services:active", lambda: list(_services(None)))


class CachedModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A model choice validated against ``rows`` (configuration read through ``config_cache``) when the
    form sets them: the submitted id costs no query; the instance is shared, callers read it only."""

    rows: list[Any] | None = None

    def to_python(self, value: Any) -> Any:
        if self.rows is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        key = str(getattr(value, "pk", value))
        for row in self.rows:
            if str(row.pk) == key:
                return row
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


def _model_field(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _id(prefix: str) -> str:
    return prefix + "-%s"


def _textarea(rows: int = 4, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class VersionedForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReplyForm(VersionedForm):
    body = forms.CharField(
        label=_("Reply to the customer"),
        required=False,
        strip=False,
        widget=_textarea(4, **{"data-shortcut": "r", "data-testid": "reply-body"}),
    )
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]
    # shown when the service-standards check stopped the reply (kefu/standards)
    override_reason = forms.CharField(
        label=_("Reason for sending it as it is"),
        required=False,
        max_length=500,
        widget=_textarea(2, **{"data-testid": "override-reason"}),
    )

    # how the reply reaches the customer (workorders.rules.ReplyChannel); the box shows the reachable ones
    # and the use case decides (do_reply refuses an unreachable or missing one with field "channel")
    channel = forms.CharField(label=_("Send by"), required=False, max_length=20)
    callback_outcome = forms.CharField(label=_("Outcome of the call"), required=False, max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("reply"))
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note (not shown to the customer)"),
        required=False,
        strip=False,
        widget=_textarea(3, **{"data-shortcut": "n", "data-testid": "note-body"}),
    )
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("note"))
        super().__init__(*args, **kwargs)


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("New status"), choices=())
    reason = forms.CharField(label=_("Reason"), required=False, widget=_textarea(2))
    resolution = forms.CharField(label=_("Resolution"), required=False, widget=_textarea(2))
    close_reason = forms.ChoiceField(
        label=_("Close reason"),
        required=False,
        choices=[("", _("(solved / not applicable)")), *CloseReasonChoices.choices],
    )

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("status"))
        super().__init__(*args, **kwargs)
        labels = dict(StatusChoices.choices)
        _choice_field(self, "status").choices = [
            (s.value, labels[s.value])
            for s in allowed_targets(Status(order.status), merged=bool(order.merged_into_id))
        ]


class TransferForm(VersionedForm):
    to_staff = TransferTargetField(
        label=_("To staff member"),
        required=False,
        queryset=Staff.objects.none(),
        empty_label="—",
        help_text=_("Role · department · open orders each works on now"),
        widget=forms.Select(attrs={"size": 8, "data-testid": "transfer-to-staff"}),
    )
    to_department = forms.ModelChoiceField(
        label=_("Or to department"), required=False, queryset=Department.objects.none(), empty_label="—"
    )
    reason = forms.CharField(label=_("Why"), required=False, widget=_textarea(2))
    # shown while a send-back (退单) waits: routing the order to the unit that sent it back needs it
    note = forms.CharField(
        label=_("Note to the unit that sent it back"),
        required=False,
        widget=_textarea(2),
        help_text=_("Required when you route the order to the same unit again: why it is theirs after all."),
    )

    def __init__(self, *args: Any, order: WorkOrder, defer_targets: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("transfer"))
        super().__init__(*args, **kwargs)
        # what the option shows (name, badge, role, department, load) in one query; 150+ staff per order page.
        # ``defer_targets``: the order page shows the form closed, and the list loads when it is opened
        # (``views_orders.order_transfer_targets``): no query and no options in the page itself
        self.targets_deferred = defer_targets
        if not defer_targets:
            _model_field(self, "to_staff").queryset = transfer_targets(order.branch_id)
        departments = branch_departments(order.branch_id)
        choices_from_rows(
            _model_field(self, "to_department"), departments, cached_departments(order.branch_id)
        )


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Reason for escalating"), required=False, widget=_textarea(2))
    to_president = forms.BooleanField(label=_("The customer asks for the top of the company"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("escalate"))
        super().__init__(*args, **kwargs)


class LinkForm(forms.Form):
    other = forms.CharField(
        label=_("Related order number"), required=False, widget=forms.TextInput(attrs={"placeholder": "GD-"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("link"))
        super().__init__(*args, **kwargs)


class MergeForm(forms.Form):
    survivor = forms.CharField(
        label=_("Merge into order number"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "GD-"}),
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=_textarea(2))
    confirm_different_customer = forms.BooleanField(
        label=_("The other order is another customer's report of the same event"),
        required=False,
        help_text=_(
            "Needed when the customers differ: this customer keeps their order (closed, “handled together "
            "with” the other number, nothing of the other customer shown) and gets every reply and the "
            "resolution given on the other order by their own channel."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("merge"))
        super().__init__(*args, **kwargs)


class SendBackForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why it is not your unit's"),
        required=False,
        widget=_textarea(3),
        help_text=_("The dispatcher who routed it reads this and routes the order again."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("sendback"))
        super().__init__(*args, **kwargs)


class SplitForm(VersionedForm):
    order_type = forms.ChoiceField(label=_("Type of the second request"), choices=OrderTypeChoices.choices)
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label="—"
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    description = forms.CharField(label=_("What the customer asks for"), required=False, widget=_textarea(3))
    to_department = forms.ModelChoiceField(
        label=_("Route it to department"), required=False, queryset=Department.objects.none(), empty_label="—"
    )
    reason = forms.CharField(label=_("Note"), required=False, widget=_textarea(2))

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("split"))
        super().__init__(*args, **kwargs)
        _model_field(self, "service").queryset = _services(None)
        _model_field(self, "to_department").queryset = Department.objects.filter(branch_id=order.branch_id)


def _services(order_type: str | None) -> QuerySet[Service]:
    qs = Service.objects.filter(is_active=True).order_by("code")
    if order_type:
        qs = qs.filter(order_type=order_type)
    return qs


class EditForm(VersionedForm):
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=_textarea(4))
    order_type = forms.ChoiceField(label=_("Type"), choices=OrderTypeChoices.choices)
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label="—"
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    area = forms.ModelChoiceField(
        label=_("Service area"), required=False, queryset=ServiceArea.objects.none(), empty_label="—"
    )

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("edit"))
        kwargs.setdefault(
            "initial",
            {
                "title": order.title,
                "description": order.description,
                "order_type": order.order_type,
                "service": order.service_id,
                "priority": order.priority,
                "area": order.area_id,
                "version": order.version,
            },
        )
        super().__init__(*args, **kwargs)
        choices_from_rows(_model_field(self, "service"), _services(None), cached_services())
        choices_from_rows(
            _model_field(self, "area"), branch_areas(order.branch_id), cached_areas(order.branch_id)
        )

    def changes(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d.get("title") or "",
            "description": d.get("description") or "",
            "order_type": d.get("order_type") or "",
            "priority": d.get("priority") or "",
            "service_id": d["service"].pk if d.get("service") else None,
            "area_id": d["area"].pk if d.get("area") else None,
        }


class OrderCreateForm(forms.Form):
    order_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", "—"), *OrderTypeChoices.choices]
    )
    service = CachedModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label="—"
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in CONSOLE_CHANNELS],
        initial=Channel.PHONE,
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=_textarea(5))
    area = CachedModelChoiceField(
        label=_("Service area"), required=False, queryset=ServiceArea.objects.none(), empty_label="—"
    )
    outlet = forms.ModelChoiceField(
        label=_("Received at outlet"),
        required=False,
        queryset=Outlet.objects.none(),
        empty_label="—",
        help_text=_("Counter and phone orders: the outlet, or the outlet's line, that received the request."),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("automatic (by type and customer tier)")), *Priority.choices],
    )
    area_kind = forms.ChoiceField(
        label=_("Urban or rural"),
        required=False,
        choices=[
            ("", _("from the service area")),
            ("urban", _("urban (city)")),
            ("rural", _("rural (county)")),
        ],
    )
    area_kind_reason = forms.CharField(
        label=_("Reason for a different urban/rural choice"),
        required=False,
        max_length=500,
        help_text=_("Needed only when the choice differs from the service area's kind; it is audited."),
    )
    co_receivers = forms.ModelMultipleChoiceField(
        label=_("Received together with"),
        required=False,
        queryset=Staff.objects.none(),
        help_text=_(
            "Staff who received the request with you; the most senior becomes the first-contact owner."
        ),
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=Staff.objects.none(), empty_label="—"
    )
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none(), empty_label="—"
    )

    def __init__(self, *args: Any, branch_id: int, me: Staff, order_type: str | None = None, **kwargs: Any):
        kwargs.setdefault("auto_id", _id("create"))
        super().__init__(*args, **kwargs)
        staff = branch_staff(branch_id)
        _model_field(self, "service").queryset = _services(order_type)
        _model_field(self, "area").queryset = ServiceArea.objects.filter(branch_id=branch_id).order_by("code")
        if self.is_bound:  # the submitted service and area checked against the cached configuration
            cast(CachedModelChoiceField, self.fields["service"]).rows = [
                s for s in cached_services() if not order_type or s.order_type == order_type
            ]
            cast(CachedModelChoiceField, self.fields["area"]).rows = list(cached_areas(branch_id))
        _model_field(self, "outlet").queryset = Outlet.objects.filter(branch_id=branch_id).order_by("name")
        _model_field(self, "co_receivers").queryset = staff.exclude(pk=me.pk)
        _model_field(self, "assignee").queryset = staff
        _model_field(self, "department").queryset = branch_departments(branch_id)


class HandleEscalationForm(forms.Form):
    response = forms.CharField(label=_("Response"), required=False, widget=_textarea(2))


SORTS = {
    "due_at": _("due"),
    "received_at": _("received"),
    "priority": _("priority"),
    "updated_at": _("updated"),
}


class QueueFilterForm(forms.Form):
    """GET filters of the queues; invalid values are reported and ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("number, title, customer, phone"), "data-shortcut": "/"}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *StatusChoices.choices])
    order_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", "—"), *OrderTypeChoices.choices]
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", "—"), *Priority.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "—"), *Channel.choices])
    area = forms.ModelChoiceField(
        label=_("Service area"), required=False, queryset=ServiceArea.objects.none(), empty_label="—"
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=())
    # tags and custom fields (kefu.fields.queries): the view turns them into ``tag`` / ``field.<key>``
    # the custom fields are offered by a <datalist> loaded when the box is focused: no query on the page
    tag = forms.CharField(
        label=_("Tag"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "queue-tag-options", "autocomplete": "off"}),
    )
    cf_key = forms.CharField(
        label=_("Custom field"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"list": "queue-field-options", "autocomplete": "off"}),
    )
    cf_value = forms.CharField(label=_("Field value"), required=False, max_length=255)

    def __init__(self, *args: Any, areas: QuerySet[ServiceArea], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", _id("filter"))
        super().__init__(*args, **kwargs)
        _model_field(self, "area").queryset = areas
        for name, url in (("tag", "console:fields_tag_suggestions"), ("cf_key", "console:fields_keys")):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse(url),
                    "hx-trigger": "focus once",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this",
                }
            )
        self.fields["tag"].widget.attrs["hx-target"] = "#queue-tag-options"
        self.fields["cf_key"].widget.attrs["hx-target"] = "#queue-field-options"
        # the default (first) choice: the order of queries.by_urgency
        sort_choices: list[tuple[str, Any]] = [("urgency", _("urgency (urgent first, then due time)"))]
        for key, label in SORTS.items():
            sort_choices.append((key, _("%(field)s ↑") % {"field": label}))
            sort_choices.append(("-" + key, _("%(field)s ↓") % {"field": label}))
        _choice_field(self, "sort").choices = sort_choices
