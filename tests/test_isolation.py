"""Tenant isolation, enumerated: every URL pattern that takes an object id is requested by a
member of another organization, a seller without access, and buyers with an open deal room
of another deal (same organization, and another organization), and must answer 404 and
change nothing.

New views are covered without editing this file: a URL kwarg named `<model>_id` is
resolved to that model by name and filled with an object of the victim organization. A
kwarg this test cannot fill fails the test, so an uncovered view cannot slip through.
"""

import datetime

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from exports.models import Export
from mapapp import api_tokens
from mapapp.models import Invitation
from plans import attachments, calendar, plan_templates, room_access
from plans.activity import Actor
from plans.models import AccessRequest, Activity, Comment, TaskDependency
from tests import factories

# Kwargs that are not object ids (secrets handled by their own tests).
NOT_OBJECT_KWARGS = {"token"}
# Namespaces guarded by other means (Django admin: staff only, redirects to its login).
SKIPPED_NAMESPACES = {"admin"}


def _walk(patterns, prefix_ns=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            full = ":".join(filter(None, [prefix_ns, ns])) or None
            yield from _walk(entry.url_patterns, full)
        elif isinstance(entry, URLPattern) and entry.name:
            kwargs = set(entry.pattern.regex.groupindex)
            yield (f"{prefix_ns}:{entry.name}" if prefix_ns else entry.name), kwargs


def object_url_names():
    found = {}
    for name, kwargs in _walk(get_resolver().url_patterns):
        if kwargs - NOT_OBJECT_KWARGS:
            found[name] = sorted(kwargs)
    return found


def model_for_kwarg(kwarg: str):
    wanted = kwarg.removesuffix("_id").replace("_", "")
    for model in apps.get_models():
        if model._meta.model_name == wanted and any(f.name == "public_id" for f in model._meta.fields):
            return model
    raise AssertionError(f"URL kwarg {kwarg!r} names no model with a public_id; name object kwargs <model>_id.")


@pytest.fixture
def victim_objects(org, seller, deal, plan, buyer, admin):
    milestone = factories.MilestoneFactory(plan=plan, organization=org)
    task = factories.TaskFactory(plan=plan, organization=org, milestone=milestone, owner=buyer)
    other_task = factories.TaskFactory(plan=plan, organization=org)
    TaskDependency.objects.create(organization=org, task=other_task, prerequisite=task)
    risk = factories.RiskFactory(plan=plan, organization=org, owner=buyer)
    Comment.objects.create(organization=org, plan=plan, task=task, author_user=seller, body="internal thought")
    invitation = Invitation.objects.create(
        organization=org, email="new@acme.example", token_hash="0" * 64, invited_by=admin,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    access_request = AccessRequest.objects.create(
        organization=org, plan=plan, name="Lee Park", email="lee@buyer.example", via=buyer,
    )
    attachment = attachments.attachment_create(
        task=task, actor=Actor(user=seller), upload=SimpleUploadedFile("architecture.pdf", b"%PDF-1.7\n%victim\n")
    )
    template = plan_templates.template_from_plan(plan=plan, name="Our secret playbook", actor=Actor(user=seller))
    # A finished buyer's copy: its download answers its own admin and the room's buyer.
    export = Export.objects.create(organization=org, plan=plan, audience="buyer", status="done", requested_by_user=seller)
    export.file.save("plan.pdf", ContentFile(b"%PDF-1.7\n%victim export\n"))
    # The admin's own API token: revoking it is the admin's alone.
    api_token, _secret = api_tokens.api_token_create(membership=admin.memberships.get(organization=org), name="CRM")
    # The admin's own calendar address: revoking it is the admin's alone.
    calendar_feed, _url = calendar.calendar_feed_create(membership=admin.memberships.get(organization=org), plan=plan)
    objects = [deal, plan, buyer, milestone, task, risk, invitation, access_request, attachment, template, export,
               api_token, calendar_feed]
    return {type(o): o for o in objects}


def fingerprint(org):
    """Every tenant row of the organization with its version (or its whole value set)."""
    state = {}
    for model in apps.get_models():
        if not any(f.name == "organization" for f in model._meta.fields) or model is Activity:
            continue
        rows = model._base_manager.filter(organization=org).order_by("pk")
        state[model.__name__] = list(rows.values())
    state["Activity"] = Activity.objects.filter(organization=org).count()
    return state


def kwargs_for(url_kwargs, victim_objects):
    kwargs = {}
    for kwarg in url_kwargs:
        model = model_for_kwarg(kwarg)
        assert model in victim_objects, f"add a {model.__name__} to victim_objects so its URLs are tested"
        kwargs[kwarg] = victim_objects[model].public_id
    return kwargs


def test_there_are_object_urls_to_check():
    names = object_url_names()
    # Guards against the walker silently finding nothing.
    assert "deals:detail" in names and "plans:detail" in names, names


def open_room_of_other_deal(client, organization, inviter) -> None:
    """Put a buyer's room session on the client: a link of another deal, exchanged by its button."""
    deal = factories.DealFactory(organization=organization, owner=inviter)
    factories.PlanFactory(deal=deal, organization=organization)
    stakeholder = factories.StakeholderFactory(deal=deal)
    _link, url = room_access.buyer_invite(stakeholder=stakeholder, invited_by=inviter)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert client.post(reverse("plans:room-link", kwargs={"token": token})).status_code == 302
    assert room_access.SESSION_KEY in client.session


# Objects of the whole organization that every member may read (its plan templates: anyone
# starts plans from them), so a seller without access to a deal reads them too. Changing
# them is for admins: the other URLs of those objects answer a seller 404 like any other.
ORGANIZATION_READABLE = {"plans:template"}


@pytest.mark.parametrize("url_name", sorted(object_url_names()))
@pytest.mark.parametrize(
    "who", ["outsider", "seller_without_access", "buyer_of_other_deal", "buyer_of_other_org"]
)
def test_object_urls_answer_404_to_others_and_change_nothing(
    client, url_name, who, victim_objects, org, outsider, other_seller
):
    url_kwargs = object_url_names()[url_name]
    url = reverse(url_name, kwargs=kwargs_for(url_kwargs, victim_objects))
    if who == "buyer_of_other_deal":
        open_room_of_other_deal(client, org, other_seller)
    elif who == "buyer_of_other_org":
        open_room_of_other_deal(client, outsider.memberships.get().organization, outsider)
    else:
        client.force_login(outsider if who == "outsider" else other_seller)
    before = fingerprint(org)
    readable = who == "seller_without_access" and url_name in ORGANIZATION_READABLE
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        # A POST-only view may refuse GET with 405 before looking anything up: that says
        # nothing about the object, so it is as good as 404 here.
        assert client.get(url, **headers).status_code in ((200,) if readable else (404, 405)), f"GET {url}"
        assert client.post(url, {"version": 1, "title": "pwned", "direction": "up", "name": "pwned"},
                           **headers).status_code in ((405,) if readable else (404,)), f"POST {url}"
    assert fingerprint(org) == before


def is_room_url(url_name: str) -> bool:
    """A deal-room URL: named room-* in one of the namespaces BuyerSessionMiddleware lets through."""
    namespace, _sep, name = url_name.rpartition(":")
    return namespace in room_access.BuyerSessionMiddleware.ROOM_NAMESPACES and name.startswith("room-")


# Room URLs a member previewing the room may reach too: the files of the tasks it shows, the
# agreement card, the live-refresh stamp, the timeline, the check-in agenda and the buyer's PDF
# exports. What the preview shows as buttons (upload, delete, accept, confirm, export) answers a
# member 403 with a sentence pointing to the plan page (tests/plans/test_attachments.py,
# test_agreement.py), and changes nothing (test_members_cannot_post_as_the_buyer).
PREVIEW_READABLE = {
    "plans:room-task-attachments", "plans:room-attachment", "plans:room-attachment-delete",
    "plans:room-agreement", "plans:room-accept", "plans:room-confirm", "plans:room-stamp", "plans:room-timeline",
    "checkins:room-agenda",
    "exports:room-plan-export-create", "exports:room-export", "exports:room-export-download",
}


def buyer_only(url_name: str) -> bool:
    """The buyer's edits in the room (plans.room_edits, the champion's decisions): for the room's
    own buyer session only; members, who preview the room, edit on the plan page and get 404 there."""
    return is_room_url(url_name) and url_name not in PREVIEW_READABLE


def open_own_room(client, buyer, seller) -> None:
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    assert client.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]})).status_code == 302


