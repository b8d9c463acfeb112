"""A PDF export of a plan: queued by a person, rendered by a Celery worker on the `pdf` queue,
kept per organization in private storage and handed out only by an access-checked view."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deals.models import Stakeholder
from mapapp.models import TenantModel
from plans.models import Plan


class Audience(models.TextChoices):
    # The buyer's copy never holds internal tasks; the seller's marks them.
    BUYER = "buyer", _("For the buyer")
    SELLER = "seller", _("Internal (seller)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_path(instance: "Export", filename: str) -> str:
    # A folder of its own in the private storage, one per organization; never a user's text.
    return f"exports/{instance.organization.public_id}/{uuid.uuid4().hex}.pdf"


def export_storage():
    from django.core.files.storage import storages

    return storages["attachments"]


class Export(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="exports")
    audience = models.CharField(_("for"), max_length=8, choices=Audience.choices, default=Audience.BUYER)
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(upload_to=export_path, storage=export_storage, max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "-created_at"])]

    def __str__(self) -> str:
        return f"export {self.public_id} of plan {self.plan_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    def filename(self) -> str:
        """The download's name: the plan's title made safe for a file name, and the date."""
        from django.utils.text import slugify

        stem = slugify(self.plan.title, allow_unicode=True)[:80] or "plan"
        day = (self.finished_at or self.created_at).date().isoformat()
        return f"{stem}-{day}.pdf"
