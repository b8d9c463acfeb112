"""The Mutual Action Plan and everything in it."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import Deal, DecisionRole, Side, Stakeholder
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
    # When the plan was first put in front of the buyer (status shared, or agreed straight
    # away): the dashboard's adoption trend counts plans shared by each month's end.
    shared_at = models.DateTimeField(_("first shared at"), null=True, blank=True)
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("agreed by")
    )
    # After the agreement, a change to a committed date or owner asks the other side to
    # re-confirm: the side asked ("buyer" or "seller"), empty when nothing waits.
    reconfirm_side = models.CharField(
        _("waiting for re-confirmation by"), max_length=8, choices=Side.choices, blank=True
    )
    # The task whose finish is the buying decision: the projection's projected_close_date is
    # its projected finish (without one, the whole plan's). Plans from a template get the
    # template's decision step.
    decision_task = models.ForeignKey(
        "Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decision")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Stored health (plans.health_store): rewritten after every committed change to the plan
    # and each morning, so the pipeline dashboard can filter and count by it without projecting
    # thousands of plans per request. Never part of `version`: it is derived, not edited.
    health = models.CharField(_("health"), max_length=5, blank=True)  # "" until first computed
    health_reasons = models.JSONField(default=list, blank=True)
    health_projected_close = models.DateField(_("projected decision"), null=True, blank=True)
    health_days_late = models.IntegerField(null=True, blank=True)  # business days after the target
    health_on = models.DateField(null=True, blank=True)  # the "today" it was computed for

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        indexes = [models.Index(fields=["organization", "health"], name="plan_org_health")]

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
    # Business days of work: the task occupies [due - duration + 1, due] (0: a one-day event).
    duration_days = models.PositiveSmallIntegerField(
        _("duration (business days)"), default=1, validators=[MinValueValidator(0), MaxValueValidator(250)]
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
            # Overdue items of an organization (the dashboard): "not done" is no range of the
            # index above, so without this one every count of them scanned all its tasks.
            models.Index(fields=["organization", "due_date"],
                         condition=~models.Q(status="done"), name="task_org_due_not_done"),
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


class Slip(TenantModel):
    """A task's due date moved later: by how many days, who moved it and why.

    Written whenever a due date moves later (a buyer's proposed date included), so the plan
    keeps an honest record of time lost and by whom.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="slips")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="slips")
    from_date = models.DateField(_("was due"))
    to_date = models.DateField(_("now due"))
    days = models.PositiveIntegerField(_("days lost"))
    reason = models.TextField(_("reason"), blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    # Which side caused the slip: a member acts for the seller, a stakeholder for their side.
    side = models.CharField(_("caused by"), max_length=8, choices=Side.choices, default=Side.SELLER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "-created_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(to_date__gt=models.F("from_date")), name="slip_moves_later")]


class Baseline(TenantModel):
    """The plan as agreed: saved when the buyer accepts the plan and whenever a side re-confirms.

    `snapshot` keeps what was committed, by public id: {"plan": {field: value}, "milestones":
    {id: {"title", "target_date"}}, "tasks": {id: {"title", "due_date", "owner", "owner_name"}}}.
    The newest baseline is the agreed version that later changes are compared with.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="baselines")
    side = models.CharField(max_length=8, choices=Side.choices)
    confirmed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_by_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_by_name = models.CharField(max_length=150)
    confirmed_by_title = models.CharField(max_length=150, blank=True)
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "-created_at"])]


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class AccessRequest(TenantModel):
    """Someone without a link of their own asks to join a deal room (a forwarded link, say).

    The seller, or the buyer's champion, approves it: that adds them as a buyer-side
    stakeholder and mails them their own link.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="access_requests")
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    title = models.CharField(_("role"), max_length=150, blank=True)
    # Whose link was opened, when the request came from a forwarded link.
    via = models.ForeignKey(Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        max_length=10, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "email"], condition=models.Q(status="pending"), name="one_pending_request_per_email"
            )
        ]


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the uploaded name on disk: a random name under the organization's own folder.
    return f"{instance.organization.public_id}/{uuid.uuid4().hex}"


