"""Access requests: someone holding a forwarded (or dead) room link asks for a link of their own.

A request names the room through the link that was opened (`via`: whose link it was), never
through an id typed by the visitor, so the request form is no way to find out which rooms
exist. The seller (members who may see the deal) or the buyer's champion approves or declines
it. People whose e-mail domain the seller listed on the deal get their link at once, mailed to
the address they typed: owning that mailbox is the proof.

Whatever happens, the visitor is answered the same page: nothing here tells them whether the
room exists, whether the address is known, or whether they were let in.
"""

import re
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.access import visible_deals
from deals.models import DecisionRole, Side, Stakeholder
from mapapp.services import normalize_email

from . import room_access
from .activity import Actor, record
from .models import AccessRequest, AccessRequestStatus, Plan, RoomLink
from .tasks import send_access_request_notice

# Rate limits: (requests, window in seconds).
REQUESTS_PER_IP = (10, 3600)
REQUESTS_PER_ADDRESS = (3, 3600)

MAX_DOMAINS = 10
# Mailboxes anyone can open: listing one would give the room to the whole internet.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.co.jp", "yahoo.de", "ymail.com", "aol.com", "icloud.com", "me.com",
    "mac.com", "proton.me", "protonmail.com", "pm.me", "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de",
    "mail.com", "mail.ru", "yandex.ru", "yandex.com", "zoho.com", "tutanota.com", "tuta.io", "fastmail.com",
    "hey.com", "qq.com", "163.com", "126.com", "naver.com", "daum.net", "docomo.ne.jp", "ezweb.ne.jp",
    "softbank.ne.jp", "ocn.ne.jp", "nifty.com", "libero.it", "orange.fr", "free.fr", "laposte.net",
    "mailinator.com", "guerrillamail.com", "10minutemail.com",
})
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")


# Domains ------------------------------------------------------------------------------------

def clean_email_domains(value: str | list | None) -> list[str]:
    """The buyer e-mail domains typed by the seller (commas, spaces or lines between them),
    lowercased and deduplicated; ValidationError naming every bad one."""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    domains: list[str] = []
    errors = []
    for raw in re.split(r"[\s,;]+", (value or "").strip()):
        domain = raw.strip().lower().removeprefix("@").rstrip(".")
        if not domain:
            continue
        if len(domain) > 253 or not DOMAIN_RE.match(domain):
            errors.append(ValidationError(
                _("“%(domain)s” is not a domain name (like meridianfreight.com)."), code="invalid_domain",
                params={"domain": raw[:100]},
            ))
        elif domain in FREE_MAIL_DOMAINS:
            errors.append(ValidationError(
                _("“%(domain)s” is a free e-mail service: anyone can have an address there, so it cannot "
                  "give access to the room."), code="free_mail", params={"domain": domain},
            ))
        elif domain not in domains:
            domains.append(domain)
    if errors:
        raise ValidationError(errors)
    if len(domains) > MAX_DOMAINS:
        raise ValidationError(
            _("At most %(max)d domains, please."), code="too_many_domains", params={"max": MAX_DOMAINS}
        )
    return domains


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def self_service_applies(*, deal, email: str) -> bool:
    """Exact domain match only: a subdomain can belong to someone else (a subsidiary, a hosted
    service), and the seller can list it on its own."""
    return email_domain(email) in {d.lower() for d in (deal.buyer_email_domains or [])}


# Access --------------------------------------------------------------------------------------

def link_for_request(*, token: str) -> RoomLink | None:
    """The link behind a token, usable or not (a dead link still names its room), with its
    stakeholder, deal and plan; None for an unknown token or a room without a plan."""
    link = (
        RoomLink.objects.filter(token_hash=room_access.token_hash(token), stakeholder__side=Side.BUYER)
        .select_related("stakeholder__deal__plan", "stakeholder__deal__owner")
        .first()
    )
    if link is None or not hasattr(link.stakeholder.deal, "plan"):
        return None
    return link


def get_access_request_for_member(request: HttpRequest, accessrequest_id: UUID) -> AccessRequest:
    """An access request of a deal the member may see, else Http404."""
    found = (
        AccessRequest.objects.for_org(request.organization)
        .filter(public_id=accessrequest_id, plan__deal__in=visible_deals(request))
        .select_related("plan__deal")
        .first()
    )
    if found is None:
        raise Http404
    return found


def is_champion(stakeholder: Stakeholder | None) -> bool:
    return (
        stakeholder is not None and stakeholder.side == Side.BUYER and stakeholder.decision_role == DecisionRole.CHAMPION
    )


def get_access_request_for_champion(request: HttpRequest, accessrequest_id: UUID) -> tuple[AccessRequest, RoomLink]:
    """An access request of the session's room, when the session is the buyer's champion's;
    Http404 for everyone else (other rooms, other buyers, no session, and signed-in members,
    who decide on the plan page even with a buyer's session in the same browser)."""
    if request.user.is_authenticated:
        raise Http404
    link = room_access.link_for_session(request)
    if link is None or not is_champion(link.stakeholder):
        raise Http404
    plan = link.stakeholder.deal.plan
    found = (
        AccessRequest.objects.for_org(link.organization_id)
        .filter(public_id=accessrequest_id, plan=plan)
        .select_related("plan__deal")
        .first()
    )
    if found is None:
        raise Http404
    return found, link


# Read side -----------------------------------------------------------------------------------

def pending_requests(plan: Plan) -> list[AccessRequest]:
    """The room's requests waiting for a decision, oldest first, with whose link was used (one query)."""
    return list(
        AccessRequest.objects.filter(organization_id=plan.organization_id, plan=plan, status=AccessRequestStatus.PENDING)
        .select_related("via")
        .order_by("created_at", "id")
    )


