"""The reminder sweep (every 15 minutes, mapapp/celery.py): what is due, for whom, claimed once.

Rules
- An open task (not done, on an open deal whose plan is not closed) with an owner who has an
  address is reminded by its due date, in the owner's own calendar: "soon" once when it is
  1..days_before days away, "today" on the day, then "overdue" on the first day late and again
  every overdue_every_days days (slot overdue0, overdue1, ...) until overdue_stop_days.
- A buyer-side owner is reminded only of the room's items (no internal task), of a plan that
  was shared, and only while they hold room access (an unrevoked link: the seller invited them
  and did not revoke it). Everyone else on the seller side is reminded of every item they own.
- Nothing goes out before send_hour (08:00) or from 20:00 in the recipient's zone: a sweep at
  03:00 local sends them nothing yet; the first sweep after 08:00 does.
- One digest per (organization, address, kind): every item of theirs across deals.
- A slot is claimed once, ever (reminders.models.ReminderLog's unique constraint). A sweep
  that missed runs computes only each item's current slot: one digest, not one per missed run.
- The deal owner's daily summary of the buyer side's slips of the last 24 hours: slot
  "slips@<their local date>", once per local day.
- Opted-out addresses (per organization and kind) and snoozed items are left out.

Exactly once: the claim (one INSERT ... ON CONFLICT DO NOTHING for all rows) commits before
any mail is sent; two racing sweeps, or the same sweep run twice, claim each row once. Sending
is reminders.services.digest_send: at most two attempts per digest (see there).

Cost: a constant number of queries whatever the number of tasks or of due items (the rows
come in one range scan of the partial index reminders_task_open_due, see migration 0002).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from deals.models import Outcome, Side
from mapapp import timezones
from plans.models import PlanStatus, RoomLink, Slip, Task, TaskStatus

from .models import (
    Kind,
    ReminderDigest,
    ReminderLog,
    ReminderOptOut,
    ReminderSettings,
    ReminderSnooze,
)

# Nothing is sent from this local hour until the next day's send_hour.
LAST_HOUR = 20
# A digest claimed (or attempted) this long ago and still not sent is tried again, once.
RETRY_AFTER = datetime.timedelta(minutes=15)
MAX_ATTEMPTS = 2
SLIP_WINDOW = datetime.timedelta(days=1)
CLAIM_CHUNK = 1000


@dataclass(frozen=True)
class Cadence:
    days_before: int = 2
    overdue_every_days: int = 3
    overdue_stop_days: int = 30
    send_hour: int = 8


DEFAULT_CADENCE = Cadence()


@dataclass
class Recipient:
    organization_id: int
    email: str
    kind: str
    name: str = ""
    language: str = ""
    timezone: str = ""
    user_id: int | None = None
    claims: list[tuple[int | None, str]] = field(default_factory=list)  # (task id, slot)


@dataclass
class SweepResult:
    digests: list[tuple[int, int]]  # (organization id, digest id) claimed now
    retried: list[tuple[int, int]]  # claimed earlier, never sent: tried once more


def slot_for(due: datetime.date, today: datetime.date, cadence: Cadence) -> str | None:
    """Which reminder of a task due on `due` belongs to the recipient's `today` (None: no reminder)."""
    days = (due - today).days
    if days > cadence.days_before:
        return None
    if days > 0:
        return f"soon@{due.isoformat()}"
    if days == 0:
        return f"today@{due.isoformat()}"
    late = -days
    if late > cadence.overdue_stop_days:
        return None
    return f"overdue{(late - 1) // cadence.overdue_every_days}@{due.isoformat()}"


def local_now(now: datetime.datetime, zone_name: str) -> datetime.datetime:
    """`now` in the zone called `zone_name` (the site's zone when empty or unknown)."""
    zone = timezones.zone(zone_name) or timezones.zone(settings.TIME_ZONE) or datetime.UTC
    return now.astimezone(zone)


def sending_hours(local: datetime.datetime, cadence: Cadence) -> bool:
    return cadence.send_hour <= local.hour < LAST_HOUR


def _cadences(organization_ids) -> dict[int, Cadence]:
    rows = ReminderSettings.objects.filter(organization_id__in=organization_ids).values_list(
        "organization_id", "days_before", "overdue_every_days", "overdue_stop_days", "send_hour"
    )
    return {row[0]: Cadence(*row[1:]) for row in rows}


