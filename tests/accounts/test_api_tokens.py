"""Personal API tokens: made on their page and shown once, stored only as a hash, accepted as
`Authorization: Bearer …` in their own organization only, refused once revoked or once their
user left the organization; requests past the rate answer 429."""

import hashlib
import re

import pytest
from django.urls import reverse

from mapapp import api_tokens
from mapapp.models import ApiToken, Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def make_token(user, name="CRM sync") -> str:
    membership = Membership.objects.get(user=user)
    return api_tokens.api_token_create(membership=membership, name=name)[1]


def test_the_page_shows_a_new_token_once_and_stores_only_its_hash(client, seller):
    client.force_login(seller)
    response = client.post(reverse("api-tokens"), {"name": "CRM sync"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = re.search(r'id="new-token">(mapapp_[\w-]+)<', response.content.decode()).group(1)
    row = ApiToken.objects.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(ApiToken.objects.values()))
    assert row.prefix == token[:12] and row.name == "CRM sync" and row.user == seller
    # Shown once: the list shows its name and first characters, never the token.
    page = client.get(reverse("api-tokens")).content.decode()
    assert "CRM sync" in page and token[:12] in page and token not in page


def test_a_token_needs_a_name_and_the_page_says_so(client, seller):
    client.force_login(seller)
    response = client.post(reverse("api-tokens"), {"name": "   "})
    assert response.status_code == 400 and not ApiToken.objects.exists()
    assert "This field is required." in response.content.decode()


def test_a_member_may_hold_only_so_many_active_tokens(seller):
    membership = Membership.objects.get(user=seller)
    for i in range(api_tokens.MAX_ACTIVE):
        api_tokens.api_token_create(membership=membership, name=f"t{i}")
    with pytest.raises(Exception, match="active tokens"):
        api_tokens.api_token_create(membership=membership, name="one more")


def test_a_token_opens_the_api_as_its_user_in_its_organization(client, seller, plan, outsider):
    foreign = factories.PlanFactory(deal=factories.DealFactory(
        organization=outsider.memberships.get().organization, owner=outsider))
    token = make_token(seller)
    response = client.get(reverse("api:plan-list"), **bearer(token))
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [str(plan.public_id)]
    assert client.get(reverse("api:plan-detail", kwargs={"plan_id": foreign.public_id}),
                      **bearer(token)).status_code == 404
    assert ApiToken.objects.get().last_used_at is not None


def test_a_token_is_not_a_session_and_needs_no_csrf_token(client, seller, plan):
    token = make_token(seller)
    client.logout()
    response = client.post(reverse("api:plan-exports", kwargs={"plan_id": plan.public_id}), {"audience": "buyer"},
                           content_type="application/json", **bearer(token))
    assert response.status_code in (201, 202)
    # The same request without the token: no session, no API.
    response = client.post(reverse("api:plan-exports", kwargs={"plan_id": plan.public_id}), {"audience": "buyer"},
                           content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("header", ["Bearer mapapp_not-a-token", "Bearer", "Bearer a b", "Bearer " + "x" * 300])
def test_a_bad_token_answers_401_with_the_scheme(client, seller, header):
    response = client.get(reverse("api:plan-list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_at_once(client, seller):
    token = make_token(seller)
    client.force_login(seller)
    row = ApiToken.objects.get()
    response = client.post(reverse("api-token-revoke", kwargs={"apitoken_id": row.public_id}))
    assert response.status_code == 302
    client.logout()
    assert client.get(reverse("api:plan-list"), **bearer(token)).status_code == 401
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_a_token_of_someone_who_left_the_organization_is_refused(client, seller):
    token = make_token(seller)
    Membership.objects.filter(user=seller).delete()
    assert client.get(reverse("api:plan-list"), **bearer(token)).status_code == 401


def test_a_token_keeps_to_its_organization_when_its_user_is_in_two(client, seller, outsider, plan):
    rival_org = outsider.memberships.get().organization
    Membership.objects.create(organization=rival_org, user=seller, role=Role.ADMIN)
    rival_plan = factories.PlanFactory(deal=factories.DealFactory(organization=rival_org, owner=outsider))
    token = api_tokens.api_token_create(
        membership=Membership.objects.get(user=seller, organization=plan.organization), name="ours")[1]
    ids = [p["id"] for p in client.get(reverse("api:plan-list"), **bearer(token)).json()["results"]]
    assert ids == [str(plan.public_id)] and str(rival_plan.public_id) not in ids


def test_someone_elses_token_cannot_be_revoked_and_answers_404(client, seller, other_seller, outsider):
    make_token(other_seller)
    row = ApiToken.objects.get()
    for user in (seller, outsider):
        client.force_login(user)
        assert client.post(reverse("api-token-revoke", kwargs={"apitoken_id": row.public_id})).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_requests_past_the_rate_answer_429_with_retry_after(client, seller, settings):
    settings.API_RATE_PER_MINUTE = 3
    token = make_token(seller)
    codes = [client.get(reverse("api:plan-list"), **bearer(token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(reverse("api:plan-list"), **bearer(token))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_the_schema_documents_bearer_tokens(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"bearerAuth": []} in schema["paths"]["/api/v1/plans/"]["get"]["security"]
