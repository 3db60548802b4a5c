"""客户档案: the customer archive (R-1..R-4)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.customers.rules import ChurnRisk, Tier, TierRule
from kefu.organization import config_cache  # the branches read once per process


class Relationship(models.TextChoices):
    INDIVIDUAL = "individual", _("individual / household")
    BUSINESS = "business", _("business")
    PARTNER = "partner", _("channel partner")
    INTERNAL = "internal", _("internal customer")


class CustomerKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANISATION = "organisation", _("organisation")


class TierChoices(models.TextChoices):
    DIAMOND = Tier.DIAMOND.value, _("diamond")
    GOLD = Tier.GOLD.value, _("gold")
    BRASS = Tier.BRASS.value, _("brass")
    LEAD = Tier.LEAD.value, _("lead")


class ChurnChoices(models.TextChoices):
    LOW = ChurnRisk.LOW.value, _("low")
    MEDIUM = ChurnRisk.MEDIUM.value, _("medium")
    HIGH = ChurnRisk.HIGH.value, _("high")


class Customer(models.Model):
    number = models.CharField(_("customer number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.INDIVIDUAL
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (normalised)"), max_length=20, blank=True, db_index=True)
    email = models.CharField(_("email"), max_length=254, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="customers", verbose_name=_("branch")
    )
    # the language of everything written to the customer (replies, acknowledgements, invitations); set
    # from the branch's language when the record is made, empty only on rows made outside the actions
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    area = models.ForeignKey(
        "organization.ServiceArea",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("service area"),
    )
    customer_since = models.DateField(_("customer since"))
    tier_computed = models.CharField(
        _("computed tier"), max_length=10, choices=TierChoices.choices, default=TierChoices.LEAD
    )
    tier_score = models.IntegerField(_("tier score"), default=0)
    tier_override = models.CharField(
        _("tier override"), max_length=10, choices=TierChoices.choices, blank=True
    )
    tier_override_reason = models.CharField(_("override reason"), max_length=300, blank=True)
    tier = models.CharField(
        _("tier"), max_length=10, choices=TierChoices.choices, default=TierChoices.LEAD, db_index=True
    )
    churn_risk = models.CharField(
        _("churn risk"), max_length=10, choices=ChurnChoices.choices, default=ChurnChoices.LOW
    )
    churn_score = models.IntegerField(_("churn score"), default=0)
    churn_reasons = models.JSONField(_("churn reasons"), default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
        verbose_name=_("portal login"),
    )
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # consent to marketing messages (PIPL Art. 13/15, GDPR Art. 6(1)(a), 7(3)): off unless the customer
    # gave it; withdrawing it (portal, counter: kefu.rights) sets False with the time. The outbox refuses
    # marketing to a customer without it.
    marketing_consent = models.BooleanField(_("consents to marketing"), default=False)
    marketing_consent_at = models.DateTimeField(
        _("marketing consent given or withdrawn at"), null=True, blank=True
    )
    # set when the record was anonymised on an erasure request (kefu.rights.erasure): a placeholder since
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    version = models.PositiveIntegerField(default=1)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["branch", "tier"], name="cust_branch_tier"),
            models.Index(fields=["area"], name="cust_area"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def language_code(self) -> str:
        """The language messages to this customer are written in: theirs, else the branch's."""
        if self.language:
            return self.language
        return config_cache.branch_of(self).language or settings.LANGUAGE_CODE


class ContactPoint(models.Model):
    """Every phone, e-mail and messaging id of a customer (normalised archive keys)."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("phone")
        EMAIL = "email", _("email")
        WECHAT = "wechat", _("WeChat")
        OTHER = "other", _("other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=254)
    normalized = models.CharField(_("normalised"), max_length=254)
    label = models.CharField(_("label"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        indexes = [models.Index(fields=["kind", "normalized"], name="contactpoint_key")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "normalized"], name="contactpoint_unique"),
        ]

    def __str__(self) -> str:
        return self.value


class ContactPerson(models.Model):
    """Member contacts of an organisation customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="subscriptions")
    product = models.CharField(_("product"), max_length=200)
    start_date = models.DateField(_("start"))
    expiry_date = models.DateField(_("expiry"), null=True, blank=True)
    monthly_fee = models.DecimalField(_("monthly fee"), max_digits=12, decimal_places=2, default=Decimal("0"))
    renewed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("renewal of"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["expiry_date"], name="sub_expiry"),
            # the reports' "active on a day" (kefu.reports.queries.active_on)
            models.Index(fields=["customer", "start_date", "expiry_date"], name="sub_customer_active"),
        ]

    def __str__(self) -> str:
        return self.product


