"""Export PDF in a real browser: the seller clicks "Export PDF" on the plan page, watches the
progress become ready (htmx polling), downloads the file, and it is a PDF."""

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_seller_exports_the_plan_and_downloads_the_pdf(page):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind rollout")
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, title="Northwind MAP")
    factories.TaskFactory(plan=plan, organization=plan.organization, title="セキュリティ審査")
    factories.TaskFactory(plan=plan, organization=plan.organization, title="Übergabe")

    sign_in(page, membership.user.email)
    page.goto(f"/plans/{plan.public_id}/")
    page.get_by_role("button", name="Export PDF").click()
    progress = page.locator("#export-pdf-progress")
    download_link = progress.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible(timeout=30_000)
    # The page stopped polling once the PDF was ready.
    expect(progress.locator("[hx-trigger]")).to_have_count(0)

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
