"""Magic links to the deal room: token hygiene, the exchange, revocation, rate limits."""

import datetime
import hashlib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
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
