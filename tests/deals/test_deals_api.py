"""The deals resource of the public API: list (scoped, filtered, ordered, paged), create, read,
edit against a version (409 when stale), never delete; another tenant's deal answers 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, Outcome, Stage
from tests import factories

pytestmark = pytest.mark.django_db

CONTRACT = {"id", "name", "buyer_company", "amount", "currency", "stage", "owner", "target_close_date", "outcome",
            "closed_at", "external_id", "created_at", "plan"}


def url(deal=None):
    return reverse("api:deal-detail", kwargs={"deal_id": deal.public_id}) if deal else reverse("api:deal-list")


@pytest.fixture
def deals(org, seller, other_seller):
    own = factories.DealFactory(organization=org, owner=seller, name="Northwind", stage=Stage.DISCOVERY,
                                amount="120000.00", currency="EUR")
    shared = factories.DealFactory(organization=org, owner=other_seller, name="Contoso", stage=Stage.PROPOSAL)
    shared.shares.create(organization=org, user=seller)
    hidden = factories.DealFactory(organization=org, owner=other_seller, name="Fabrikam", outcome=Outcome.WON)
    factories.PlanFactory(deal=own, organization=org)
    return {"own": own, "shared": shared, "hidden": hidden}


def names(response):
    assert response.status_code == 200, response.content
    return [d["name"] for d in response.json()["results"]]


def test_a_deal_has_every_field_of_the_contract(client, seller, deals):
    client.force_login(seller)
    body = client.get(url(deals["own"])).json()
    assert CONTRACT <= set(body)
    assert body["amount"] == "120000.00" and body["currency"] == "EUR" and body["owner"] == seller.email
    assert body["plan"] == str(deals["own"].plan.public_id) and body["outcome"] == "open"
    assert client.get(url(deals["shared"])).json()["plan"] is None


def test_sellers_list_their_own_and_shared_deals_managers_all_outsiders_none(client, seller, manager, outsider, deals):
    client.force_login(seller)
    assert sorted(names(client.get(url()))) == ["Contoso", "Northwind"]
    client.force_login(manager)
    assert sorted(names(client.get(url()))) == ["Contoso", "Fabrikam", "Northwind"]
    client.force_login(outsider)
    assert names(client.get(url())) == []
    assert client.get(url(deals["own"])).status_code == 404
    assert client.patch(url(deals["own"]), {"name": "x", "version": 1}, content_type="application/json").status_code == 404


def test_filters_and_ordering(client, manager, seller, deals):
    client.force_login(manager)
    assert names(client.get(url(), {"stage": "proposal"})) == ["Contoso"]
    assert names(client.get(url(), {"outcome": "won"})) == ["Fabrikam"]
    assert names(client.get(url(), {"owner": seller.email.upper()})) == ["Northwind"]
    assert names(client.get(url(), {"ordering": "name"})) == ["Contoso", "Fabrikam", "Northwind"]
    Deal.objects.filter(pk=deals["own"].pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    since = (timezone.now() + datetime.timedelta(minutes=30)).isoformat()
    assert names(client.get(url(), {"updated_since": since})) == ["Northwind"]
    response = client.get(url(), {"stage": "nope", "ordering": "password", "updated_since": "yesterday"})
    assert response.status_code == 400 and {"stage", "ordering", "updated_since"} <= set(response.json())


def test_creating_a_deal(client, seller, other_seller):
    client.force_login(seller)
    response = client.post(url(), {"name": " Globex ", "buyer_company": "Globex Corp", "amount": "5000.50",
                                   "currency": "usd", "target_close_date": "2027-03-31"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    deal = Deal.objects.get(public_id=body["id"])
    assert response["Location"] == url(deal)
    assert (deal.name, deal.currency, deal.owner, str(deal.amount)) == ("Globex", "USD", seller, "5000.50")
    response = client.post(url(), {"name": "Initech", "buyer_company": "Initech", "owner": other_seller.email},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["owner"] == other_seller.email


@pytest.mark.parametrize(("body", "field"), [
    ({"buyer_company": "X"}, "name"),
    ({"name": "X", "buyer_company": "X", "currency": "EURO"}, "currency"),
    ({"name": "X", "buyer_company": "X", "currency": "XYZ"}, "currency"),
    ({"name": "X", "buyer_company": "X", "amount": "-1"}, "amount"),
    ({"name": "X", "buyer_company": "X", "amount": "1e400"}, "amount"),
    ({"name": "X", "buyer_company": "X", "target_close_date": "9999-12-31"}, "target_close_date"),
    ({"name": "X", "buyer_company": "X", "owner": "rita@rival.example"}, "owner"),
    ({"name": "X", "buyer_company": "X", "stage": "won"}, "stage"),
    ({"name": "X" * 201, "buyer_company": "X"}, "name"),
])
def test_bad_input_answers_400_by_field_and_creates_nothing(client, seller, outsider, body, field):
    client.force_login(seller)
    response = client.post(url(), body, content_type="application/json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Deal.objects.filter(organization=seller.memberships.get().organization).exists()


def test_editing_needs_the_version_and_a_stale_one_answers_409_with_the_current_deal(client, seller, deals):
    client.force_login(seller)
    deal = deals["own"]
    response = client.patch(url(deal), {"name": "Northwind EU"}, content_type="application/json")
    assert response.status_code == 400 and "version" in response.json()
    response = client.patch(url(deal), {"name": "Northwind EU", "version": deal.version},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["name"] == "Northwind EU"
    assert response.json()["version"] == deal.version + 1
    stale = client.patch(url(deal), {"name": "Lost edit", "version": deal.version}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version" and stale.json()["current"]["name"] == "Northwind EU"
    deal.refresh_from_db()
    assert deal.name == "Northwind EU"


def test_winning_a_deal_closes_it_and_deals_are_never_deleted(client, seller, deals):
    client.force_login(seller)
    deal = deals["own"]
    response = client.patch(url(deal), {"outcome": "won", "version": deal.version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["closed_at"] is not None
    assert client.delete(url(deal)).status_code == 405
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_a_token_reads_and_writes_deals_like_the_session(client, seller, deals):
    from mapapp import api_tokens

    _row, token = api_tokens.api_token_create(membership=seller.memberships.get(), name="CRM")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert sorted(names(client.get(url(), **auth))) == ["Contoso", "Northwind"]
    deal = deals["shared"]
    response = client.patch(url(deal), {"stage": "negotiation", "version": deal.version},
                            content_type="application/json", **auth)
    assert response.status_code == 200 and response.json()["stage"] == "negotiation"
    assert client.get(url(deals["hidden"]), **auth).status_code == 404


def test_stakeholders_of_a_deal_listed_created_edited_and_removed(client, seller, deals, outsider):
    from deals.models import Stakeholder

    client.force_login(seller)
    deal = deals["own"]
    people = reverse("api:deal-stakeholders", kwargs={"deal_id": deal.public_id})
    response = client.post(people, {"name": " Sarah Chen ", "side": "buyer", "email": "Sarah@Meridian.example",
                                    "decision_role": "champion", "timezone": "Asia/Jakarta", "language": "id"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "deal", "side", "name", "title", "email", "phone", "decision_role", "availability", "timezone",
            "language"} <= set(body)
    person = Stakeholder.objects.get(public_id=body["id"])
    assert (person.name, person.email, person.timezone) == ("Sarah Chen", "sarah@meridian.example", "Asia/Jakarta")
    assert [p["name"] for p in client.get(people).json()["results"]] == ["Sarah Chen"]
    for bad in ({"name": "  "}, {"name": "x", "email": "not-mail"}, {"name": "x", "timezone": "Mars/Base"},
                {"name": "x", "side": "joint"}, {"name": "x", "decision_role": "boss"}, {"name": "x", "language": "xx"}):
        response = client.post(people, bad, content_type="application/json")
        assert response.status_code == 400, (bad, response.content)
    one = reverse("api:stakeholder-detail", kwargs={"stakeholder_id": person.public_id})
    response = client.patch(one, {"title": "COO", "version": person.version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == "COO"
    stale = client.patch(one, {"title": "CFO", "version": person.version}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current"]["title"] == "COO"
    client.force_login(outsider)
    assert client.get(one).status_code == 404 and client.get(people).status_code == 404
    assert client.delete(one).status_code == 404
    client.force_login(seller)
    assert client.delete(one).status_code == 204 and not Stakeholder.objects.filter(pk=person.pk).exists()
