"""Files on tasks: what may be attached, where it is kept, who may remove it, how lists look.

Rules:
- Allowed types (by extension AND by content): PDF; Word, Excel and PowerPoint documents in
  their current formats (.docx, .xlsx, .pptx, checked as Office Open XML packages, refused
  when they carry macros); CSV, plain text and Markdown; PNG, JPEG, GIF and WebP images.
  That covers what a buying process exchanges (the architecture document, the security
  questionnaire, a screenshot, an export). Left out on purpose: programs and scripts, web
  pages and SVG (they run script when opened: stored XSS), the legacy binary Office
  formats (.doc/.xls/.ppt: macro carriers whose container cannot be told from an installer
  by content; every Office since 2007 saves the formats above) and archives (.zip: anything
  can hide inside, unchecked, and they can be bombs).
- At most settings.ATTACHMENT_MAX_BYTES per file, MAX_PER_TASK files per task; empty files
  are refused. A refused file stores nothing.
- The stored file has a random name under the organization's folder (models.attachment_path);
  the shown name is cleaned (no path, no control or direction characters, bounded length).
  The Content-Type served is ours, from the checked type, never the browser's claim.
- Seller members may remove any file of a plan they see; a buyer only the files they uploaded.
- Removing a file, its task or its plan removes the stored file once the transaction commits
  (the post_delete receiver below).
"""

import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from deals.models import Side, Stakeholder

from .activity import Actor, record
from .models import Attachment, Plan, Task
from .storage import remove_on_commit

logger = logging.getLogger(__name__)

MAX_PER_TASK = 20
NAME_MAX = 120
SNIFF_BYTES = 64 * 1024

PARTIALS = "plans/_attachments.html"

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@dataclass(frozen=True)
class Kind:
    content_type: str
    check: str  # how the content is recognised: pdf, ooxml, text, png, jpeg, gif, webp
    ooxml_part: str = ""  # the folder an Office package of this kind holds


ALLOWED = {
    "pdf": Kind("application/pdf", "pdf"),
    "docx": Kind(_DOCX, "ooxml", "word/"),
    "xlsx": Kind(_XLSX, "ooxml", "xl/"),
    "pptx": Kind(_PPTX, "ooxml", "ppt/"),
    "csv": Kind("text/csv", "text"),
    "txt": Kind("text/plain", "text"),
    "md": Kind("text/markdown", "text"),
    "png": Kind("image/png", "png"),
    "jpg": Kind("image/jpeg", "jpeg"),
    "jpeg": Kind("image/jpeg", "jpeg"),
    "gif": Kind("image/gif", "gif"),
    "webp": Kind("image/webp", "webp"),
}

# Named in the refusal so people know why, not only that.
DANGEROUS_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "msi", "msp", "scr", "pif", "cpl", "dll", "sys", "jar", "js", "jse", "mjs",
    "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "sh", "bash", "zsh", "py", "pl", "rb", "php", "app", "dmg",
    "pkg", "deb", "rpm", "apk", "bin", "run", "elf", "lnk", "reg", "hta", "html", "htm", "xhtml", "shtml",
    "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt", "swf", "docm", "xlsm", "pptm", "dotm", "xltm",
    "potm", "ppsm", "iso", "img", "vhd",
})

# Content that runs code when opened, whatever the file is called.
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")
# A document, script or XML (SVG included) at the start of a file. Narrower than browsers'
# HTML sniffing on purpose: a Markdown file may well open with <p align="center">, and text
# is only ever served as a download with nosniff.
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype\s+html|html|head|body|script|iframe|svg|\?xml|object|embed|meta|style|title)[\s>/]",
    re.IGNORECASE,
)
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*]')


# Names and sizes ---------------------------------------------------------------------------

