"""Magic links to the deal room: token hygiene, the exchange, revocation, rate limits."""

import datetime
import hashlib

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deals.models import Side
from plans import room_access
from plans.activity import Actor
from plans.models import Activity, RoomLink
from tests import factories


@pytest.fixture
def invite(plan, buyer, seller, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    return link, url


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_only_the_hash_of_the_token_is_stored(invite):
    link, url = invite
    token = token_of(url)
    assert len(token) >= 43  # 32 random bytes, base64url
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    for row in RoomLink.objects.values():
        assert token not in str(row)


def test_the_link_expires_after_the_organizations_days(org, plan, buyer, seller):
    org.room_link_days = 3
    org.save()
    buyer.refresh_from_db()
    link, _url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    assert abs(link.expires_at - (timezone.now() + datetime.timedelta(days=3))) < datetime.timedelta(minutes=1)


def test_the_invite_email_contains_the_link_and_its_expiry(invite, buyer):
    link, url = invite
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [buyer.email]
    assert url in message.body
    html = message.alternatives[0][0]
    assert url in html
    expiry = link.expires_at.strftime("%Y")
    assert expiry in message.body and expiry in html
    assert "expires on" in message.body


def test_invite_records_an_internal_activity(invite, plan):
    activity = Activity.objects.get(plan=plan, verb="invited")
    assert activity.internal and activity.target_label == "Sarah Chen"


def test_only_buyer_side_people_with_an_email_are_invited(plan, deal, seller):
    seller_side = factories.StakeholderFactory(deal=deal, side=Side.SELLER)
    no_email = factories.StakeholderFactory(deal=deal, email="")
    for person in (seller_side, no_email):
        with pytest.raises(ValidationError):
            room_access.buyer_invite(stakeholder=person, invited_by=seller)
    assert not RoomLink.objects.exists()


def test_exchange_accepts_a_valid_token_and_stamps_the_visit(invite):
    link, url = invite
    used = room_access.link_exchange(token=token_of(url))
    assert used.pk == link.pk and used.last_used_at is not None


@pytest.mark.parametrize("case", ["expired", "revoked", "tampered", "unknown"])
def test_exchange_refuses_bad_tokens(invite, case, buyer, seller):
    link, url = invite
    token = token_of(url)
    if case == "expired":
        RoomLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif case == "revoked":
        room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    elif case == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    else:
        token = "x" * 43
    with pytest.raises(ValidationError):
        room_access.link_exchange(token=token)


def test_revoke_revokes_every_link_of_the_person(plan, buyer, seller):
    room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    assert room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller)) == 2
    assert not RoomLink.objects.usable().exists()
    assert Activity.objects.filter(plan=plan, verb="revoked", internal=True).count() == 1


def test_fresh_link_goes_only_to_an_invited_buyer_of_that_room(invite, plan, buyer, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        room_access.fresh_link_request(email="nobody@example.com", plan_id=plan.public_id)
        room_access.fresh_link_request(email=buyer.email, plan_id=factories.PlanFactory().public_id)
        room_access.fresh_link_request(email=buyer.email.upper(), plan_id=plan.public_id)
    assert [m.to for m in mail.outbox] == [[buyer.email]]
    assert RoomLink.objects.filter(stakeholder=buyer).count() == 2


def test_a_revoked_buyer_gets_no_fresh_link(invite, plan, buyer, seller, django_capture_on_commit_callbacks):
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        room_access.fresh_link_request(email=buyer.email, plan_id=plan.public_id)
    assert mail.outbox == []


# The link in the browser ---------------------------------------------------------------------

def link_path(url: str) -> str:
    return url.removeprefix(settings.SITE_URL)


def test_opening_the_link_shows_the_deal_and_signs_nobody_in(client, invite, deal, plan):
    link, url = invite
    response = client.get(link_path(url))
    assert response.status_code == 200
    html = response.content.decode()
    assert deal.name in html and "Open deal room" in html
    assert response["Referrer-Policy"] == "no-referrer"
    # In the document, same-origin (never no-referrer: its `Origin: null` fails the button's CSRF
    # check, see plans.room._private): the token's URL is never sent to another site.
    assert '<meta name="referrer" content="same-origin">' in html and 'content="no-referrer"' not in html
    assert room_access.SESSION_KEY not in client.session
    link.refresh_from_db()
    assert link.last_used_at is None
    assert client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).status_code == 404


