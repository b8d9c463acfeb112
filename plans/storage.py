"""Private file storage: files kept here have no URL; only access-checked views hand them out."""

from django.core.files.storage import FileSystemStorage


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
