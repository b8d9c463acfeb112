"""Buyers' access to the deal room: magic links, their exchange for a session, revocation.

A link's token exists only in the e-mail: the row keeps its sha256. Opening the link (GET)
shows a button; only the POST of that button exchanges the token for a session bound to
one RoomLink, whose id the session keeps. Every room request re-loads that link and checks
it is neither revoked nor expired, so revoking access ends open sessions at once.
"""

import hashlib
import secrets
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Side, Stakeholder
from mapapp import timezones
from mapapp.services import normalize_email

from .activity import Actor, record
from .models import Plan, RoomLink
from .tasks import send_room_invite

SESSION_KEY = "room_link_id"
# The buyer's last status change, kept so that the room can offer to undo it (plans.room_edits).
UNDO_KEY = "room_undo"

# Rate limits: (attempts, window in seconds).
LINK_ATTEMPTS_PER_IP = (30, 600)
LINK_ATTEMPTS_PER_LINK = (10, 600)
FRESH_LINKS_PER_IP = (5, 3600)
FRESH_LINKS_PER_ADDRESS = (3, 3600)


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def room_link_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('plans:room-link', kwargs={'token': token})}"


def rate_limited(key: str, limit: tuple[int, int]) -> bool:
    """Count one attempt under `key` (shared by all processes through the cache); True once over the limit."""
    attempts, window = limit
    key = f"ratelimit:{key}"
    if cache.add(key, 1, timeout=window):
        return False
    try:
        return cache.incr(key) > attempts
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return False


def _plan_of_stakeholder(stakeholder: Stakeholder) -> Plan | None:
    return Plan.objects.filter(organization_id=stakeholder.organization_id, deal_id=stakeholder.deal_id).first()