def test_pressing_the_button_opens_the_room_at_a_url_without_the_token(client, invite, plan):
    link, url = invite
    token = token_of(url)
    response = client.post(link_path(url), follow=True)
    assert response.status_code == 200
    final_url, _status = response.redirect_chain[-1]
    assert final_url == reverse("plans:room", kwargs={"plan_id": plan.public_id})
    assert token not in final_url
    assert token not in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.session[room_access.SESSION_KEY] == link.pk
    assert plan.title in response.content.decode()


def test_the_session_key_changes_when_the_room_opens(client, invite):
    _link, url = invite
    client.get(link_path(url))
    before = client.session.session_key
    client.post(link_path(url))
    assert client.session.session_key != before


@pytest.mark.parametrize("case", ["expired", "revoked", "tampered"])
def test_bad_links_show_a_clear_page_and_open_nothing(client, invite, case, buyer, seller, plan):
    link, url = invite
    path = link_path(url)
    if case == "expired":
        RoomLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif case == "revoked":
        room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    else:
        path = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code in (404, 410)
        assert "Send me a fresh link" in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"
    assert room_access.SESSION_KEY not in client.session


def test_a_link_of_another_room_does_not_open_this_room(client, invite, org, plan, seller):
    other_plan = factories.PlanFactory(deal=factories.DealFactory(organization=org, owner=seller))
    other_buyer = factories.StakeholderFactory(deal=other_plan.deal)
    _other_link, other_url = room_access.buyer_invite(stakeholder=other_buyer, invited_by=seller)
    client.post(link_path(other_url))
    assert client.get(reverse("plans:room", kwargs={"plan_id": other_plan.public_id})).status_code == 200
    assert client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).status_code == 404


def test_revoking_ends_an_open_session_on_its_next_request(client, invite, plan, buyer, seller):
    _link, url = invite
    client.post(link_path(url))
    room_url = reverse("plans:room", kwargs={"plan_id": plan.public_id})
    assert client.get(room_url).status_code == 200
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    # The session's own room says the link is dead (and offers a fresh one); nothing of the plan.
    response = client.get(room_url)
    assert response.status_code == 410
    assert "This link has been withdrawn." in response.content.decode()
    assert plan.title not in response.content.decode()


def test_expiry_ends_an_open_session(client, invite, plan):
    link, url = invite
    client.post(link_path(url))
    RoomLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id}))
    assert response.status_code == 410 and "This link has expired." in response.content.decode()


def test_link_attempts_are_rate_limited_per_ip(client, db, monkeypatch):
    monkeypatch.setattr(room_access, "LINK_ATTEMPTS_PER_IP", (3, 60))
    statuses = [client.get(reverse("plans:room-link", kwargs={"token": f"guess{i}"})).status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]
    response = client.post(reverse("plans:room-link", kwargs={"token": "guess9"}))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_link_attempts_are_rate_limited_per_link(client, invite, monkeypatch):
    monkeypatch.setattr(room_access, "LINK_ATTEMPTS_PER_LINK", (2, 60))
    _link, url = invite
    statuses = []
    for i in range(3):
        statuses.append(client.get(link_path(url), REMOTE_ADDR=f"10.0.0.{i}").status_code)
    assert statuses == [200, 200, 429]


def _fresh(client, email, room, ip="127.0.0.1"):
    return client.post(reverse("plans:room-fresh-link"), {"email": email, "room": room}, REMOTE_ADDR=ip)


