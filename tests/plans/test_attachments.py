"""Files on tasks: what is accepted and refused (with real file bytes), where it is stored,
who may download and delete it, the download's headers, and the lists on both pages."""

import io
import os
import struct
import zipfile
import zlib

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from deals.models import Side
from plans import attachments, services
from plans.activity import Actor
from plans.models import Activity, Attachment, TaskSide
from tests import factories

from .test_room import open_room, room_url

HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def office_bytes(part: str, *, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        package.writestr(f"{part}document.xml", "<document/>")
        if macros:
            package.writestr(f"{part}vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files() -> set[str]:
    root = storages["attachments"].location
    return {os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files}


def files_url(task, room=False) -> str:
    name = "plans:room-task-attachments" if room else "plans:task-attachments"
    return reverse(name, kwargs={"task_id": task.public_id})


def download_url(attachment, room=False) -> str:
    name = "plans:room-attachment" if room else "plans:attachment"
    return reverse(name, kwargs={"attachment_id": attachment.public_id})


def delete_url(attachment, room=False) -> str:
    name = "plans:room-attachment-delete" if room else "plans:attachment-delete"
    return reverse(name, kwargs={"attachment_id": attachment.public_id})


@pytest.fixture
def task(plan, buyer):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Security questionnaire",
                                 side=TaskSide.BUYER, owner=buyer)


@pytest.fixture
def internal_task(plan):
    return factories.TaskFactory(plan=plan, organization=plan.organization, title="Discount approval", internal=True)


@pytest.fixture
def attached(task, seller):
    return attachments.attachment_create(task=task, actor=Actor(user=seller), upload=upload("architecture.pdf", PDF))


# What is accepted --------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("architecture.pdf", PDF, "application/pdf"),
    ("diagram.png", png_bytes(), "image/png"),
    ("questionnaire.xlsx", office_bytes("xl/"), attachments._XLSX),
    ("proposal.docx", office_bytes("word/"), attachments._DOCX),
    ("users.csv", "name;email\nJürgen;j@example.com\n".encode(), "text/csv"),
    ("notes.md", "# Notes\n\n- one\n".encode(), "text/markdown"),
    ("README.md", b'<p align="center"><img src="logo.png"></p>\n\n# Rollout\n', "text/markdown"),
])
def test_allowed_files_are_stored_with_our_content_type(task, seller, name, content, content_type):
    attachment = attachments.attachment_create(task=task, actor=Actor(user=seller), upload=upload(name, content))
    assert attachment.name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.uploaded_by_name == "Sam Seller"
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


def test_the_file_is_stored_under_the_organization_folder_with_a_random_name(task, seller, org):
    attachment = attachments.attachment_create(task=task, actor=Actor(user=seller),
                                               upload=upload("architecture.pdf", PDF))
    folder, stored = attachment.file.name.split("/")
    assert folder == str(org.public_id)
    assert len(stored) == 32 and "architecture" not in stored and "." not in stored
    assert attachment.file.name in stored_files()
    # The storage has no URL of its own: files are reachable only through the views.
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018


# What is refused -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "code"), [
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "dangerous"),
    ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "dangerous"),  # a program renamed .pdf
    ("report.pdf", b"<html><body><script>alert(document.cookie)</script></body></html>", "dangerous"),
    ("notes.txt", b"  <!DOCTYPE html><script>alert(1)</script>", "dangerous"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "dangerous"),
    ("page.html", b"<p>hello</p>", "dangerous"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "dangerous"),
    ("run.sh.txt", b"#!/bin/sh\nrm -rf ~\n", "dangerous"),
    ("budget.xlsm", office_bytes("xl/", macros=True), "dangerous"),
    ("budget.xlsx", office_bytes("xl/", macros=True), "macros"),
    ("budget.xlsx", office_bytes("word/"), "content"),  # a Word package called .xlsx
    ("scan.pdf", png_bytes(), "content"),
    ("data.csv", "name\n".encode("utf-16"), "content"),  # NUL bytes: not plain text
    ("bundle.zip", office_bytes("xl/"), "type"),
    ("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "type"),
    ("README", b"plain text without extension", "type"),
    ("empty.pdf", b"", "empty"),
])
def test_refused_files_store_nothing_and_say_why(task, seller, name, content, code):
    before = stored_files()
    with pytest.raises(attachments.ValidationError) as refused:
        attachments.attachment_create(task=task, actor=Actor(user=seller), upload=upload(name, content))
    assert refused.value.code == code
    assert refused.value.messages[0]  # a sentence for the person
    assert not Attachment.objects.exists()
    assert stored_files() == before
    assert not Activity.objects.filter(verb="attached").exists()


