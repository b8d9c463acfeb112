"""Check-ins: the regular meeting of seller and buyer on a plan, its agenda and its notes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import Stakeholder
from mapapp.models import TenantModel
from plans.models import Plan


class CheckIn(TenantModel):
    """One check-in of a plan on one date: the notes taken at it and, once frozen, its agenda.

    The row is made when someone first writes notes, marks it held, or its agenda mail goes
    out (checkins.services); until then the upcoming check-in is only plan.next_checkin_date.
    `agenda` is the agenda as built by checkins.agenda.agenda_build (seller's version, each
    item flagged `internal`): written when the first agenda mail goes out and again when the
    check-in is marked held. `version` guards the notes against stale edits.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="checkins")
    date = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    # Who wrote the notes last: seller and buyer co-own the plan, both may write them.
    notes_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes_by_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes_by_name = models.CharField(max_length=150, blank=True)
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    agenda = models.JSONField(_("agenda"), null=True, blank=True)
    agenda_frozen_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "-date"])]
        constraints = [models.UniqueConstraint(fields=["plan", "date"], name="checkin_one_per_plan_and_date")]

    def __str__(self) -> str:
        return f"{self.plan} @ {self.date.isoformat()}"


class AgendaMail(TenantModel):
    """One agenda mail of one check-in to one person: claimed (inserted) before sending, so the
    unique constraint lets exactly one sender through whatever retries, races or repeated sweeps
    do; `sent_at` is set once the mail server took it. `recipient` is "user:<pk>" (the deal owner)
    or "stakeholder:<pk>" (a champion on the buyer side)."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="mails")
    recipient = models.CharField(max_length=40)
    email = models.EmailField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkin", "recipient"], name="agendamail_once_per_recipient")]
