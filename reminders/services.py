"""Reminder mails and what their links do: sending a claimed digest (at most twice), the signed
action links (done / snooze / blocked) and the opt-out links.

Exactly once, the rule: a digest's log rows are claimed before anything is sent
(reminders.sweep.claim). `digest_send` first records an attempt (a committed UPDATE that only
succeeds while the digest is unsent, has had fewer than MAX_ATTEMPTS attempts and no attempt
started in the last RETRY_AFTER), then sends, then marks the digest sent. A mail server's
refusal (the task's retry exceptions) gives the attempt back: nothing went out. A worker that
dies between the attempt and the mark leaves a digest the sweep finds RETRY_AFTER (15 min)
later and sends again, once: the second attempt is the last, so a digest goes out at most
twice (twice only if the worker died after the mail server took the mail but before the mark),
and a claim that never got an attempt is sent by the retry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deals.models import Side, Stakeholder
from mapapp.mail import MAIL_TASK_OPTIONS, send_templated
from mapapp.models import Organization
from plans import room_access
from plans.activity import Actor
from plans.models import PlanStatus, RoomLink, Slip, Task, TaskStatus
from plans.services import is_seller_item, room_task_set_status, task_set_status

from .models import (
    Kind,
    ReminderDigest,
    ReminderLog,
    ReminderOptOut,
    ReminderSettings,
    ReminderSnooze,
)
from .sweep import MAX_ATTEMPTS, RETRY_AFTER, SLIP_WINDOW, local_now, still_theirs

ACTION_SALT = "reminders.action"
OPT_OUT_SALT = "reminders.opt-out"
ACTION_MAX_AGE = datetime.timedelta(days=7)
SNOOZE_DAYS = 3
# A digest lists the items due soonest (overdue first) and counts the rest: a mail of a
# thousand items helps nobody, and each item costs three signed links.
DIGEST_ITEMS_SHOWN = 50


class Action:
    DONE = "done"
    SNOOZE = "snooze"
    BLOCKED = "blocked"
    ALL = (DONE, SNOOZE, BLOCKED)


class LinkError(Exception):
    """A link that does not work; `message` says why, for the page."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


# Signed links ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionGrant:
    task: str  # public id
    stakeholder: str  # public id of the owner the reminder went to
    email: str
    action: str
    language: str


def action_token(*, task: Task, stakeholder: Stakeholder, email: str, action: str, language: str) -> str:
    payload = {"t": str(task.public_id), "s": str(stakeholder.public_id), "e": email, "a": action, "l": language}
    return signing.dumps(payload, salt=ACTION_SALT, compress=True)


def action_url(**kwargs) -> str:
    return settings.SITE_URL + reverse("reminders:act", kwargs={"token": action_token(**kwargs)})