def test_an_executable_gets_a_message_that_says_why(task, seller):
    with pytest.raises(attachments.ValidationError) as refused:
        attachments.attachment_create(task=task, actor=Actor(user=seller), upload=upload("tool.exe", b"MZ\x00\x00"))
    assert "can run code" in refused.value.messages[0] and "tool.exe" in refused.value.messages[0]


def test_a_task_holds_at_most_the_limit_of_files(task, seller, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PER_TASK", 2)
    for n in range(2):
        attachments.attachment_create(task=task, actor=Actor(user=seller), upload=upload(f"f{n}.pdf", PDF))
    with pytest.raises(attachments.ValidationError) as refused:
        attachments.attachment_create(task=task, actor=Actor(user=seller), upload=upload("third.pdf", PDF))
    assert refused.value.code == "too_many" and "Delete one" in refused.value.messages[0]
    assert Attachment.objects.count() == 2


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\sam\\Desktop\\plan.pdf", "plan.pdf"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hides the real extension
    ("bad\x00na\x1bme\n.pdf", "badname.pdf"),
    ('what?"<is>|this*.pdf', "what___is__this_.pdf"),
    ("   .hidden.pdf  ", "hidden.pdf"),
    ("Sicherheitsfragebogen für Nordwind.xlsx", "Sicherheitsfragebogen für Nordwind.xlsx"),
    ("セキュリティ質問票.xlsx", "セキュリティ質問票.xlsx"),
    (".pdf", "pdf"),  # no extension left: refused as a type
])
def test_shown_names_are_cleaned(raw, clean):
    assert attachments.clean_name(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = attachments.clean_name("a" * 500 + ".pdf")
    assert len(name) == attachments.NAME_MAX and name.endswith("a.pdf")


# Uploading through the pages -----------------------------------------------------------------

def test_a_seller_uploads_inline_and_the_row_lists_the_file(seller_client, plan, task):
    response = seller_client.post(files_url(task), {"file": upload("architecture.pdf", PDF)}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="files-{task.public_id}"' in html and "architecture.pdf" in html
    assert "was attached" in html
    assert 'id="plan-activity" hx-swap-oob="true"' in html and "attached a file to" in html
    page = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    attachment = Attachment.objects.get()
    assert download_url(attachment) in page
    assert "Sam Seller" in page and f"{len(PDF)}\xa0bytes" in page  # size in words, who uploaded


def test_uploading_works_without_javascript(seller_client, task):
    page = seller_client.get(files_url(task))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = seller_client.post(files_url(task), {"file": upload("architecture.pdf", PDF)})
    assert response.status_code == 302 and response["Location"] == files_url(task)
    assert "architecture.pdf" in seller_client.get(files_url(task)).content.decode()


def test_a_refused_upload_answers_422_with_the_reason_and_the_form(seller_client, task):
    response = seller_client.post(files_url(task), {"file": upload("report.pdf", b"<html><script>x</script>")}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "can run code" in html and 'type="file"' in html
    assert not Attachment.objects.exists()


def test_no_file_chosen_is_a_clear_message(seller_client, task):
    response = seller_client.post(files_url(task), {}, **HTMX)
    assert response.status_code == 422 and "Choose a file" in response.content.decode()


@override_settings(ATTACHMENT_MAX_BYTES=1000)
@pytest.mark.parametrize("htmx", [True, False])
def test_an_oversize_upload_is_read_dropped_and_explained(seller_client, task, htmx):
    before = stored_files()
    big = upload("scan.pdf", PDF + b"0" * 5000)
    response = seller_client.post(files_url(task), {"file": big}, **(HTMX if htmx else {}))
    assert response.status_code == 422
    html = response.content.decode()
    assert "a file can be at most 1000\xa0bytes" in html and "scan.pdf" in html
    assert not Attachment.objects.exists()
    assert stored_files() == before


def test_the_upload_handler_drops_what_goes_over_the_limit():
    from django.test import RequestFactory

    body = PDF + b"0" * 5000
    request = RequestFactory().post("/", {"file": upload("scan.pdf", body), "open": "1"})
    with override_settings(ATTACHMENT_MAX_BYTES=1000):
        attachments.use_capped_uploads(request)
        received = request.FILES["file"]
    assert isinstance(received, attachments.OversizeUpload)
    assert received.size == len(body) and received.read() == b""
    assert request.POST["open"] == "1"  # the rest of the form is still read


@override_settings(ATTACHMENT_MAX_BYTES=1000)
def test_the_upload_view_reads_files_through_the_capped_handler(seller_client, task, monkeypatch):
    seen = []
    create = attachments.attachment_create

    def spy(**kwargs):
        seen.append(type(kwargs["upload"]))
        return create(**kwargs)

    monkeypatch.setattr(attachments, "attachment_create", spy)
    seller_client.post(files_url(task), {"file": upload("scan.pdf", PDF + b"0" * 5000)})
    assert seen == [attachments.OversizeUpload]


def test_an_upload_without_the_csrf_token_is_refused(task, seller):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    response = client.post(files_url(task), {"file": upload("architecture.pdf", PDF)})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_downloads_answer_only_get(seller_client, attached):
    assert seller_client.post(download_url(attached)).status_code == 405


def test_a_buyer_uploads_in_the_room(client, plan, buyer, seller, task):
    open_room(client, buyer, seller)
    response = client.post(files_url(task, room=True), {"file": upload("questionnaire.xlsx", office_bytes("xl/"))},
                           **HTMX)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    attachment = Attachment.objects.get()
    assert attachment.uploaded_by_stakeholder == buyer and attachment.uploaded_by_user is None
    assert Activity.objects.filter(verb="attached", actor_stakeholder=buyer, internal=False).exists()
    room = client.get(room_url(plan)).content.decode()
    assert "questionnaire.xlsx" in room and download_url(attachment, room=True) in room


def test_a_buyer_uploads_and_deletes_without_javascript(client, plan, buyer, seller, task,
                                                      django_capture_on_commit_callbacks):
    open_room(client, buyer, seller)
    page = client.get(files_url(task, room=True))
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    assert "Log in" not in page.content.decode()  # buyers have no account
    response = client.post(files_url(task, room=True), {"file": upload("questionnaire.pdf", PDF)})
    assert response.status_code == 302 and response["Location"] == files_url(task, room=True)
    attachment = Attachment.objects.get()
    html = client.get(files_url(task, room=True)).content.decode()
    assert "questionnaire.pdf" in html and "was attached" in html
    confirm = client.get(delete_url(attachment, room=True))
    assert confirm.status_code == 200 and "Delete this file?" in confirm.content.decode()
    assert "Log in" not in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete_url(attachment, room=True)).status_code == 302
    assert not Attachment.objects.exists()


def test_a_member_previewing_the_room_cannot_upload_there(seller_client, task):
    response = seller_client.post(files_url(task, room=True), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


# Downloads -------------------------------------------------------------------------------------

def test_the_download_is_an_attachment_with_safe_headers(seller_client, attached):
    response = seller_client.get(download_url(attached))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="architecture.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_non_latin_name_is_offered_with_an_rfc_6266_filename(seller_client, task, seller):
    attachment = attachments.attachment_create(task=task, actor=Actor(user=seller),
                                               upload=upload("セキュリティ.pdf", PDF))
    response = seller_client.get(download_url(attachment))
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")


def test_the_buyer_downloads_from_the_room_without_referrer(client, plan, buyer, seller, attached):
    open_room(client, buyer, seller)
    response = client.get(download_url(attached, room=True))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Content-Disposition"].startswith("attachment;")
    # The seller's download URL is not theirs.
    assert client.get(download_url(attached)).status_code == 404


def test_internal_tasks_files_never_reach_the_buyer(client, plan, buyer, seller, internal_task):
    hidden = attachments.attachment_create(task=internal_task, actor=Actor(user=seller),
                                           upload=upload("margin.pdf", PDF))
    activity = Activity.objects.get(verb="attached")
    assert activity.internal
    open_room(client, buyer, seller)
    assert client.get(download_url(hidden, room=True)).status_code == 404
    assert client.get(files_url(internal_task, room=True)).status_code == 404
    assert client.post(files_url(internal_task, room=True), {"file": upload("x.pdf", PDF)}).status_code == 404
    assert client.post(delete_url(hidden, room=True)).status_code == 404
    assert "margin.pdf" not in client.get(room_url(plan)).content.decode()
    assert Attachment.objects.filter(pk=hidden.pk).exists()


def test_the_seller_downloads_internal_files(seller_client, internal_task, seller):
    hidden = attachments.attachment_create(task=internal_task, actor=Actor(user=seller),
                                           upload=upload("margin.pdf", PDF))
    assert seller_client.get(download_url(hidden)).status_code == 200
    # Not through the room preview, though: the room never shows internal tasks.
    assert seller_client.get(download_url(hidden, room=True)).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_seller"])
def test_members_without_access_get_404(client, attached, task, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in (download_url(attached), download_url(attached, room=True), files_url(task), files_url(task, room=True)):
        assert client.get(url).status_code == 404, url
    assert client.post(delete_url(attached)).status_code == 404
    assert Attachment.objects.filter(pk=attached.pk).exists()


def test_a_buyer_of_another_room_gets_404(client, org, other_seller, attached, task):
    other_deal = factories.DealFactory(organization=org, owner=other_seller)
    factories.PlanFactory(deal=other_deal, organization=org)
    stranger = factories.StakeholderFactory(deal=other_deal)
    open_room(client, stranger, other_seller)
    assert client.get(download_url(attached, room=True)).status_code == 404
    assert client.get(files_url(task, room=True)).status_code == 404
    assert client.post(delete_url(attached, room=True)).status_code == 404


def test_a_missing_stored_file_answers_404(seller_client, attached):
    attached.file.storage.delete(attached.file.name)
    assert seller_client.get(download_url(attached)).status_code == 404


# Deleting --------------------------------------------------------------------------------------

def test_a_seller_deletes_a_file_and_the_stored_file_goes(seller_client, attached, django_capture_on_commit_callbacks):
    name = attached.file.name
    assert seller_client.get(delete_url(attached)).status_code == 200  # the confirmation, without JS
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(delete_url(attached), {"open": "1"}, **HTMX)
    assert response.status_code == 200 and "was deleted" in response.content.decode()
    assert not Attachment.objects.exists()
    assert name not in stored_files()
    activity = Activity.objects.get(verb="detached")
    assert activity.changes == {"file": ["architecture.pdf", None]}


def test_deleting_a_task_deletes_its_files(task, attached, seller, django_capture_on_commit_callbacks):
    name = attached.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.task_delete(task=task, actor=Actor(user=seller))
    assert not Attachment.objects.exists()
    assert name not in stored_files()


def test_a_buyer_deletes_only_what_they_uploaded(client, plan, deal, buyer, seller, task, attached,
                                                 django_capture_on_commit_callbacks):
    colleague = factories.StakeholderFactory(deal=deal, side=Side.BUYER, name="Ken Tanaka")
    theirs = attachments.attachment_create(task=task, actor=Actor(stakeholder=colleague),
                                           upload=upload("ken.pdf", PDF))
    mine = attachments.attachment_create(task=task, actor=Actor(stakeholder=buyer), upload=upload("sarah.pdf", PDF))
    open_room(client, buyer, seller)
    block = client.get(files_url(task, room=True), **HTMX).content.decode()
    assert delete_url(mine, room=True) in block
    assert delete_url(attached, room=True) not in block and delete_url(theirs, room=True) not in block
    assert client.post(delete_url(attached, room=True)).status_code == 403
    assert client.post(delete_url(theirs, room=True)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete_url(mine, room=True)).status_code == 302
    assert set(Attachment.objects.values_list("name", flat=True)) == {"architecture.pdf", "ken.pdf"}


def test_a_seller_may_delete_a_buyers_file(seller_client, task, buyer):
    theirs = attachments.attachment_create(task=task, actor=Actor(stakeholder=buyer), upload=upload("sarah.pdf", PDF))
    assert seller_client.post(delete_url(theirs)).status_code == 302
    assert not Attachment.objects.exists()


# History ---------------------------------------------------------------------------------------

def test_uploads_and_deletions_show_in_the_buyers_changes(client, plan, buyer, seller, task, attached):
    from django.utils import timezone

    link = open_room(client, buyer, seller)
    link.previous_visit_at = timezone.now() - timezone.timedelta(days=1)
    link.save()
    page = client.get(room_url(plan)).content.decode()
    assert "Sam Seller</strong> attached a file to task “Security questionnaire”" in page


def test_a_buyers_row_without_files_gets_the_block_rendered_once_and_stamped(plan, task, buyer):
    from plans.room import room_page_data

    other = factories.TaskFactory(plan=plan, organization=plan.organization, title="Second")
    rows = {r["id"]: r for r in room_page_data(plan, stakeholder=buyer, since=None)["rows"]}
    for t in (task, other):
        key = str(t.public_id)
        alone = attachments.block_html(attachments.block_context(
            key=key, upload_url=files_url(t, room=True), is_open=False, room=True, files=[]))
        assert rows[key]["files"] == "\n".join(line for line in alone.splitlines() if line.strip())
        assert f'href="{files_url(t, room=True)}"' in rows[key]["files"]
    # The seller's preview (no buyer) cannot upload: nothing under a row without files.
    assert all(r["files"] == "" for r in room_page_data(plan, stakeholder=None, since=None)["rows"])