def attachment_storage():
    from django.core.files.storage import storages

    return storages["attachments"]


class Attachment(TenantModel):
    """A file on a task (the architecture document, the security questionnaire).

    Stored per organization in private storage, outside the static and media URLs; only
    plans.attachments' download view, which checks access, hands it out.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="attachments")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, storage=attachment_storage, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "plan", "task"])]

    def __str__(self) -> str:
        return self.name


class RoomVisit(TenantModel):
    """A buyer's visit to the deal room: a visit starts when the room is opened after a
    pause of RoomVisit.GAP or more; later requests in it only move `last_seen_at`."""

    GAP_MINUTES = 30

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="room_visits")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="room_visits")
    link = models.ForeignKey(RoomLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits")
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "stakeholder", "-started_at"])]


# Templates ------------------------------------------------------------------------------

class AnchorKind(models.TextChoices):
    DECISION = "decision", _("Decision date")
    GO_LIVE = "go_live", _("Go-live date")


TEMPLATE_MAX_STEPS = 60
TEMPLATE_MAX_DAYS = 250


class PlanTemplate(TenantModel):
    """An organization's plan template: milestones and steps with roles instead of people,
    scheduled backwards from an anchor date when a plan is made from it (plans.plan_templates).

    `built_in_key` marks the organization's editable copy of a built-in starter ("" for its own).
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    anchor = models.CharField(_("scheduled back from"), max_length=10, choices=AnchorKind.choices,
                              default=AnchorKind.DECISION)
    built_in_key = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name"])]
        constraints = [
            models.UniqueConstraint(fields=["organization", "built_in_key"], condition=~models.Q(built_in_key=""),
                                    name="plantemplate_one_copy_per_builtin"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(TenantModel):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organization", "template", "order"])]

    def __str__(self) -> str:
        return self.title


class TemplateStep(TenantModel):
    """A step of a template: a task-to-be with an owner *role* (a deals DecisionRole value),
    its duration in business days, and optionally its latest offset before the anchor."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="steps")
    milestone = models.ForeignKey(
        TemplateMilestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="steps"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    side = models.CharField(_("side"), max_length=8, choices=TaskSide.choices, default=TaskSide.JOINT)
    owner_role = models.CharField(_("owner role"), max_length=24, choices=DecisionRole.choices, blank=True)
    duration_days = models.PositiveSmallIntegerField(
        _("duration (business days)"), default=1, validators=[MinValueValidator(0), MaxValueValidator(TEMPLATE_MAX_DAYS)]
    )
    offset_days = models.PositiveSmallIntegerField(
        _("due at the latest (business days before the anchor)"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(TEMPLATE_MAX_DAYS)],
    )
    # The step whose finish is the buying decision (at most one per template).
    is_decision = models.BooleanField(_("is the decision"), default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organization", "template", "order"])]
        constraints = [
            models.UniqueConstraint(fields=["template"], condition=models.Q(is_decision=True),
                                    name="templatestep_one_decision"),
        ]

    def __str__(self) -> str:
        return self.title


class TemplateDependency(TenantModel):
    """Finish-to-start between two steps of one template, with a lag in business days."""

    step = models.ForeignKey(TemplateStep, on_delete=models.CASCADE, related_name="prerequisite_links")
    prerequisite = models.ForeignKey(TemplateStep, on_delete=models.CASCADE, related_name="dependant_links")
    lag_days = models.PositiveSmallIntegerField(
        _("lag in business days"), default=0, validators=[MaxValueValidator(TEMPLATE_MAX_DAYS)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "prerequisite"], name="templatedependency_unique"),
            models.CheckConstraint(condition=~models.Q(step=models.F("prerequisite")),
                                   name="templatedependency_not_self"),
        ]


class CalendarFeed(TenantModel):
    """A member's secret calendar (ICS) address: one plan's milestones, check-ins, decision and
    the member's own tasks in it, or, without a plan, the member's tasks across every deal they
    may see (plans.calendar). Only the address's token is secret, so only its sha256 is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "user"])]