def test_fresh_link_answers_the_same_for_known_and_unknown_input(
    client, invite, plan, buyer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        known = _fresh(client, buyer.email, str(plan.public_id), ip="10.0.0.1")
        unknown_email = _fresh(client, "stranger@example.com", str(plan.public_id), ip="10.0.0.2")
        unknown_room = _fresh(client, buyer.email, "not-a-room", ip="10.0.0.3")
    assert known.status_code == unknown_email.status_code == unknown_room.status_code == 200
    assert known.content == unknown_email.content == unknown_room.content
    assert known["Referrer-Policy"] == "no-referrer"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [buyer.email]


def test_fresh_link_requests_are_rate_limited_per_address_and_per_ip(client, invite, plan, buyer, monkeypatch):
    monkeypatch.setattr(room_access, "FRESH_LINKS_PER_ADDRESS", (2, 60))
    monkeypatch.setattr(room_access, "FRESH_LINKS_PER_IP", (3, 60))
    by_address = [_fresh(client, buyer.email, str(plan.public_id), ip=f"10.1.0.{i}").status_code for i in range(3)]
    assert by_address == [200, 200, 429]
    by_ip = [_fresh(client, f"x{i}@example.com", "", ip="10.2.0.1").status_code for i in range(4)]
    assert by_ip == [200, 200, 200, 429]


def test_the_expired_link_page_offers_a_fresh_link_that_arrives(
    client, invite, plan, buyer, django_capture_on_commit_callbacks
):
    link, url = invite
    RoomLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    page = client.get(link_path(url))
    assert page.status_code == 410
    assert str(plan.public_id) in page.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _fresh(client, buyer.email, str(plan.public_id))
    assert len(mail.outbox) == 1
    new_url = next(line for line in mail.outbox[0].body.splitlines() if "/r/" in line).strip()
    assert client.post(link_path(new_url)).status_code == 302


# The seller's buttons ------------------------------------------------------------------------

def test_the_plan_page_offers_invite_and_revoke_for_buyers_with_an_email(seller_client, plan, buyer, deal):
    seller_side = factories.StakeholderFactory(deal=deal, side=Side.SELLER)
    html = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    invite_url = reverse("deals:stakeholder-invite", kwargs={"stakeholder_id": buyer.public_id})
    assert invite_url in html
    assert reverse("deals:stakeholder-revoke", kwargs={"stakeholder_id": buyer.public_id}) in html
    assert reverse("deals:stakeholder-invite", kwargs={"stakeholder_id": seller_side.public_id}) not in html


def test_the_seller_invites_a_buyer_with_htmx_and_sees_the_expiry(
    seller_client, plan, buyer, django_capture_on_commit_callbacks
):
    url = reverse("deals:stakeholder-invite", kwargs={"stakeholder_id": buyer.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    link = RoomLink.objects.get(stakeholder=buyer)
    html = response.content.decode()
    assert "was sent a link to the deal room" in html
    assert str(link.expires_at.year) in html and 'id="stakeholders"' in html
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [buyer.email]


def test_inviting_without_js_redirects_back_to_the_plan(seller_client, plan, buyer):
    url = reverse("deals:stakeholder-invite", kwargs={"stakeholder_id": buyer.public_id})
    response = seller_client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("plans:detail", kwargs={"plan_id": plan.public_id}))
    assert seller_client.get(url).status_code == 405


def test_inviting_a_person_without_an_email_says_why(seller_client, plan, deal):
    person = factories.StakeholderFactory(deal=deal, email="", name="No Mail")
    url = reverse("deals:stakeholder-invite", kwargs={"stakeholder_id": person.public_id})
    response = seller_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "has no e-mail address" in response.content.decode()
    assert not RoomLink.objects.exists()


def test_the_sellers_revoke_button_ends_the_buyers_open_session(seller_client, client, plan, buyer, seller):
    from django.test import Client

    buyer_browser = Client()
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    buyer_browser.post(link_path(url))
    room_url = reverse("plans:room", kwargs={"plan_id": plan.public_id})
    assert buyer_browser.get(room_url).status_code == 200
    response = seller_client.post(
        reverse("deals:stakeholder-revoke", kwargs={"stakeholder_id": buyer.public_id}), HTTP_HX_REQUEST="true"
    )
    assert "no longer has access" in response.content.decode()
    assert buyer_browser.get(room_url).status_code == 410  # the dead-link page, not the room


def test_the_plan_page_shows_until_when_a_buyers_link_works_and_not_after_revoking(seller_client, plan, buyer, seller):
    _link, _url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    page = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    assert "Room link until" in seller_client.get(page).content.decode()
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    assert "Room link until" not in seller_client.get(page).content.decode()