def _window(today_utc: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Due dates any organization's cadence can want today, in any zone (every zone's today is
    within a day of UTC's)."""
    widest = ReminderSettings.objects.aggregate(before=Max("days_before"), stop=Max("overdue_stop_days"))
    before = max(widest["before"] or 0, DEFAULT_CADENCE.days_before)
    stop = max(widest["stop"] or 0, DEFAULT_CADENCE.overdue_stop_days)
    return today_utc - datetime.timedelta(days=stop + 1), today_utc + datetime.timedelta(days=before + 1)


TASK_FIELDS = (
    "pk", "organization_id", "due_date", "internal", "plan__status",
    "owner__side", "owner__email", "owner__name", "owner__language", "owner__timezone",
    "owner__user__email", "owner__user__name", "owner__user__language", "owner__user__timezone", "has_room_access",
)


def due_tasks_query(now: datetime.datetime):
    """Open tasks with an owner that may be due for a reminder somewhere on earth (a range scan
    of the partial index reminders_task_open_due). Reads the widest cadence: one query."""
    low, high = _window(now.astimezone(datetime.UTC).date())
    access = RoomLink.objects.filter(stakeholder_id=OuterRef("owner_id"), revoked_at__isnull=True)
    return (
        Task.objects.filter(due_date__gte=low, due_date__lte=high, owner__isnull=False)
        .exclude(status=TaskStatus.DONE)
        .filter(plan__deal__outcome=Outcome.OPEN)
        .exclude(plan__status=PlanStatus.CLOSED)
        .filter(Q(owner__email__gt="") | Q(owner__user__isnull=False))
        .annotate(has_room_access=Exists(access))
        .order_by()  # grouped in Python: no sort
        .values(*TASK_FIELDS)
    )


def due_tasks(now: datetime.datetime) -> list[dict]:
    """The rows of due_tasks_query: one query (and one for the window)."""
    return list(due_tasks_query(now))


def _task_recipient(row: dict) -> Recipient | None:
    if row["owner__side"] == Side.BUYER:
        if row["internal"] or row["plan__status"] == PlanStatus.DRAFT or not row["has_room_access"]:
            return None
        email, name = row["owner__email"], row["owner__name"]
        language, zone = row["owner__language"], row["owner__timezone"]
    else:
        email = row["owner__user__email"] or row["owner__email"]
        name = row["owner__user__name"] or row["owner__name"]
        language = row["owner__user__language"] or row["owner__language"]
        zone = row["owner__user__timezone"] or row["owner__timezone"]
    if not email:
        return None
    return Recipient(row["organization_id"], email.strip().lower(), Kind.DIGEST, name, language, zone)


def still_theirs(task: Task, email: str) -> bool:
    """Whether the reminder claimed for `email` still concerns them when it is sent (the owner or
    their address may have changed since the claim)."""
    owner = task.owner
    if owner is None:
        return False
    if owner.side == Side.BUYER:
        return not task.internal and owner.email.strip().lower() == email
    address = (owner.user.email if owner.user_id else "") or owner.email
    return address.strip().lower() == email


def collect_digests(now: datetime.datetime, rows: list[dict]) -> list[Recipient]:
    """Group due tasks by recipient, keeping the items whose slot is due now in their zone,
    that are not snoozed and whose recipient has not opted out. Two queries."""
    cadences = _cadences({row["organization_id"] for row in rows})
    recipients: dict[tuple, Recipient] = {}
    for row in rows:
        found = _task_recipient(row)
        if found is None:
            continue
        key = (found.organization_id, found.email, found.kind)
        recipient = recipients.setdefault(key, found)
        cadence = cadences.get(row["organization_id"], DEFAULT_CADENCE)
        local = local_now(now, recipient.timezone)
        if not sending_hours(local, cadence):
            continue
        slot = slot_for(row["due_date"], local.date(), cadence)
        if slot is not None:
            recipient.claims.append((row["pk"], slot))
    wanted = [r for r in recipients.values() if r.claims]
    if not wanted:
        return []
    opted_out = set(
        ReminderOptOut.objects.filter(kind=Kind.DIGEST, email__in={r.email for r in wanted})
        .values_list("organization_id", "email")
    )
    task_ids = [task_id for r in wanted for task_id, _slot in r.claims]
    snoozed = {
        (task_id, email): until
        for task_id, email, until in ReminderSnooze.objects.filter(task_id__in=task_ids).values_list(
            "task_id", "email", "until"
        )
    }
    result = []
    for recipient in wanted:
        if (recipient.organization_id, recipient.email) in opted_out:
            continue
        today = local_now(now, recipient.timezone).date()
        recipient.claims = [
            (task_id, slot) for task_id, slot in recipient.claims
            if snoozed.get((task_id, recipient.email), today) <= today
        ]
        if recipient.claims:
            result.append(recipient)
    return result


def collect_slip_summaries(now: datetime.datetime) -> list[Recipient]:
    """Deal owners with buyer-side slips in the last day, in their local morning, not opted out."""
    rows = (
        Slip.objects.filter(side=Side.BUYER, created_at__gte=now - SLIP_WINDOW, created_at__lt=now)
        .filter(plan__deal__outcome=Outcome.OPEN)
        .order_by()  # Slip's default ordering would defeat the DISTINCT
        .values_list("organization_id", "plan__deal__owner_id", "plan__deal__owner__email",
                     "plan__deal__owner__name", "plan__deal__owner__language", "plan__deal__owner__timezone")
        .distinct()
    )
    owners = [Recipient(org, email.strip().lower(), Kind.SLIP_SUMMARY, name, language, zone, user_id)
              for org, user_id, email, name, language, zone in rows if email]
    if not owners:
        return []
    cadences = _cadences({o.organization_id for o in owners})
    opted_out = set(
        ReminderOptOut.objects.filter(kind=Kind.SLIP_SUMMARY, email__in={o.email for o in owners})
        .values_list("organization_id", "email")
    )
    result = []
    for owner in owners:
        local = local_now(now, owner.timezone)
        if (owner.organization_id, owner.email) in opted_out:
            continue
        if sending_hours(local, cadences.get(owner.organization_id, DEFAULT_CADENCE)):
            owner.claims.append((None, f"slips@{local.date().isoformat()}"))
            result.append(owner)
    return result


def _insert_claims(rows: list[tuple]) -> set[int]:
    """INSERT the log rows, skipping those claimed before; answers the digests that got any."""
    table = connection.ops.quote_name(ReminderLog._meta.db_table)
    columns = "organization_id, email, kind, task_id, slot, digest_id, claimed_at"
    claimed: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CLAIM_CHUNK):
            chunk = rows[start:start + CLAIM_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING RETURNING digest_id",
                [value for row in chunk for value in row],
            )
            claimed.update(row[0] for row in cursor.fetchall())
    return claimed


