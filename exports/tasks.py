"""Celery tasks of exports: thin. Re-load the export inside its organization, call the service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _

from . import services
from .models import Export, ExportStatus

#: Transient failures (the database restarting, a dropped connection) are retried with
#: backoff; a rendering error is not: the export is marked failed with a sentence instead.
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 5

PDF_TASK_OPTIONS = {
    "queue": "pdf",
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A plan of a few hundred tasks renders in seconds; a minute and a half means trouble.
    "soft_time_limit": 90,
    "time_limit": 120,
}


@shared_task(bind=True, **PDF_TASK_OPTIONS)
def render_export(self, *, organization_id: int, export_id: int) -> None:
    """Render one export. Does nothing for an export that is gone, done or of another org."""
    try:
        export = (
            Export.objects.filter(organization_id=organization_id, pk=export_id)
            .exclude(status=ExportStatus.DONE).first()
        )
        if export is None:
            return
        services.export_render(export=export)
    except TRANSIENT as error:
        if self.request.retries >= MAX_RETRIES:
            export = Export.objects.filter(organization_id=organization_id, pk=export_id).first()
            if export is not None:
                with translation.override(export.language):
                    services.export_fail(export=export, message=_("The PDF could not be made: the database did not answer. Try again."))
            raise
        raise self.retry(exc=error, countdown=min(2 ** self.request.retries * 5, 300), max_retries=MAX_RETRIES) from error