def clean_name(raw: str) -> str:
    """The name to show and to offer on download: the last path part, without control,
    format (bidi override, zero-width) or reserved characters, at most NAME_MAX characters
    with its extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(c) in ("Zl", "Zp", "Zs") else c for c in name
                   if not unicodedata.category(c).startswith("C"))
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem.strip(" .") or _("file")
    room = NAME_MAX - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" .") or _("file")
    return f"{stem}.{ext}" if ext else stem


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def size_label(size: int) -> str:
    return str(filesizeformat(size))


def allowed_label() -> str:
    return _("PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV, text, Markdown, PNG, JPEG, GIF, WebP")


def limits_text() -> str:
    return _("%(types)s; up to %(size)s each, %(count)s files per task.") % {
        "types": allowed_label(), "size": size_label(settings.ATTACHMENT_MAX_BYTES), "count": MAX_PER_TASK,
    }


# Checking a file ---------------------------------------------------------------------------

def _refuse_dangerous(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” was not attached: programs, scripts, web pages and SVG images can run code when "
          "opened, so they cannot be shared here. Attach a PDF or an Office document instead.") % {"name": name},
        code="dangerous",
    )


def _head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def _is_text(upload, head: bytes) -> bool:
    if _BINARY_CONTROL.search(head):
        return False
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        if b"\x00" in chunk:
            upload.seek(0)
            return False
    upload.seek(0)
    return True


def _ooxml_problem(upload, kind: Kind) -> str:
    """'' for a sound Office package of the kind; else 'macros' or 'other'. Reads only the
    zip's directory, never decompresses."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "other"
    finally:
        upload.seek(0)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "macros"
    if "[Content_Types].xml" not in names or not any(n.startswith(kind.ooxml_part) for n in names):
        return "other"
    return ""


def _content_matches(kind: Kind, upload, head: bytes) -> bool | str:
    check = kind.check
    if check == "pdf":
        return head.startswith(b"%PDF-")
    if check == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if check == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if check == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if check == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if check == "ooxml":
        # A zip must start with a local header: a program with a zip appended does not.
        if not head.startswith(b"PK\x03\x04"):
            return False
        problem = _ooxml_problem(upload, kind)
        return problem or True
    if check == "text":
        return _is_text(upload, head)
    return False


def check_upload(upload, *, existing: int = 0) -> tuple[str, Kind]:
    """The cleaned name and type of an uploaded file, or ValidationError saying why it is refused.

    `existing` is how many files the task has already.
    """
    if upload is None:
        raise ValidationError(_("Choose a file to attach."), code="required")
    name = clean_name(upload.name)
    if getattr(upload, "oversize", False) or upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file can be at most %(max)s. Nothing was attached.") % {
                "name": name, "size": size_label(upload.size), "max": size_label(settings.ATTACHMENT_MAX_BYTES),
            },
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty. Nothing was attached.") % {"name": name}, code="empty")
    if existing >= MAX_PER_TASK:
        raise ValidationError(
            _("This task has %(count)s files already, the most it can hold. Delete one to attach another.")
            % {"count": MAX_PER_TASK},
            code="too_many",
        )
    ext = extension(name)
    if ext in DANGEROUS_EXTENSIONS:
        raise _refuse_dangerous(name)
    kind = ALLOWED.get(ext)
    if kind is None:
        raise ValidationError(
            _("Files of this type cannot be attached (“%(name)s”). Allowed: %(types)s.")
            % {"name": name, "types": allowed_label()},
            code="type",
        )
    head = _head(upload)
    if head.startswith(_EXECUTABLE_MAGIC) or _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        raise _refuse_dangerous(name)
    matches = _content_matches(kind, upload, head)
    if matches == "macros":
        raise ValidationError(
            _("“%(name)s” contains macros, which can run code when opened. Save it without macros and "
              "attach it again.") % {"name": name},
            code="macros",
        )
    if matches is not True:
        raise ValidationError(
            _("The content of “%(name)s” does not match its .%(ext)s name, so it was not attached. "
              "Allowed: %(types)s.") % {"name": name, "ext": ext, "types": allowed_label()},
            code="content",
        )
    return name, kind


# Writing -----------------------------------------------------------------------------------