def action_load(token: str) -> ActionGrant:
    """The grant a link carries; LinkError when it was altered or is older than ACTION_MAX_AGE."""
    try:
        data = signing.loads(token, salt=ACTION_SALT, max_age=ACTION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise LinkError(_("This link has expired: links in reminders work for 7 days."), expired=True) from error
    except signing.BadSignature as error:
        raise LinkError(_("This link is not valid. Copy the whole link from the e-mail.")) from error
    if not isinstance(data, dict) or data.get("a") not in Action.ALL:
        raise LinkError(_("This link is not valid. Copy the whole link from the e-mail."))
    return ActionGrant(task=str(data.get("t")), stakeholder=str(data.get("s")), email=str(data.get("e", "")),
                       action=data["a"], language=str(data.get("l", "")))


def action_target(grant: ActionGrant) -> tuple[Task, Stakeholder]:
    """The task and its owner a grant is for, or LinkError: the task must still be there and
    still be theirs (and, for a buyer, in a room they still have access to)."""
    task = (
        Task.objects.filter(public_id=grant.task, owner__public_id=grant.stakeholder)
        .select_related("plan__deal", "owner__user", "owner__organization")
        .first()
    )
    if task is None:
        raise LinkError(_("This item is no longer yours, or it was deleted."))
    owner = task.owner
    if task.plan.status == PlanStatus.CLOSED:
        raise LinkError(_("This plan is closed."))
    if owner.side == Side.BUYER:
        has_access = RoomLink.objects.filter(
            organization_id=task.organization_id, stakeholder=owner, revoked_at__isnull=True
        ).exists()
        if task.internal or not has_access:
            raise LinkError(_("This item is no longer yours, or it was deleted."))
    return task, owner


def action_allowed(task: Task, owner: Stakeholder) -> bool:
    """Whether the owner may change the task's status from a link (a buyer: not the seller's items)."""
    return owner.side != Side.BUYER or not is_seller_item(task)


def _actor(owner: Stakeholder) -> Actor:
    return Actor(user=owner.user) if owner.user_id else Actor(stakeholder=owner)


@transaction.atomic
def action_apply(*, grant: ActionGrant, task: Task, owner: Stakeholder, reason: str = "",
                 override_dependencies: bool = False, now: datetime.datetime | None = None) -> None:
    """Do what the link says, through plans' services and their rules.

    done / blocked: plans.services.room_task_set_status for a buyer, task_set_status for the
    seller side; ValidationError (dependencies.UnfinishedPrerequisites when prerequisites are
    not done and `override_dependencies` is off) leaves everything as it was.
    snooze: no reminder of the task to this address for SNOOZE_DAYS days (their calendar).
    """
    if grant.action == Action.SNOOZE:
        zone = (owner.user.timezone if owner.user_id else "") or owner.timezone
        until = local_now(now or timezone.now(), zone).date() + datetime.timedelta(days=SNOOZE_DAYS)
        ReminderSnooze.objects.update_or_create(
            task=task, email=grant.email, defaults={"organization_id": task.organization_id, "until": until}
        )
        return
    status = TaskStatus.DONE if grant.action == Action.DONE else TaskStatus.BLOCKED
    reason = (reason or "").strip()
    if status == TaskStatus.BLOCKED and not reason:
        raise ValidationError({"reason": _("Say what blocks the task: the other side needs to know.")})
    if owner.side == Side.BUYER:
        room_task_set_status(task=task, stakeholder=owner, status=status, version=task.version, reason=reason,
                             override_dependencies=override_dependencies)
    else:
        task_set_status(task=task, actor=_actor(owner), status=status, version=task.version, reason=reason,
                        override_dependencies=override_dependencies)


def opt_out_token(*, organization: Organization, email: str, kind: str, language: str = "") -> str:
    payload = {"o": str(organization.public_id), "e": email, "k": kind, "l": language}
    return signing.dumps(payload, salt=OPT_OUT_SALT, compress=True)


def opt_out_url(**kwargs) -> str:
    return settings.SITE_URL + reverse("reminders:opt-out", kwargs={"token": opt_out_token(**kwargs)})


@dataclass(frozen=True)
class OptOutGrant:
    organization: Organization
    email: str
    kind: str
    language: str


def opt_out_load(token: str) -> OptOutGrant:
    """An opt-out link's organization, address and kind; LinkError when altered. No expiry:
    an old mail's opt-out still works."""
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature as error:
        raise LinkError(_("This link is not valid. Copy the whole link from the e-mail.")) from error
    organization = Organization.objects.filter(public_id=data.get("o")).first() if isinstance(data, dict) else None
    if organization is None or data.get("k") not in Kind.values or not data.get("e"):
        raise LinkError(_("This link is not valid. Copy the whole link from the e-mail."))
    return OptOutGrant(organization, str(data["e"]), data["k"], str(data.get("l", "")))


def opt_out(*, grant: OptOutGrant) -> None:
    """Record that the address wants no more mails of this kind from this organization (idempotent)."""
    ReminderOptOut.objects.get_or_create(organization=grant.organization, email=grant.email, kind=grant.kind)


def cadence_for(organization: Organization) -> ReminderSettings:
    """The organization's cadence (its defaults, unsaved, when it never set one)."""
    return ReminderSettings.objects.filter(organization=organization).first() or ReminderSettings(
        organization=organization
    )


def cadence_update(*, settings_row: ReminderSettings) -> ReminderSettings:
    """Save an organization's cadence (validated by the caller's form); the next sweep uses it."""
    settings_row.save()
    return settings_row


# Sending -----------------------------------------------------------------------------------------

def _attempt(organization_id: int, digest_id: int, now: datetime.datetime) -> bool:
    stale = now - RETRY_AFTER
    return bool(
        ReminderDigest.objects.filter(
            pk=digest_id, organization_id=organization_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS
        ).filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=stale))
        .update(attempts=F("attempts") + 1, last_attempt_at=now)
    )


def digest_send(*, organization_id: int, digest_id: int, now: datetime.datetime | None = None) -> bool:
    """Send one claimed digest if it may still be attempted (see the module's docstring); answers
    whether this call sent or settled it. Items done since the claim are left out; a digest left
    with nothing is marked sent without a mail."""
    now = now or timezone.now()
    if not _attempt(organization_id, digest_id, now):
        return False
    digest = ReminderDigest.objects.select_related("organization").get(pk=digest_id)
    try:
        if digest.kind == Kind.SLIP_SUMMARY:
            _send_slip_summary(digest)
        else:
            _send_task_digest(digest, now)
    except MAIL_TASK_OPTIONS["autoretry_for"]:
        # Nothing went out: give the attempt back for the task's own retry.
        ReminderDigest.objects.filter(pk=digest_id).update(attempts=F("attempts") - 1, last_attempt_at=None)
        raise
    sent = timezone.now()
    ReminderDigest.objects.filter(pk=digest_id).update(sent_at=sent)
    ReminderLog.objects.filter(digest_id=digest_id).update(sent_at=sent)
    return True


