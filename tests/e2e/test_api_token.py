"""A seller makes a personal API token on its page, copies it, and an integration reads the API
with it; revoked on the same page, the API refuses it at once."""

import pytest
from playwright.sync_api import expect

from mapapp.models import Role
from tests import factories

from .test_build_a_plan import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_seller_makes_a_token_uses_it_and_revokes_it(page, live_server):
    membership = factories.MembershipFactory(role=Role.SELLER, user__email="sam@acme.example", user__name="Sam Seller")
    deal = factories.DealFactory(organization=membership.organization, owner=membership.user, name="Northwind")
    factories.DealFactory(organization=membership.organization, name="Not Sam's")  # another seller's deal

    sign_in(page, "sam@acme.example")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Make token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("mapapp_")

    api = page.context.request
    response = api.get(f"{live_server.url}/api/v1/deals/", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    assert [d["name"] for d in response.json()["results"]] == [deal.name]

    # Reloaded, the page no longer shows the token; the list says it was used.
    page.goto("/settings/api-tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.get_by_role("row", name="CRM sync")
    expect(row).not_to_contain_text("never")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row", name="CRM sync")).to_contain_text("revoked")
    response = api.get(f"{live_server.url}/api/v1/deals/", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 401