def attachment_create(*, task: Task, actor: Actor, upload) -> Attachment:
    """Check and store one uploaded file on `task`; records "attached" (internal when the task is).

    Raises ValidationError with a sentence for the person when the file is refused; nothing is
    stored then. The task row is locked so two uploads cannot pass the per-task limit together.
    """
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True).first()
        existing = Attachment.objects.filter(organization_id=task.organization_id, task=task).count()
        name, kind = check_upload(upload, existing=existing)
        attachment = Attachment(
            organization_id=task.organization_id, plan_id=task.plan_id, task=task, name=name,
            content_type=kind.content_type, size=upload.size, uploaded_by_user=actor.user,
            uploaded_by_stakeholder=actor.stakeholder, uploaded_by_name=actor.name[:150],
        )
        upload.seek(0)
        attachment.file.save("upload", upload, save=False)
        try:
            attachment.save()
            record(plan=task.plan, actor=actor, verb="attached", target=task, changes={"file": (None, name)},
                   internal=task.internal)
        except BaseException:
            attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment


def attachment_delete(*, attachment: Attachment, actor: Actor) -> None:
    """Remove a file (the stored file goes once the transaction commits); records "detached"."""
    task = attachment.task
    with transaction.atomic():
        record(plan=attachment.plan, actor=actor, verb="detached", target=task,
               changes={"file": (attachment.name, None)}, internal=task.internal)
        attachment.delete()


def can_delete(*, uploaded_by_stakeholder_id: int | None, member: bool, stakeholder: Stakeholder | None) -> bool:
    """Seller members may remove any file of a plan they see; a buyer only their own uploads."""
    if member:
        return True
    return stakeholder is not None and uploaded_by_stakeholder_id == stakeholder.pk


@receiver(post_delete, sender=Attachment, dispatch_uid="attachment-file-cleanup")
def _remove_stored_file(sender, instance: Attachment, **kwargs) -> None:
    # Also runs for cascades (a deleted task or plan): Django loads each row to send this.
    remove_on_commit(instance.file)


# Uploads that are too large ---------------------------------------------------------------

class OversizeUpload(UploadedFile):
    """Stands in for a file that went over the limit: its bytes were read and dropped."""

    oversize = True

    def __init__(self, name: str, size: int):
        super().__init__(file=None, name=name, content_type="application/octet-stream", size=size)

    def read(self, *args, **kwargs):
        return b""

    def seek(self, *args, **kwargs):
        return 0

    def close(self):
        pass


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Write uploads to a temporary file, up to settings.ATTACHMENT_MAX_BYTES.

    Past the limit the rest is still read (so the browser gets our answer, not a reset
    connection) but dropped, and the view sees an OversizeUpload with a clear message.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            if not self.over:
                self.over = True
                self.file.truncate(0)
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        if self.over:
            self.file.close()
            return OversizeUpload(self.file_name, self.received)
        return super().file_complete(file_size)


def use_capped_uploads(request) -> None:
    """Install CappedUploadHandler; call before anything reads request.POST or FILES."""
    request.upload_handlers = [CappedUploadHandler(request)]


# Reading: the lists under each task ---------------------------------------------------------

FILE_FIELDS = ("task_id", "public_id", "name", "size", "uploaded_by_name", "uploaded_by_stakeholder_id",
               "created_at")


def _stamp(moment, cache: dict) -> str:
    minute = moment.replace(second=0, microsecond=0)
    if minute not in cache:
        cache[minute] = formats.date_format(minute, "DATETIME_FORMAT")
    return cache[minute]