@pytest.mark.parametrize("url_name", sorted(object_url_names()))
def test_object_urls_exist_for_their_own_admin(client, url_name, victim_objects, admin, buyer, seller):
    """The other half: the same URL works for the right person, so the 404s above mean access.
    For the buyer's edit URLs the right person is the room's own buyer."""
    url = reverse(url_name, kwargs=kwargs_for(object_url_names()[url_name], victim_objects))
    if buyer_only(url_name):
        open_own_room(client, buyer, seller)
    else:
        client.force_login(admin)
    status = client.get(url).status_code
    assert status != 404 and status < 500, f"GET {url} answered {status} to its own admin or buyer"


@pytest.mark.parametrize("url_name", sorted(n for n in object_url_names() if is_room_url(n)))
def test_members_cannot_post_as_the_buyer(client, url_name, victim_objects, org, admin, buyer, seller):
    """A member previewing the room cannot act as the buyer, even with the buyer's room session
    in the same browser: the buyer's edit URLs answer 404, the preview's buttons 403; nothing changes."""
    assert object_url_names()[url_name], "the walk found no kwargs"
    url = reverse(url_name, kwargs=kwargs_for(object_url_names()[url_name], victim_objects))
    open_own_room(client, buyer, seller)
    client.force_login(admin)
    before = fingerprint(org)
    refused = (404,) if buyer_only(url_name) else (403, 404, 405)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        if buyer_only(url_name):
            # 405 to a GET of a POST-only URL says nothing about the object.
            assert client.get(url, **headers).status_code in (404, 405), f"GET {url}"
        response = client.post(url, {"version": 1, "status": "done", "title": "pwned", "body": "x", "name": "x",
                                     "seen": "x"}, **headers)
        assert response.status_code in refused, f"POST {url}: {response.status_code}"
    assert fingerprint(org) == before


