"""Exports: queue a plan's PDF, render it (in a Celery worker), and who may fetch it."""

from __future__ import annotations

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from plans.activity import Actor
from plans.models import Plan
from plans.storage import remove_on_commit

from . import render
from .models import Audience, Export, ExportStatus

logger = logging.getLogger(__name__)

#: At most this many exports of one plan waiting or rendering at once: a double click or a
#: script that keeps posting gets the export already under way.
PENDING_PER_PLAN = 3
#: Renders started for one export before it is given up: a render that kills its worker
#: (out of memory, say) is redelivered by acks_late/reject_on_worker_lost, but not forever.
MAX_ATTEMPTS = 3


def _language_of(actor: Actor) -> str:
    person = actor.user or actor.stakeholder
    language = getattr(person, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def export_request(*, plan: Plan, actor: Actor, audience: str) -> Export:
    """Queue a PDF of `plan` for `audience` (buyer | seller), rendered in the requester's
    language by the `pdf` queue once this transaction commits. A buyer only ever gets the
    buyer's copy (ValidationError otherwise). When PENDING_PER_PLAN exports of the plan are
    already waiting, answers the newest of them for that audience instead of queueing more."""
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who the PDF is for.")}, code="audience")
    if actor.stakeholder is not None and audience != Audience.BUYER:
        raise ValidationError({"audience": _("The deal room exports the buyer's copy only.")}, code="audience")
    with transaction.atomic():
        pending = list(
            Export.objects.for_org(plan.organization_id)
            .filter(plan=plan, status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING))
            .select_for_update().order_by("-created_at", "-id")
        )
        if len(pending) >= PENDING_PER_PLAN:
            same = [e for e in pending if e.audience == audience]
            if same:
                return same[0]
            raise ValidationError(_("Several PDFs of this plan are being made: try again in a minute."), code="busy")
        export = Export.objects.create(
            organization_id=plan.organization_id, plan=plan, audience=audience,
            requested_by_user=actor.user, requested_by_stakeholder=actor.stakeholder,
            language=_language_of(actor),
        )
        organization_id, export_id = plan.organization_id, export.pk

        def enqueue():
            from .tasks import render_export

            render_export.delay(organization_id=organization_id, export_id=export_id)

        transaction.on_commit(enqueue)
    return export


def _readable(error: Exception) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return _("The PDF took too long to make. Try again; if it keeps failing, the plan may be too large.")
    return _("The PDF could not be made (%(reason)s). Try again.") % {"reason": type(error).__name__}


def export_render(*, export: Export) -> Export:
    """Render the export's PDF and store it per organization; marks it running, then done
    (with size and pages) or failed (with a readable error). Does nothing to an export that
    is already done; gives up (failed) on one whose renders were started MAX_ATTEMPTS times
    already. Database errors are not caught: the task retries them."""
    if export.status == ExportStatus.DONE:
        return export
    if export.attempts >= MAX_ATTEMPTS:
        with translation.override(export.language):
            export_fail(export=export, message=_("The PDF could not be made after several tries. Try again later."))
        export.refresh_from_db()
        return export
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error=""
    )
    export.refresh_from_db()
    plan = Plan.objects.select_related("deal", "organization").get(pk=export.plan_id, organization_id=export.organization_id)
    try:
        pdf, pages = render.render_pdf(plan, audience=export.audience, language=export.language)
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries with backoff
    except Exception as error:  # any rendering error: the person gets a sentence and a retry button
        logger.exception("export %s failed to render", export.public_id)
        export.status = ExportStatus.FAILED
        with translation.override(export.language):
            export.error = _readable(error)
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return export
    old_name = export.file.name if export.file else ""
    export.file.save("plan.pdf", ContentFile(pdf), save=False)
    export.status = ExportStatus.DONE
    export.size = len(pdf)
    export.pages = pages
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "size", "pages", "finished_at"])
    if old_name and old_name != export.file.name:
        export.file.storage.delete(old_name)
    return export


def export_fail(*, export: Export, message: str) -> None:
    """Mark an export failed with `message` (the task gave up on it)."""
    Export.objects.filter(pk=export.pk).exclude(status=ExportStatus.DONE).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
    )


@receiver(post_delete, sender=Export, dispatch_uid="export-file-cleanup")
def _remove_stored_file(sender, instance: Export, **kwargs) -> None:
    # Also for cascades (a deleted plan): its PDFs go with it, once the deletion commits.
    remove_on_commit(instance.file)