# Services ------------------------------------------------------------------------------------

def _revoked(stakeholder: Stakeholder) -> bool:
    latest = (
        RoomLink.objects.for_org(stakeholder.organization_id).filter(stakeholder=stakeholder)
        .order_by("-created_at").first()
    )
    return latest is not None and latest.revoked_at is not None


def _buyer_stakeholder(plan: Plan, email: str) -> Stakeholder | None:
    return (
        Stakeholder.objects.for_org(plan.organization_id)
        .filter(deal_id=plan.deal_id, side=Side.BUYER, email__iexact=email)
        .select_related("organization")
        .order_by("order", "id")
        .first()
    )


def _grant(access_request: AccessRequest, *, actor: Actor, by_self_service: bool) -> Stakeholder:
    """Create (or reuse) the buyer-side stakeholder, mail their own link, mark the request approved."""
    plan = access_request.plan
    stakeholder = _buyer_stakeholder(plan, access_request.email)
    if stakeholder is None:
        order = (
            Stakeholder.objects.filter(organization_id=plan.organization_id, deal_id=plan.deal_id, side=Side.BUYER)
            .aggregate(m=Max("order"))["m"] or 0
        ) + 1
        stakeholder = Stakeholder.objects.create(
            organization_id=plan.organization_id, deal_id=plan.deal_id, side=Side.BUYER, order=order,
            name=access_request.name, title=access_request.title, email=access_request.email,
        )
        record(plan=plan, actor=actor, verb="created", target=stakeholder)
    access_request.status = AccessRequestStatus.APPROVED
    access_request.decided_at = timezone.now()
    access_request.decided_by_user = actor.user
    access_request.decided_by_stakeholder = actor.stakeholder
    access_request.stakeholder = stakeholder
    access_request.save(update_fields=[
        "status", "decided_at", "decided_by_user", "decided_by_stakeholder", "stakeholder",
    ])
    room_access.link_issue(stakeholder=stakeholder, created_by=actor.user, access_request_id=access_request.pk)
    record(
        plan=plan, actor=actor, verb="access_self_service" if by_self_service else "access_approved",
        target=stakeholder, internal=True,
    )
    return stakeholder


@transaction.atomic
def access_request_create(*, link: RoomLink, name: str, email: str, title: str = "") -> AccessRequest | None:
    """Record a request to join the room of `link` (whose holder is `via`).

    A second pending request for the same address in the same room is not added (the first
    one is answered). When the address is at one of the deal's buyer e-mail domains, the
    person gets their link at once (self-service), unless their access was revoked before:
    then a person decides. The owner and the champions are told by e-mail either way.
    Answers the request (None when nothing could be recorded).
    """
    email = normalize_email(email)
    name = (name or "").strip()[:150]
    if not email or not name:
        return None
    plan = link.stakeholder.deal.plan
    # One request at a time per room: no two self-service grants or duplicates in a race.
    plan = Plan.objects.select_for_update().select_related("deal").get(pk=plan.pk)
    access_request = (
        AccessRequest.objects.for_org(plan.organization_id)
        .filter(plan=plan, email__iexact=email, status=AccessRequestStatus.PENDING)
        .first()
    )
    created = access_request is None
    if created:
        try:
            with transaction.atomic():
                access_request = AccessRequest.objects.create(
                    organization_id=plan.organization_id, plan=plan, name=name, email=email,
                    title=(title or "").strip()[:150], via=link.stakeholder,
                )
        except IntegrityError:  # one_pending_request_per_email
            return None
    access_request.plan = plan
    self_service = False
    if self_service_applies(deal=plan.deal, email=email):
        existing = _buyer_stakeholder(plan, email)
        if existing is None or not _revoked(existing):
            _grant(access_request, actor=Actor(), by_self_service=True)
            self_service = True
    if created or self_service:
        organization_id, request_id = plan.organization_id, access_request.pk
        transaction.on_commit(
            lambda: send_access_request_notice.delay(organization_id=organization_id, access_request_id=request_id)
        )
    return access_request


def _lock_pending(access_request: AccessRequest) -> AccessRequest:
    locked = (
        AccessRequest.objects.select_for_update()
        .filter(organization_id=access_request.organization_id, pk=access_request.pk)
        .first()
    )
    if locked is None or locked.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("This request has already been answered."), code="decided")
    locked.plan = access_request.plan
    return locked


@transaction.atomic
def access_request_approve(*, access_request: AccessRequest, actor: Actor) -> Stakeholder:
    """Let the requester in: a buyer-side stakeholder (the one with that address, if the deal
    has one) gets their own link by e-mail, which is how they learn of the approval. Records
    who decided and when. ValidationError when the request was already answered."""
    access_request = _lock_pending(access_request)
    return _grant(access_request, actor=actor, by_self_service=False)


@transaction.atomic
def access_request_decline(*, access_request: AccessRequest, actor: Actor) -> AccessRequest:
    """Decline quietly: records who decided and when, and mails nobody. An address typed by a
    stranger gets no mail from us unless a person let them in (no mail cannon), and the
    colleague who forwarded the link is the one to explain. ValidationError when already answered."""
    access_request = _lock_pending(access_request)
    access_request.status = AccessRequestStatus.DECLINED
    access_request.decided_at = timezone.now()
    access_request.decided_by_user = actor.user
    access_request.decided_by_stakeholder = actor.stakeholder
    access_request.save(update_fields=["status", "decided_at", "decided_by_user", "decided_by_stakeholder"])
    record(plan=access_request.plan, actor=actor, verb="access_declined", target=access_request, internal=True,
           label=access_request.name)
    return access_request
