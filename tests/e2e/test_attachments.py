"""A seller attaches the architecture document to a task on the plan page (inline, no reload);
the buyer opens the deal room and downloads it; a program renamed .pdf is refused with a reason."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from mapapp.models import Role
from plans.models import Attachment, TaskSide
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_seller_attaches_a_file_and_the_buyer_downloads_it_in_the_room(page, browser, live_server, tmp_path):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    factories.StakeholderFactory(deal=deal, name="Sarah Chen", email="sarah@northwind.example")
    task = factories.TaskFactory(plan=plan, organization=plan.organization, title="Deliver architecture document",
                                 side=TaskSide.SELLER)
    document = tmp_path / "Northwind architecture.pdf"
    document.write_bytes(PDF)
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.evaluate("window.__noReload = true")
    row = page.locator(f"#task-{task.public_id}")
    row.get_by_role("link", name="Files").click()
    files = page.locator(f"#files-{task.public_id}")
    expect(files.get_by_label("Attach a file")).to_be_visible()

    files.get_by_label("Attach a file").set_input_files(str(fake))
    files.get_by_role("button", name="Upload").click()
    expect(files.locator(".form-errors")).to_contain_text("can run code")

    files.get_by_label("Attach a file").set_input_files(str(document))
    files.get_by_role("button", name="Upload").click()
    expect(files.locator(".files-note")).to_contain_text("was attached")
    expect(files.locator(".file-name")).to_have_text("Northwind architecture.pdf")
    expect(page.locator("#plan-activity")).to_contain_text("attached a file to")
    assert page.evaluate("window.__noReload") is True
    assert Attachment.objects.count() == 1

    # Invite the buyer and open the room in a browser of their own.
    page.locator(".stakeholder-row", has_text="Sarah Chen").get_by_role(
        "button", name=re.compile("Invite to the room")
    ).click()
    expect(page.locator("#stakeholders .alert-success")).to_be_visible()
    link = re.search(r"https?://\S+/r/[\w-]+/", mail.outbox[-1].body).group(0)

    buyer_context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    try:
        buyer_page = buyer_context.new_page()
        buyer_page.set_default_timeout(10_000)
        buyer_page.goto(link[link.index("/r/"):])
        buyer_page.get_by_role("button", name="Open deal room").click()
        expect(buyer_page).to_have_url(re.compile(rf"/room/{plan.public_id}/$"))
        room_files = buyer_page.locator(f"#files-{task.public_id}")
        expect(room_files.locator(".file-name")).to_have_text("Northwind architecture.pdf")
        expect(room_files).to_contain_text("Sam Seller")
        # The seller's file: no delete button for the buyer.
        expect(room_files.get_by_role("link", name=re.compile("Delete"))).to_have_count(0)
        with buyer_page.expect_download() as download_info:
            room_files.locator(".file-name").click()
        download = download_info.value
        assert download.suggested_filename == "Northwind architecture.pdf"
        assert open(download.path(), "rb").read() == PDF
    finally:
        buyer_context.close()
