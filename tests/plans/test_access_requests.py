"""Access requests from forwarded links: the visitor's form, identical answers, duplicates, rate
limits, approval by the seller or the buyer's champion, decline, self-service by e-mail domain."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deals.models import DecisionRole, Side, Stakeholder
from plans import access_requests, room_access
from plans.activity import Actor
from plans.models import AccessRequest, AccessRequestStatus, Activity, RoomLink
from tests import factories
from tests.plans.test_room import open_room, room_url

FORM = {"name": "Lee Park", "email": "lee.park@meridianfreight.com", "title": "Security lead"}


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def token(plan, buyer, seller):
    """The champion's link, as forwarded to a colleague."""
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    mail.outbox.clear()
    return token_of(url)


def request_url(token: str) -> str:
    return reverse("plans:room-request-access", kwargs={"token": token})


def ask(client, token, capture, **data):
    with capture(execute=True):
        return client.post(request_url(token), {**FORM, **data})


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+/r/[\w-]+/", message.body)


# The visitor ---------------------------------------------------------------------------------

def test_the_link_page_offers_a_discreet_request_of_ones_own(client, token, buyer):
    html = client.get(reverse("plans:room-link", kwargs={"token": token})).content.decode()
    assert f"Not {buyer.name}?" in html
    assert request_url(token) in html


def test_a_dead_link_page_offers_to_request_access(client, token, buyer, seller):
    room_access.buyer_revoke(stakeholder=buyer, actor=Actor(user=seller))
    response = client.get(reverse("plans:room-link", kwargs={"token": token}))
    assert response.status_code == 410
    assert request_url(token) in response.content.decode()


def test_an_unknown_link_offers_no_request_form(client, db):
    response = client.get(reverse("plans:room-link", kwargs={"token": "nope" * 10}))
    assert response.status_code == 404 and "request-access" not in response.content.decode()
    assert client.get(request_url("nope" * 10)).status_code == 404