class Contract(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Purchase(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases")
    product = models.CharField(_("product"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    purchased_on = models.DateField(_("date"))

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_on"]

    def __str__(self) -> str:
        return self.product

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


class Payment(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payments")
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    due_date = models.DateField(_("due date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-due_date"]

    def __str__(self) -> str:
        return f"{self.amount} {self.due_date}"

    @property
    def on_time(self) -> bool | None:
        """True if paid by the due date, False if late (or unpaid past due), None if not yet due."""
        if self.paid_on is not None:
            return self.paid_on <= self.due_date
        return None


class BadRecord(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bad_records")
    recorded_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("bad record")
        verbose_name_plural = _("bad records")
        ordering = ["-recorded_on"]

    def __str__(self) -> str:
        return self.kind


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("organization.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.body[:40]


class Channel(models.TextChoices):
    PHONE = "phone", pgettext_lazy("channel", "phone")  # the channel (a call), not the number
    COUNTER = "counter", _("counter visit")
    EMAIL = "email", _("e-mail")
    PORTAL = "portal", _("web portal")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("chat / WeChat")
    SOCIAL = "social", _("social media")
    API = "api", _("API")
    VISIT = "visit", _("on-site visit")


class Contact(models.Model):
    """One contact with the customer on any channel (the archive's contact history, R-1, R-5)."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("inbound")
        OUTBOUND = "out", _("outbound")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND
    )
    staff = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("staff"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("work order"),
    )
    occurred_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contact history")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "occurred_at"], name="contact_cust_at")]

    def __str__(self) -> str:
        return f"{self.channel} {self.occurred_at:%Y-%m-%d}"


class TierPolicy(models.Model):
    """The configurable parameters of the tier rule (one row; see customers.rules.TierRule)."""

    spend_unit = models.DecimalField(
        _("spend per point"), max_digits=12, decimal_places=2, default=Decimal("1000")
    )
    spend_cap = models.PositiveIntegerField(_("maximum spend points"), default=50)
    points_per_year = models.PositiveIntegerField(_("points per year of tenure"), default=4)
    tenure_cap = models.PositiveIntegerField(_("maximum tenure points"), default=20)
    payment_weight = models.PositiveIntegerField(_("points for paying everything on time"), default=20)
    late_penalty = models.PositiveIntegerField(_("penalty per late payment"), default=2)
    bad_record_penalty = models.PositiveIntegerField(_("penalty per bad record"), default=15)
    diamond_min = models.IntegerField(_("diamond from score"), default=70)
    gold_min = models.IntegerField(_("gold from score"), default=40)
    brass_min = models.IntegerField(_("brass from score"), default=15)
    max_bad_records_for_top = models.PositiveIntegerField(
        _("bad records that cap the tier at brass"), default=2
    )

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policy")

    def __str__(self) -> str:
        return str(_("tier policy"))

    def as_rule(self) -> TierRule:
        return TierRule(
            **{f.name: getattr(self, f.name) for f in self._meta.concrete_fields if f.name != "id"}
        )


class CustomerMerge(models.Model):
    """One merge of customer records into a survivor, with everything it moved so that it can be undone
    within ``KEFU_CUSTOMER_MERGE_UNDO_HOURS`` (kefu.customers.merge)."""

    survivor = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merges", verbose_name=_("surviving record")
    )
    merged_ids = models.JSONField(_("merged records"), default=list)
    # {"app.Model.field": {"<merged customer id>": [row ids]}}: the rows re-pointed to the survivor
    moved = models.JSONField(default=dict)
    # the contact points: [{"id", "from", "label"}] moved, [{"from", "kind", "value", "normalized",
    # "label"}] dropped because the survivor already had them
    points_moved = models.JSONField(default=list)
    points_dropped = models.JSONField(default=list)
    # the survivor's merged fields before and after (raw column values), the merged records' before
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    merged_before = models.JSONField(default=dict)
    # portal logins switched off because the survivor keeps another one
    logins_disabled = models.JSONField(default=list)
    choices = models.JSONField(_("chosen values"), default=dict)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("merged at"))
    undo_until = models.DateTimeField(_("can be undone until"))
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_ids} → {self.survivor_id}"