def _headers(url: str) -> dict:
    # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the URL.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def when_label(due: datetime.date, today: datetime.date) -> str:
    days = (due - today).days
    if days > 0:
        return ngettext("due tomorrow", "due in %(count)d days", days) % {"count": days}
    if days == 0:
        return _("due today")
    return ngettext("overdue by %(count)d day", "overdue by %(count)d days", -days) % {"count": -days}


def _send_task_digest(digest: ReminderDigest, now: datetime.datetime) -> None:
    logs = list(
        ReminderLog.objects.filter(digest_id=digest.pk)
        .select_related("task__plan__deal", "task__owner__user", "task__owner__organization")
        .order_by("task__due_date", "task__title", "task_id")
    )
    items = [
        log.task for log in logs
        if log.task is not None and log.task.status != TaskStatus.DONE and still_theirs(log.task, digest.email)
    ]
    if not items:
        return
    today = local_now(now, digest.timezone).date()
    language = digest.language or settings.LANGUAGE_CODE
    deals: dict[int, dict] = {}
    links: dict[int, str] = {}
    with translation.override(language):  # the "due in 2 days" labels
        for task in items[:DIGEST_ITEMS_SHOWN]:
            _digest_item(task, digest, today, language, deals, links)
    unsubscribe = opt_out_url(organization=digest.organization, email=digest.email, kind=Kind.DIGEST,
                              language=language)
    context = {"name": digest.name, "organization": digest.organization, "deals": list(deals.values()),
               "count": len(items), "more": max(len(items) - DIGEST_ITEMS_SHOWN, 0), "opt_out_url": unsubscribe,
               "snooze_days": SNOOZE_DAYS}
    send_templated("reminder-digest", context, to=digest.email, language=language, headers=_headers(unsubscribe))


def _digest_item(task: Task, digest: ReminderDigest, today, language: str, deals: dict, links: dict) -> None:
    """One item of a digest, under its deal: what, when, and the links to act on it."""
    owner = task.owner
    plan = task.plan
    if owner.side == Side.BUYER:
        if owner.pk not in links:
            # The buyer's own fresh room link (no invitation mail: this digest carries it).
            _link, links[owner.pk] = room_access.link_issue(stakeholder=owner, mail=False)
        url = links[owner.pk]
    else:
        url = settings.SITE_URL + reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    deal = deals.setdefault(plan.deal_id, {"deal": plan.deal, "plan": plan, "url": url, "items": []})
    actions = {}
    common = {"task": task, "stakeholder": owner, "email": digest.email, "language": language}
    if action_allowed(task, owner):
        actions = {a: action_url(action=a, **common) for a in (Action.DONE, Action.BLOCKED)}
    actions[Action.SNOOZE] = action_url(action=Action.SNOOZE, **common)
    deal["items"].append({"task": task, "when": when_label(task.due_date, today),
                          "overdue": task.due_date < today, "actions": actions})


def _send_slip_summary(digest: ReminderDigest) -> None:
    slips = list(
        Slip.objects.filter(
            organization_id=digest.organization_id, side=Side.BUYER, plan__deal__owner_id=digest.user_id,
            created_at__gte=digest.claimed_at - SLIP_WINDOW, created_at__lt=digest.claimed_at,
        ).select_related("task", "plan__deal").order_by("plan__deal__name", "plan_id", "-created_at")
    )
    if not slips:
        return
    language = digest.language or settings.LANGUAGE_CODE
    deals: dict[int, dict] = {}
    for slip in slips:
        url = settings.SITE_URL + reverse("plans:detail", kwargs={"plan_id": slip.plan.public_id})
        deals.setdefault(slip.plan_id, {"deal": slip.plan.deal, "url": url, "slips": []})["slips"].append(slip)
    unsubscribe = opt_out_url(organization=digest.organization, email=digest.email, kind=Kind.SLIP_SUMMARY,
                              language=language)
    context = {"name": digest.name, "deals": list(deals.values()), "count": len(slips),
               "days": sum(s.days for s in slips), "opt_out_url": unsubscribe}
    send_templated("slip-summary", context, to=digest.email, language=language, headers=_headers(unsubscribe))