@transaction.atomic
def claim(recipients: list[Recipient], now: datetime.datetime) -> list[tuple[int, int]]:
    """Claim every recipient's slots under a new digest; digests that claimed nothing (all
    claimed before, by an earlier or a racing sweep) are dropped. Three queries."""
    if not recipients:
        return []
    digests = ReminderDigest.objects.bulk_create([
        ReminderDigest(organization_id=r.organization_id, email=r.email, kind=r.kind, name=r.name[:150],
                       language=r.language, timezone=r.timezone, user_id=r.user_id, claimed_at=now)
        for r in recipients
    ])
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [
        (r.organization_id, r.email, r.kind, task_id, slot, digest.pk, stamp)
        for r, digest in zip(recipients, digests, strict=True) for task_id, slot in r.claims
    ]
    claimed = _insert_claims(rows)
    empty = [d.pk for d in digests if d.pk not in claimed]
    if empty:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(ReminderDigest._meta.db_table)} WHERE id IN "
                f"({', '.join(['%s'] * len(empty))})", empty,
            )
    return [(d.organization_id, d.pk) for d in digests if d.pk in claimed]


def unsent_to_retry(now: datetime.datetime) -> list[tuple[int, int]]:
    """Digests claimed and not sent, whose last attempt (if any) started RETRY_AFTER ago and
    that have attempts left: a worker died or the send task was lost."""
    stale = now - RETRY_AFTER
    return list(
        ReminderDigest.objects.filter(sent_at__isnull=True, claimed_at__lt=stale, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=stale))
        .values_list("organization_id", "pk")
    )


def run(now: datetime.datetime | None = None) -> SweepResult:
    """One sweep: claim what is due now; answers the digests to send (the caller enqueues them)."""
    now = now or timezone.now()
    retried = unsent_to_retry(now)
    recipients = collect_digests(now, due_tasks(now)) + collect_slip_summaries(now)
    return SweepResult(digests=claim(recipients, now), retried=retried)

