"""The manager's dashboard in a real browser: sign in, open it from the menu, read the headline
comparison, click a pipeline bar through to the deals behind it, filter by seller, export the
CSV; and on a phone nothing scrolls sideways."""

import csv
import io

import pytest
import time_machine
from playwright.sync_api import expect

from tests import factories
from tests.deals import dashboard_data as data

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD = "?period=custom&start=2026-01-01&end=2026-06-15"


@pytest.fixture
def cast():
    org = factories.OrganizationFactory(name="Acme Software", default_currency="USD")
    manager = factories.MembershipFactory(organization=org, role="manager", user__name="Max Manager",
                                          user__email="max@acme.example").user
    rival = factories.MembershipFactory(role="admin").organization
    # Built as of 15 June 2026; the figures below (pipeline, deals closed in the period) do not
    # depend on the day the test runs.
    with time_machine.travel(data.NOW, tick=False):
        return data.build(org, manager=manager, outsider_org=rival)


def test_the_manager_reads_the_dashboard_and_follows_a_figure_to_its_deals(page, cast):
    sign_in(page, "max@acme.example")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Pipeline dashboard")).to_be_visible()
    page.goto("/dashboard/" + PERIOD)

    comparison = page.locator("#comparison")
    expect(comparison.get_by_role("cell", name="75 % (3 of 4)")).to_be_visible()
    expect(comparison.get_by_role("cell", name="50 % (3 of 6)")).to_be_visible()
    # The chart prints the same figures (SVG text, not only tooltips).
    expect(comparison.locator("svg text", has_text="75 % (3 of 4)")).to_be_visible()
    expect(page.locator(".kpi").first).to_contain_text("5")

    # A bar of the pipeline chart is a link to the deals of its stage.
    page.locator("#pipeline svg a[href*='stage=discovery']").first.click()
    expect(page.get_by_role("heading", name="Deals")).to_be_visible()
    expect(page.get_by_text("2 deals")).to_be_visible()
    rows = page.locator("table.dash-deals tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("O1")

    # Back on the dashboard, filter by seller: Olga has two open deals.
    page.go_back()
    page.locator("#dash-seller").select_option(label="Olga Other")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#sellers tbody tr")).to_have_count(1)
    expect(page.locator("#pipeline tfoot")).to_contain_text("2")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("deals-") and download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert {row[4] for row in rows[1:]} == {"Olga Other"}
    assert sorted(row[1] for row in rows[1:]) == ["L1", "L4", "O3", "O4", "W3", "W5"]


def test_the_dashboard_fits_a_phone(browser, live_server, cast):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, "max@acme.example")
        page.goto("/dashboard/" + PERIOD)
        expect(page.get_by_role("heading", name="Pipeline dashboard")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        width = page.locator("#pipeline svg").bounding_box()["width"]
        assert 200 < width <= 390
    finally:
        context.close()
