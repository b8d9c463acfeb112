"""Deadline reminders: who was reminded of what (the exactly-once log), who opted out, snoozes,
and each organization's cadence. The rules are in reminders.sweep and reminders.services."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mapapp.models import Organization


class Kind(models.TextChoices):
    """A kind of mail: each has its own opt-out."""

    DIGEST = "digest", _("Deadline reminders")
    SLIP_SUMMARY = "slips", _("Daily summary of the buyer side's slips")


class ReminderSettings(models.Model):
    """An organization's cadence; organizations without a row use the defaults."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="reminder_settings")
    days_before = models.PositiveSmallIntegerField(
        _("remind this many days before the due date"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
    )
    overdue_every_days = models.PositiveSmallIntegerField(
        _("remind of overdue items every (days)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    overdue_stop_days = models.PositiveSmallIntegerField(
        _("stop reminding of an item overdue for more than (days)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    send_hour = models.PositiveSmallIntegerField(
        _("send from this hour, the recipient's local time"), default=8,
        validators=[MinValueValidator(0), MaxValueValidator(18)],
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")


class ReminderDigest(models.Model):
    """One mail to one address: the log rows it claimed are its items.

    `attempts` counts the sends that were started (and may have reached the mail server): a
    digest is sent by at most two attempts (reminders.services.digest_send).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The recipient's name, language and zone when claimed, for the mail.
    name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=10, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    # The deal owner of a slip summary (the slips are looked up again when it is sent).
    user = models.ForeignKey("mapapp.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    claimed_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The retry of claimed-but-unsent digests looks only at these.
            models.Index(fields=["claimed_at"], condition=Q(sent_at__isnull=True), name="reminderdigest_unsent"),
        ]


class ReminderLog(models.Model):
    """The claim of one reminder: (address, kind, task, slot) at most once, ever.

    Claimed (INSERT ... ON CONFLICT DO NOTHING) before the mail is sent, `sent_at` set after.
    A slot names the reminder and the due date it is about ("soon@2026-11-25",
    "today@2026-11-25", "overdue2@2026-11-25"), so a moved date is reminded of afresh. A slip
    summary has no task: its slot is the recipient's local date ("slips@2026-11-25").
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    slot = models.CharField(max_length=40)
    digest = models.ForeignKey(ReminderDigest, on_delete=models.CASCADE, related_name="items")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email", "kind", "task", "slot"], condition=Q(task__isnull=False), name="reminderlog_once"
            ),
            models.UniqueConstraint(
                fields=["organization", "email", "kind", "slot"], condition=Q(task__isnull=True),
                name="reminderlog_once_without_task",
            ),
        ]
        indexes = [models.Index(fields=["digest"], name="reminderlog_digest")]


class ReminderOptOut(models.Model):
    """An address that wants no more mails of one kind from one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "email", "kind"], name="reminderoptout_unique")]
        indexes = [models.Index(fields=["email", "kind"], name="reminderoptout_email")]


class ReminderSnooze(models.Model):
    """No reminder of this task to this address before `until` (the recipient's local date)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    until = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "email"], name="remindersnooze_unique")]
