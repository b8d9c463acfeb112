"""POST /api/v1/stakeholders/{id}/invite/: a magic link for a buyer-side stakeholder, by API."""

import hashlib

import pytest
from django.core import mail
from django.urls import reverse

from deals.models import Side
from plans.models import RoomLink
from tests import factories
from tests.test_isolation import open_room_of_other_deal


def invite_url(stakeholder) -> str:
    return reverse("api:stakeholder-invite", kwargs={"stakeholder_id": stakeholder.public_id})


def test_the_seller_invites_a_buyer_and_gets_the_link_and_its_expiry(
    seller_client, plan, buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(invite_url(buyer), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"url", "expires_at"}
    token = body["url"].rstrip("/").rsplit("/", 1)[1]
    link = RoomLink.objects.get(stakeholder=buyer)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert body["expires_at"].startswith(link.expires_at.strftime("%Y-%m-%dT%H:%M"))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [buyer.email]
    assert body["url"] in mail.outbox[0].body


def test_a_seller_side_person_or_one_without_e_mail_is_refused_with_a_reason(seller_client, plan, deal):
    colleague = factories.StakeholderFactory(deal=deal, side=Side.SELLER)
    no_mail = factories.StakeholderFactory(deal=deal, email="")
    for stakeholder, code in ((colleague, "not_buyer"), (no_mail, "no_email")):
        response = seller_client.post(invite_url(stakeholder), content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == code and response.json()["detail"]
    assert not RoomLink.objects.exists() and not mail.outbox


def test_without_a_plan_the_invite_says_so(seller_client, deal):
    stakeholder = factories.StakeholderFactory(deal=deal)
    response = seller_client.post(invite_url(stakeholder), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "no_plan"


@pytest.mark.parametrize("who", ["outsider", "other_seller"])
def test_someone_who_may_not_see_the_deal_gets_404(client, plan, buyer, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.post(invite_url(buyer), content_type="application/json").status_code == 404
    assert not RoomLink.objects.exists()


def test_anonymous_callers_are_refused_and_buyer_sessions_get_404(client, plan, buyer, org, other_seller):
    assert client.post(invite_url(buyer), content_type="application/json").status_code == 401
    open_room_of_other_deal(client, org, other_seller)
    assert client.post(invite_url(buyer), content_type="application/json").status_code == 404
    assert client.get(reverse("api:schema")).status_code == 404
    assert RoomLink.objects.filter(stakeholder=buyer).count() == 0


def test_the_schema_documents_the_route(client):
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/stakeholders/{stakeholder_id}/invite/" in text, schema
    assert client.get(reverse("api:docs")).status_code == 200