def url_names_without_object_ids():
    """Every named URL without an object id, except the buyer's own room pages and the public
    account pages, which BuyerSessionMiddleware lets through on purpose."""
    public = {f"{name}" for name in room_access.BuyerSessionMiddleware.PUBLIC_URL_NAMES}
    for name, kwargs in _walk(get_resolver().url_patterns):
        if kwargs - NOT_OBJECT_KWARGS or name in public:
            continue
        if name.startswith("plans:room") or is_room_url(name):
            continue
        if name in room_access.BuyerSessionMiddleware.PUBLIC_SIGNED_URLS:
            continue  # their token is their access: tests/reminders/test_links.py
        yield name


def test_a_buyer_session_gets_404_on_every_seller_page_and_api_route_without_ids(client, org, other_seller):
    """Not only object URLs: the deal list, "new deal", the API and its schema answer 404 too,
    not a login page."""
    names = sorted(url_names_without_object_ids())
    assert {"deals:list", "deals:create", "api:schema", "api:docs", "dashboard:index", "dashboard:deals",
            "dashboard:csv"} <= set(names), names
    open_room_of_other_deal(client, org, other_seller)
    for name in names:
        url = reverse(name)
        assert client.get(url).status_code == 404, name
        assert client.post(url).status_code == 404, name


def test_the_room_of_a_plan_opens_for_its_own_buyer(client, plan, buyer, seller):
    """The other half for buyers: the room URL the walk above refuses works with the right link."""
    _link, url = room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    response = client.post(reverse("plans:room-link", kwargs={"token": url.rstrip("/").rsplit("/", 1)[1]}), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("plans:room", kwargs={"plan_id": plan.public_id})


def test_plan_of_another_org_is_not_in_any_listing(client, outsider, plan):
    client.force_login(outsider)
    response = client.get(reverse("deals:list"))
    assert response.status_code == 200
    assert plan.deal.name not in response.content.decode()
