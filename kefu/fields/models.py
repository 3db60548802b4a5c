"""Tags and custom fields (docs/fields.md; storage: docs/adr/0007-custom-field-storage.md).

A ``FieldDefinition`` declares a field of work orders (optionally only some order types) or of customers.
Its values are rows of ``FieldValue`` with one typed column per kind (text and choices in ``value_text``,
numbers in ``value_number``, dates in ``value_date``); a multi-choice field has one row per chosen option.
Each typed column is indexed with the definition in front, so ``field.meter_no=…`` is one index range on
SQLite and PostgreSQL. Tags are global (one vocabulary for every branch), normalised names.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.fields.rules import Kind, Scope


class FieldKindChoices(models.TextChoices):
    TEXT = Kind.TEXT.value, _("text")
    NUMBER = Kind.NUMBER.value, _("number")
    DATE = Kind.DATE.value, _("date")
    CHOICE = Kind.CHOICE.value, _("choice")
    MULTI_CHOICE = Kind.MULTI_CHOICE.value, _("multiple choice")


class FieldScopeChoices(models.TextChoices):
    ORDER = Scope.ORDER.value, _("work order")
    CUSTOMER = Scope.CUSTOMER.value, _("customer")


class FieldDefinition(models.Model):
    key = models.CharField(
        _("key"),
        max_length=40,
        unique=True,
        help_text=_("The field's name in the API, filters and exports: lower-case letters, digits and _."),
    )
    label = models.CharField(_("label"), max_length=100)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    scope = models.CharField(_("belongs to"), max_length=10, choices=FieldScopeChoices.choices)
    kind = models.CharField(_("kind"), max_length=15, choices=FieldKindChoices.choices)
    choices = models.JSONField(_("options"), default=list, blank=True)
    # work-order fields: the order types that have the field (empty: every type)
    order_types = models.JSONField(_("order types"), default=list, blank=True)
    # the order statuses an order may not reach without a value (e.g. ["resolved", "closed"])
    required_at = models.JSONField(_("required at status"), default=list, blank=True)
    pattern = models.CharField(
        _("pattern"),
        max_length=200,
        blank=True,
        help_text=_("Text fields: a regular expression the value must match."),
    )
    min_value = models.DecimalField(_("minimum"), max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=18, decimal_places=4, null=True, blank=True)
    public = models.BooleanField(_("shown to the customer"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["scope", "position", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"


class FieldValue(models.Model):
    definition = models.ForeignKey(FieldDefinition, on_delete=models.CASCADE, related_name="values")
    workorder = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="field_values"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="field_values"
    )
    value_text = models.CharField(max_length=255, blank=True)
    value_number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["definition", "value_text"], name="fieldvalue_text"),
            models.Index(fields=["definition", "value_number"], name="fieldvalue_number"),
            models.Index(fields=["definition", "value_date"], name="fieldvalue_date"),
            models.Index(fields=["workorder", "definition"], name="fieldvalue_order"),
            models.Index(fields=["customer", "definition"], name="fieldvalue_customer"),
            models.Index(fields=["value_text"], name="fieldvalue_any_text"),  # q= finds a meter number
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workorder__isnull=True, customer__isnull=False)
                | models.Q(workorder__isnull=False, customer__isnull=True),
                name="fieldvalue_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.value_text


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class OrderTag(models.Model):
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.CASCADE, related_name="order_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="orders")
    added_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workorder", "tag"], name="ordertag_unique")]
        indexes = [models.Index(fields=["tag", "workorder"], name="ordertag_by_tag")]

    def __str__(self) -> str:
        return str(self.tag_id)