def test_a_colleague_requests_access_from_a_forwarded_link(
    client, token, plan, buyer, seller, django_capture_on_commit_callbacks
):
    response = ask(client, token, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "Request sent" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    request = AccessRequest.objects.get(plan=plan)
    assert (request.name, request.email, request.title, request.status, request.via) == (
        "Lee Park", "lee.park@meridianfreight.com", "Security lead", AccessRequestStatus.PENDING, buyer,
    )
    assert request.organization_id == plan.organization_id
    # Nobody got a link: only the owner and the champion were told.
    assert not Stakeholder.objects.filter(email="lee.park@meridianfreight.com").exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([seller.email, buyer.email])
    seller_mail = next(m for m in mail.outbox if m.to == [seller.email])
    assert "Lee Park" in seller_mail.subject and reverse("plans:detail", kwargs={"plan_id": plan.public_id}) in seller_mail.body
    assert not any(links_in(m) for m in mail.outbox)


def test_the_answer_is_the_same_whatever_happens(
    client, token, plan, buyer, seller, deal, django_capture_on_commit_callbacks
):
    deal.buyer_email_domains = ["meridianfreight.com"]
    deal.save()
    answers = [
        ask(client, token, django_capture_on_commit_callbacks, email="a@elsewhere.example").content,  # pending
        ask(client, token, django_capture_on_commit_callbacks, email="a@elsewhere.example").content,  # duplicate
        ask(client, token, django_capture_on_commit_callbacks).content,  # self-service
        ask(client, token, django_capture_on_commit_callbacks, email=buyer.email).content,  # already a stakeholder
        ask(client, "unknown" * 8, django_capture_on_commit_callbacks, email="b@elsewhere.example").content,
    ]
    assert all(answer == answers[0] for answer in answers)


def test_bad_input_is_refused_with_a_message_and_stores_nothing(client, token, plan):
    response = client.post(request_url(token), {"name": " ", "email": "not-an-address"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a valid email address." in html and "This field is required." in html
    assert not AccessRequest.objects.exists()


def test_a_second_pending_request_for_the_same_address_is_not_a_duplicate(
    client, token, plan, seller, django_capture_on_commit_callbacks
):
    ask(client, token, django_capture_on_commit_callbacks)
    told = len(mail.outbox)
    ask(client, token, django_capture_on_commit_callbacks, email=FORM["email"].upper(), name="Lee P.")
    assert AccessRequest.objects.filter(plan=plan).count() == 1
    assert len(mail.outbox) == told  # nobody is told twice


def test_requests_are_rate_limited_per_address_and_per_ip(client, token, plan):
    limit = access_requests.REQUESTS_PER_ADDRESS[0]
    for _ in range(limit):
        assert client.post(request_url(token), FORM).status_code == 200
    response = client.post(request_url(token), FORM)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    for n in range(access_requests.REQUESTS_PER_IP[0] - limit):
        client.post(request_url(token), {**FORM, "email": f"p{n}@example.org"})
    assert client.post(request_url(token), {**FORM, "email": "fresh@example.org"}).status_code == 429
    assert not AccessRequest.objects.filter(email="fresh@example.org").exists()


def test_requester_text_is_escaped_in_pages_and_mails(
    client, seller_client, token, plan, buyer, seller, django_capture_on_commit_callbacks
):
    evil = '<img src=x onerror="alert(1)">'
    ask(client, token, django_capture_on_commit_callbacks, name=evil, title="<script>alert(2)</script>")
    html = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<script>alert(2)" not in html
    request = AccessRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(reverse("plans:access-request-approve", kwargs={"accessrequest_id": request.public_id}))
    assert len(mail.outbox) == 3  # two notices and the requester's link
    for message in mail.outbox:
        body = message.alternatives[0][0]
        assert "<img src=x" not in body and "<script>alert(2)" not in body and "&lt;img" in body
    assert "\n" not in mail.outbox[0].subject


# The seller decides ----------------------------------------------------------------------------

def test_the_seller_sees_pending_requests_and_approves_one(
    client, seller_client, token, plan, buyer, seller, deal, django_capture_on_commit_callbacks
):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    page = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    html = seller_client.get(page).content.decode()
    assert 'id="access-requests"' in html and "Lee Park" in html and f"via the link of {buyer.name}" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(reverse("plans:access-request-approve", kwargs={"accessrequest_id": request.public_id}))
    assert response.status_code == 302 and response["Location"].endswith("#access-requests")
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.APPROVED
    assert request.decided_by_user == seller and request.decided_at is not None
    newcomer = request.stakeholder
    assert (newcomer.side, newcomer.name, newcomer.title, newcomer.email, newcomer.deal_id) == (
        Side.BUYER, "Lee Park", "Security lead", "lee.park@meridianfreight.com", deal.pk,
    )
    [message] = mail.outbox
    assert message.to == ["lee.park@meridianfreight.com"]
    assert "Sam Seller approved your request to join the deal room" in message.body  # the requester is told
    [url] = links_in(message)
    link = RoomLink.objects.get(stakeholder=newcomer)
    assert link.token_hash == room_access.token_hash(token_of(url)) and token_of(url) not in link.token_hash
    assert Activity.objects.filter(plan=plan, verb="access_approved", actor_user=seller).exists()
    # The newcomer is on the buyer side, the panel is empty now, and the new link opens the room.
    html = seller_client.get(page).content.decode()
    assert "is in: their own link is on its way" in html
    assert f'id="stakeholder-{newcomer.public_id}"' in html and 'id="access-requests"' not in html
    other = client.__class__()
    assert other.post(reverse("plans:room-link", kwargs={"token": token_of(url)})).status_code == 302
    assert other.get(room_url(plan)).status_code == 200


def test_approving_reuses_the_buyer_stakeholder_with_that_address(
    client, seller_client, token, plan, deal, django_capture_on_commit_callbacks
):
    known = factories.StakeholderFactory(deal=deal, name="Lee Park", email="lee.park@meridianfreight.com",
                                         decision_role=DecisionRole.TECHNICAL_EVALUATOR)
    ask(client, token, django_capture_on_commit_callbacks, email="Lee.Park@MeridianFreight.com")
    request = AccessRequest.objects.get()
    seller_client.post(reverse("plans:access-request-approve", kwargs={"accessrequest_id": request.public_id}))
    request.refresh_from_db()
    assert request.stakeholder == known
    assert Stakeholder.objects.filter(deal=deal, email__iexact=known.email).count() == 1


def test_the_seller_declines_quietly(
    client, seller_client, token, plan, seller, django_capture_on_commit_callbacks
):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(reverse("plans:access-request-decline", kwargs={"accessrequest_id": request.public_id}))
    request.refresh_from_db()
    assert (request.status, request.decided_by_user, request.stakeholder) == (AccessRequestStatus.DECLINED, seller, None)
    assert request.decided_at is not None
    assert mail.outbox == []
    assert not Stakeholder.objects.filter(email=FORM["email"]).exists()
    assert Activity.objects.filter(plan=plan, verb="access_declined", target_label="Lee Park").exists()


def test_a_request_is_answered_once(client, token, plan, seller, django_capture_on_commit_callbacks):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    access_requests.access_request_decline(access_request=request, actor=Actor(user=seller))
    with pytest.raises(ValidationError):
        access_requests.access_request_approve(access_request=request, actor=Actor(user=seller))
    assert not Stakeholder.objects.filter(email=FORM["email"]).exists()


def test_sellers_who_may_not_see_the_deal_get_404(client, token, plan, other_seller, outsider,
                                                  django_capture_on_commit_callbacks):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    for user in (other_seller, outsider):
        client.force_login(user)
        for name in ("plans:access-request-approve", "plans:access-request-decline"):
            assert client.post(reverse(name, kwargs={"accessrequest_id": request.public_id})).status_code == 404
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING


# The champion decides in the room ------------------------------------------------------------------

def test_the_champion_sees_requests_in_the_room_and_approves(
    client, token, plan, buyer, seller, django_capture_on_commit_callbacks
):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    champion = client.__class__()
    open_room(champion, buyer, seller)
    html = champion.get(room_url(plan)).content.decode()
    assert 'id="access-requests"' in html and "Lee Park" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = champion.post(
            reverse("plans:room-access-request-approve", kwargs={"accessrequest_id": request.public_id})
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.APPROVED
    assert request.decided_by_stakeholder == buyer and request.decided_by_user is None
    assert [m.to for m in mail.outbox] == [[FORM["email"]]]
    assert "Sarah Chen approved your request" in mail.outbox[0].body
    assert "Sarah Chen approved your request" in mail.outbox[0].alternatives[0][0]
    assert "is in: their own link is on its way" in champion.get(room_url(plan)).content.decode()


def test_the_champion_declines_in_the_room(client, token, plan, buyer, seller, django_capture_on_commit_callbacks):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    champion = client.__class__()
    open_room(champion, buyer, seller)
    champion.post(reverse("plans:room-access-request-decline", kwargs={"accessrequest_id": request.public_id}))
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.DECLINED and request.decided_by_stakeholder == buyer


def test_a_buyer_who_is_not_the_champion_sees_no_requests_and_gets_404(
    client, token, plan, deal, seller, django_capture_on_commit_callbacks
):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    evaluator = factories.StakeholderFactory(deal=deal, decision_role=DecisionRole.TECHNICAL_EVALUATOR)
    other = client.__class__()
    open_room(other, evaluator, seller)
    assert 'id="access-requests"' not in other.get(room_url(plan)).content.decode()
    for name in ("plans:room-access-request-approve", "plans:room-access-request-decline"):
        assert other.post(reverse(name, kwargs={"accessrequest_id": request.public_id})).status_code == 404
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING


def test_the_champion_of_another_deal_gets_404(client, token, org, other_seller, plan,
                                               django_capture_on_commit_callbacks):
    ask(client, token, django_capture_on_commit_callbacks)
    request = AccessRequest.objects.get()
    other_deal = factories.DealFactory(organization=org, owner=other_seller)
    factories.PlanFactory(deal=other_deal, organization=org)
    champion = factories.StakeholderFactory(deal=other_deal)
    other = client.__class__()
    open_room(other, champion, other_seller)
    url = reverse("plans:room-access-request-approve", kwargs={"accessrequest_id": request.public_id})
    assert other.post(url).status_code == 404
    assert AccessRequest.objects.get().status == AccessRequestStatus.PENDING


# Self-service by e-mail domain -------------------------------------------------------------------

def test_an_address_at_a_listed_domain_gets_its_own_link_at_once(
    client, token, plan, deal, buyer, seller, django_capture_on_commit_callbacks
):
    deal.buyer_email_domains = ["meridianfreight.com"]
    deal.save()
    ask(client, token, django_capture_on_commit_callbacks, email="Lee.Park@MeridianFreight.COM")
    request = AccessRequest.objects.get()
    assert request.status == AccessRequestStatus.APPROVED
    assert request.decided_at is not None and request.decided_by_user is None and request.decided_by_stakeholder is None
    newcomer = request.stakeholder
    assert newcomer.email == "lee.park@meridianfreight.com" and newcomer.side == Side.BUYER
    link_mails = [m for m in mail.outbox if links_in(m)]
    assert [m.to for m in link_mails] == [["lee.park@meridianfreight.com"]]  # that address only
    assert "at one of the buyer's domains listed for this deal" in link_mails[0].body
    notices = {m.to[0]: m for m in mail.outbox if not links_in(m)}
    assert set(notices) == {seller.email, buyer.email} and "self-service" in notices[seller.email].body
    assert Activity.objects.filter(plan=plan, verb="access_self_service").exists()


def test_self_service_is_exact_domain_only(client, token, plan, deal, django_capture_on_commit_callbacks):
    deal.buyer_email_domains = ["meridianfreight.com"]
    deal.save()
    for email in ("a@eu.meridianfreight.com", "b@meridianfreight.com.evil.example", "c@evilmeridianfreight.com"):
        ask(client, token, django_capture_on_commit_callbacks, email=email)
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {AccessRequestStatus.PENDING}
    assert not RoomLink.objects.filter(stakeholder__email__endswith="meridianfreight.com").exists()


def test_a_revoked_person_does_not_get_back_in_by_self_service(
    client, token, plan, deal, seller, django_capture_on_commit_callbacks
):
    gone = factories.StakeholderFactory(deal=deal, email="gone@meridianfreight.com")
    room_access.buyer_invite(stakeholder=gone, invited_by=seller)
    room_access.buyer_revoke(stakeholder=gone, actor=Actor(user=seller))
    deal.buyer_email_domains = ["meridianfreight.com"]
    deal.save()
    ask(client, token, django_capture_on_commit_callbacks, email="gone@meridianfreight.com")
    assert AccessRequest.objects.get().status == AccessRequestStatus.PENDING
    assert not RoomLink.objects.usable().filter(stakeholder=gone).exists()


def test_an_expired_forwarded_link_still_works_for_self_service(
    client, token, plan, deal, buyer, django_capture_on_commit_callbacks
):
    RoomLink.objects.filter(stakeholder=buyer).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    deal.buyer_email_domains = ["meridianfreight.com"]
    deal.save()
    ask(client, token, django_capture_on_commit_callbacks)
    assert AccessRequest.objects.get().status == AccessRequestStatus.APPROVED


@pytest.mark.parametrize("typed, stored", [
    ("MeridianFreight.com\n@meridian.co.uk, meridianfreight.com", ["meridianfreight.com", "meridian.co.uk"]),
    ("", []),
])
def test_domains_are_cleaned(typed, stored):
    assert access_requests.clean_email_domains(typed) == stored


@pytest.mark.parametrize("typed, message", [
    ("gmail.com", "free e-mail service"),
    ("meridianfreight.com Outlook.com", "free e-mail service"),
    ("not a domain!", "is not a domain name"),
    ("-bad.com", "is not a domain name"),
    ("localhost", "is not a domain name"),
    (" ".join(f"d{n}.example" for n in range(11)), "At most 10 domains"),
])
def test_bad_domains_are_refused_with_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as error:
        access_requests.clean_email_domains(typed)
    assert message in " ".join(error.value.messages)


def test_the_seller_edits_the_domains_on_the_deal_form(seller_client, deal):
    url = reverse("deals:edit", kwargs={"deal_id": deal.public_id})
    form = seller_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "shared_with"}
    data.update(owner=deal.owner_id, buyer_email_domains="gmail.com\nmeridianfreight.com")
    response = seller_client.post(url, data)
    assert response.status_code == 200
    assert "free e-mail service" in response.content.decode()
    deal.refresh_from_db()
    assert deal.buyer_email_domains == []
    data["buyer_email_domains"] = "MeridianFreight.com\nmeridian.co.uk"
    assert seller_client.post(url, data).status_code == 302
    deal.refresh_from_db()
    assert deal.buyer_email_domains == ["meridianfreight.com", "meridian.co.uk"]
    assert "meridianfreight.com\nmeridian.co.uk" in seller_client.get(url).content.decode()


# Notices --------------------------------------------------------------------------------------

def test_the_notice_task_reloads_within_the_organization(token, plan, buyer, outsider,
                                                         django_capture_on_commit_callbacks):
    from plans.tasks import send_access_request_notice

    link = RoomLink.objects.get(stakeholder=buyer)
    request = access_requests.access_request_create(link=link, name="Lee", email="lee@example.org")
    mail.outbox.clear()
    send_access_request_notice(organization_id=outsider.memberships.get().organization_id, access_request_id=request.pk)
    assert mail.outbox == []
    send_access_request_notice(organization_id=plan.organization_id, access_request_id=request.pk)
    assert len(mail.outbox) == 2


def test_the_room_address_without_a_link_explains_how_to_get_in_and_is_the_same_for_any_id(client, plan):
    import uuid

    real = client.get(room_url(plan))
    made_up = client.get(reverse("plans:room", kwargs={"plan_id": uuid.uuid4()}))
    assert real.status_code == made_up.status_code == 404
    assert real.content == made_up.content
    assert "request your own access" in real.content.decode()
    assert plan.title not in real.content.decode() and plan.deal.name not in real.content.decode()