def file_rows(attachments, *, download_prefix: str, member: bool, stakeholder: Stakeholder | None,
              buyer_ids: frozenset = frozenset()) -> list[dict]:
    """Attachments (rows with FILE_FIELDS) as the lists show them."""
    stamps: dict = {}
    rows = []
    for a in attachments:
        created = timezone.localtime(a.created_at)
        url = f"{download_prefix}{a.public_id}/"
        rows.append({
            "id": str(a.public_id),
            "url": url,
            "delete_url": f"{url}delete/",
            "name": a.name,
            "size": size_label(a.size),
            "by": a.uploaded_by_name,
            "by_buyer": a.uploaded_by_stakeholder_id is not None and a.uploaded_by_stakeholder_id in buyer_ids,
            "when": naturaltime(a.created_at),
            "when_iso": created.isoformat(),
            "when_full": _stamp(created, stamps),
            "can_delete": can_delete(uploaded_by_stakeholder_id=a.uploaded_by_stakeholder_id, member=member,
                                     stakeholder=stakeholder),
        })
    return rows


def plan_files(plan: Plan, *, include_internal: bool) -> dict[int, list]:
    """All files of the plan (one query), by task pk; without internal tasks' files for the room."""
    queryset = Attachment.objects.filter(organization_id=plan.organization_id, plan=plan)
    if not include_internal:
        queryset = queryset.filter(task__internal=False)
    by_task: dict[int, list] = {}
    for a in queryset.order_by("created_at", "id").values_list(*FILE_FIELDS, named=True):
        by_task.setdefault(a.task_id, []).append(a)
    return by_task


def block_context(*, key: str, files: list[dict], upload_url: str, is_open: bool, internal: bool = False,
                  room: bool = False, can_upload: bool = True, errors=(), note: str = "") -> dict:
    return {
        "key": key, "files": files, "upload_url": upload_url, "is_open": is_open, "internal": internal,
        "room": room, "can_upload": can_upload, "errors": list(errors), "note": note, "limits": limits_text(),
        "accept": ",".join(f".{ext}" for ext in ALLOWED), "full_page": False,
    }


def block_html(context: dict, request=None) -> str:
    return render_to_string(f"{PARTIALS}#files", context, request)


_KEY = "@@files-key@@"


def add_files_to_rows(plan: Plan, tasks, rows: list[dict], *, room: bool, stakeholder: Stakeholder | None = None,
                      buyer_ids: frozenset = frozenset()) -> None:
    """Give each task row its files block (row["files"]), from one query for the whole plan.

    `tasks` and `rows` are in the same order. Seller page: every row gets a block (empty
    when there are no files: the row's "Files" button opens the form into it). Room: rows
    with files list them, and a buyer gets an "Attach a file" link on each row.
    """
    from .selectors import url_prefix  # selectors imports this module

    by_task = plan_files(plan, include_internal=not room)
    if room:
        download = url_prefix("plans:room-attachment", "attachment_id")
        upload_prefix = url_prefix("plans:room-task-attachments", "task_id")
    else:
        download = url_prefix("plans:attachment", "attachment_id")
        upload_prefix = url_prefix("plans:task-attachments", "task_id")
    member = not room
    can_upload = not room or stakeholder is not None
    # A buyer's row without files shows only its "Attach a file" link: rendered once, stamped
    # with each row's key (a UUID).
    empty = ""
    if room and can_upload:
        html = block_html(block_context(key=_KEY, upload_url=f"{upload_prefix}{_KEY}/attachments/", is_open=False,
                                        room=True, files=[]))
        empty = "\n".join(line for line in html.splitlines() if line.strip())  # nothing but the link in it
    for task, row in zip(tasks, rows):
        files = by_task.get(task.pk)
        key = str(task.public_id)
        if not files and not room:
            row["files"] = SafeString(f'<div class="files" id="files-{key}"></div>')
            continue
        if not files:
            row["files"] = SafeString(empty.replace(_KEY, key)) if empty else ""
            continue
        context = block_context(
            key=key, upload_url=f"{upload_prefix}{key}/attachments/", is_open=False, room=room,
            can_upload=can_upload, internal=task.internal,
            files=file_rows(files or [], download_prefix=download, member=member, stakeholder=stakeholder,
                            buyer_ids=buyer_ids),
        )
        row["files"] = SafeString(block_html(context))


def buyer_stakeholder_ids(stakeholders) -> frozenset:
    return frozenset(s.pk for s in stakeholders if s.side == Side.BUYER)