def link_issue(
    *, stakeholder: Stakeholder, created_by=None, access_request_id: int | None = None, mail: bool = True
) -> tuple[RoomLink, str]:
    """A new link for the stakeholder, mailed after commit (unless `mail` is off). Caller holds
    the transaction. With `access_request_id` the mail says it answers that (approved) access request."""
    token = secrets.token_urlsafe(32)  # 256 bits
    days = stakeholder.organization.room_link_days
    link = RoomLink.objects.create(
        organization_id=stakeholder.organization_id,
        stakeholder=stakeholder,
        token_hash=token_hash(token),
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    url = room_link_url(token)
    organization_id, link_id = stakeholder.organization_id, link.pk
    extra = {"access_request_id": access_request_id} if access_request_id is not None else {}
    if mail:
        transaction.on_commit(
            lambda: send_room_invite.delay(organization_id=organization_id, link_id=link_id, url=url, **extra)
        )
    return link, url


def _check_invitable(stakeholder: Stakeholder) -> None:
    if stakeholder.side != Side.BUYER:
        raise ValidationError(_("Only people on the buyer side are invited to the deal room."), code="not_buyer")
    if not stakeholder.email:
        raise ValidationError(
            _("%(name)s has no e-mail address. Add one to send the link.") % {"name": stakeholder.name},
            code="no_email",
        )


@transaction.atomic
def buyer_invite(*, stakeholder: Stakeholder, invited_by) -> tuple[RoomLink, str]:
    """Send a buyer-side stakeholder a personal link to the deal room; answers the link and its URL.

    Requires the deal's plan and an e-mail address (ValidationError otherwise). Earlier links
    of the person keep working until they expire or are revoked. Records "invited".
    """
    _check_invitable(stakeholder)
    plan = _plan_of_stakeholder(stakeholder)
    if plan is None:
        raise ValidationError(_("Start the plan before inviting the buyer to the room."), code="no_plan")
    link, url = link_issue(stakeholder=stakeholder, created_by=invited_by)
    record(plan=plan, actor=Actor(user=invited_by), verb="invited", target=stakeholder, internal=True)
    return link, url


@transaction.atomic
def buyer_revoke(*, stakeholder: Stakeholder, actor: Actor) -> int:
    """Revoke every link of the stakeholder; open room sessions end on their next request.

    Answers how many links were still usable. Records "revoked" when there were any.
    """
    revoked = RoomLink.objects.for_org(stakeholder.organization_id).filter(
        stakeholder=stakeholder, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    plan = _plan_of_stakeholder(stakeholder)
    if revoked and plan is not None:
        record(plan=plan, actor=actor, verb="revoked", target=stakeholder, internal=True)
    return revoked


def link_lookup(*, token: str) -> RoomLink:
    """The usable link behind a token, with its stakeholder, deal and plan; ValidationError otherwise."""
    link = (
        RoomLink.objects.filter(token_hash=token_hash(token), stakeholder__side=Side.BUYER)
        .select_related("stakeholder__deal__plan")
        .first()
    )
    if link is None or not hasattr(link.stakeholder.deal, "plan"):
        raise ValidationError(_("This link is not valid."), code="invalid")
    if link.revoked_at is not None:
        raise ValidationError(_("This link has been withdrawn."), code="revoked")
    if link.expires_at <= timezone.now():
        raise ValidationError(_("This link has expired."), code="expired")
    return link


@transaction.atomic
def link_exchange(*, token: str) -> RoomLink:
    """Validate a token for a new room session and stamp the visit; ValidationError when it fails.

    The previous visit is kept for "what changed since your last visit".
    """
    link = link_lookup(token=token)
    now = timezone.now()
    RoomLink.objects.filter(pk=link.pk).update(previous_visit_at=link.last_used_at, last_used_at=now)
    link.previous_visit_at, link.last_used_at = link.last_used_at, now
    return link


def link_for_session(request: HttpRequest) -> RoomLink | None:
    """The usable link the session is bound to, with stakeholder, deal and plan (one query), or None."""
    link_id = request.session.get(SESSION_KEY)
    if not isinstance(link_id, int):
        return None
    return (
        RoomLink.objects.usable()
        .filter(pk=link_id, stakeholder__side=Side.BUYER, stakeholder__deal__plan__isnull=False)
        .select_related("stakeholder__deal__plan")
        .first()
    )


def room_session_start(request: HttpRequest, link: RoomLink) -> None:
    """Bind the session to one link (a new session key: the old one could be known to others)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    # The buyer's own "today" and times in the room (mapapp.timezones).
    request.session[timezones.SESSION_KEY] = link.stakeholder.timezone


def get_plan_for_buyer(request: HttpRequest, plan_id: UUID) -> tuple[Plan, RoomLink]:
    """The plan of the session's room and its link, or Http404: for no session, a revoked or
    expired link, and every other plan alike."""
    link = link_for_session(request)
    if link is None:
        raise Http404
    plan = link.stakeholder.deal.plan
    if plan.public_id != plan_id or plan.organization_id != link.organization_id:
        raise Http404
    return plan, link


@transaction.atomic
def fresh_link_request(*, email: str, plan_id: UUID | None) -> None:
    """Mail a new link to `email` if it is a buyer-side stakeholder of that room who was invited
    before and whose access has not been revoked. Does nothing otherwise, and says nothing
    either way (the caller answers the same whatever was typed)."""
    email = normalize_email(email)
    if not email or plan_id is None:
        return
    plan = Plan.objects.filter(public_id=plan_id).only("pk", "organization_id", "deal_id").first()
    if plan is None:
        return
    stakeholder = (
        Stakeholder.objects.for_org(plan.organization_id)
        .filter(deal_id=plan.deal_id, side=Side.BUYER, email__iexact=email)
        .select_related("organization")
        .first()
    )
    if stakeholder is None:
        return
    latest = RoomLink.objects.for_org(plan.organization_id).filter(stakeholder=stakeholder).order_by("-created_at").first()
    # Only the seller invites; a revoked person stays out.
    if latest is None or latest.revoked_at is not None:
        return
    link_issue(stakeholder=stakeholder, created_by=None)


class BuyerSessionMiddleware:
    """A visitor who is not signed in but holds a buyer's room session gets 404 from every page
    except the room's own and the public account pages (log in, sign up, accept an invitation):
    not a login redirect. A buyer sees one deal room and nothing else."""

    PUBLIC_URL_NAMES = frozenset({"home", "login", "logout", "signup", "invitation-accept"})
    # Apps whose room-* URLs serve the deal room (each checks the session's link itself).
    ROOM_NAMESPACES = frozenset({"plans", "checkins", "exports"})
    # Public pages behind a signed link of their own (a reminder's one-item action, its opt-out).
    PUBLIC_SIGNED_URLS = frozenset({"reminders:act", "reminders:opt-out", "plans:calendar-feed"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or request.user.is_authenticated:
            return
        name = match.url_name or ""
        # The room's pages, in plans and in the apps that add to the room (checkins, exports): room, room-*.
        if match.namespace in self.ROOM_NAMESPACES and name.startswith("room"):
            return
        if match.view_name in self.PUBLIC_SIGNED_URLS:
            return
        if (not match.namespace and name in self.PUBLIC_URL_NAMES) or "admin" in match.namespaces:
            return
        if SESSION_KEY in request.session:
            raise Http404
        return
