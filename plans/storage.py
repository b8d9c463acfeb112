"""Private file storage: files kept here have no URL; only access-checked views hand them out."""

import logging

from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)


def remove_on_commit(file: FieldFile) -> None:
    """Delete a deleted row's stored file once the deletion commits (never before: a rollback
    would leave a row without its file). For post_delete receivers, cascades included."""
    name = file.name
    if not name:
        return
    storage = file.storage

    def remove():
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not remove stored file %s", name)

    transaction.on_commit(remove)


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage without URLs (a plain one falls back to MEDIA_URL), readable only by the
    app's own user."""

    def __init__(self, **options):
        options.setdefault("file_permissions_mode", 0o600)
        options.setdefault("directory_permissions_mode", 0o700)
        options["base_url"] = None
        super().__init__(**options)

    def url(self, name):
        raise ValueError("Attachments have no public URL; link to the download view instead.")
