"""The Mutual Action Plan and everything in it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import Deal, Stakeholder
from mapapp.models import TenantModel, TenantQuerySet


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHARED = "shared", _("Shared")
    AGREED = "agreed", _("Agreed")
    CLOSED = "closed", _("Closed")


class Cadence(models.TextChoices):
    NONE = "none", _("No regular check-in")
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")


class Plan(TenantModel):
    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="plan")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    buyer_objective = models.TextField(_("buyer's goals"), blank=True)
    seller_objective = models.TextField(_("seller's goals"), blank=True)
    success_criteria = models.TextField(_("success criteria"), blank=True)
    value_proposition = models.TextField(_("value proposition / expected ROI"), blank=True)
    first_value_date = models.DateField(_("first results expected"), null=True, blank=True)
    budget_amount = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    budget_notes = models.TextField(_("budget notes"), blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=300, blank=True)
    kpis = models.TextField(_("KPIs"), blank=True)
    target_close_date = models.DateField(_("target decision date"), null=True, blank=True)
    go_live_date = models.DateField(_("go-live date"), null=True, blank=True)
    checkin_cadence = models.CharField(
        _("check-in cadence"), max_length=10, choices=Cadence.choices, default=Cadence.NONE
    )
    next_checkin_date = models.DateField(_("next check-in"), null=True, blank=True)
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("agreed by")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title


class Milestone(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organization", "plan", "order"])]

    def __str__(self) -> str:
        return self.title


class TaskSide(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    JOINT = "joint", _("Joint")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")


class Task(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("milestone")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    side = models.CharField(_("side"), max_length=8, choices=TaskSide.choices, default=TaskSide.SELLER)
    owner = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    blocked_reason = models.CharField(_("blocked because"), max_length=300, blank=True)
    internal = models.BooleanField(
        _("internal to seller"), default=False, help_text=_("Hidden from the buyer in the deal room.")
    )
    depends_on = models.ManyToManyField(
        "self", through="TaskDependency", symmetrical=False, related_name="dependants", blank=True
    )
    order = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["organization", "plan", "order"]),
            models.Index(fields=["organization", "status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE


class TaskDependency(TenantModel):
    """Finish-to-start: `task` cannot start before `prerequisite` is done (plus `lag_days`)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="prerequisite_links")
    prerequisite = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="dependant_links")
    lag_days = models.PositiveSmallIntegerField(_("lag in days"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "prerequisite"], name="taskdependency_unique"),
            models.CheckConstraint(condition=~models.Q(task=models.F("prerequisite")), name="taskdependency_not_self"),
        ]


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATING = "mitigating", _("Mitigating")
    CLOSED = "closed", _("Closed")


class Risk(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    description = models.CharField(_("description"), max_length=500)
    probability = models.PositiveSmallIntegerField(
        _("probability"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    owner = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="risks", verbose_name=_("owner")
    )
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organization", "plan"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__gte=1, probability__lte=5), name="risk_probability_1_5"),
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def score(self) -> int:
        return self.probability * self.impact


class Comment(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal to seller"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "plan", "created_at"])]

    @property
    def author_name(self) -> str:
        who = self.author_user or self.author_stakeholder
        return str(who) if who else ""


class Activity(TenantModel):
    """One change to a plan: who, when, what, and each field's value before and after.

    Labels and names are copied onto the row so the history still reads correctly after
    the task or person it mentions is renamed or deleted.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="activities")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    verb = models.CharField(max_length=24)
    target_type = models.CharField(max_length=24)
    target_id = models.UUIDField(null=True, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "-created_at"])]
        verbose_name_plural = _("activities")


class RoomLinkQuerySet(TenantQuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class RoomLink(TenantModel):
    """A buyer-side stakeholder's magic link to the deal room. Only the token's sha256 is stored.

    The session of an opened room keeps this row's id and re-checks it on every request, so
    revoking or expiry ends the session at once.
    """

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="room_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # When the buyer last saw the room before this visit: "what changed since your last visit".
    previous_visit_at = models.DateTimeField(null=True, blank=True)

    objects = RoomLinkQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "stakeholder"])]

    def __str__(self) -> str:
        return f"room link of {self.stakeholder_id}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
