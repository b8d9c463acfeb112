"""Check-in rules: notes, "mark held", and which agenda mails are due.

Seller and buyer co-own the plan, so both write the check-in's notes (the row says who wrote
them last, and the history records each save); only the seller's side marks a check-in held,
which freezes its agenda and moves the plan's next check-in by the cadence.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mapapp.concurrency import StaleEdit, save_versioned
from plans.activity import Actor, record
from plans.models import Cadence, Plan

from . import agenda as agendas
from .models import CheckIn

NOTES_MAX = 10_000
CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14}


def next_checkin_after(held: datetime.date, cadence: str, *, today: datetime.date) -> datetime.date | None:
    """The check-in after the one of `held`: one cadence later (weekly +7 days, every two weeks
    +14), and, for a check-in marked held late, the first such date that is not in the past.
    None without a cadence (a one-off check-in)."""
    step = CADENCE_DAYS.get(cadence)
    if step is None:
        return None
    following = held + datetime.timedelta(days=step)
    while following < today:
        following += datetime.timedelta(days=step)
    return following


def _check_date(plan: Plan, on: datetime.date) -> CheckIn | None:
    """The check-in of `on` (None if it has no row yet); ValidationError when `on` is neither the
    plan's next check-in nor one it had."""
    checkin = CheckIn.objects.filter(organization_id=plan.organization_id, plan=plan, date=on).first()
    if checkin is None and on != plan.next_checkin_date:
        raise ValidationError(_("This check-in is not on the plan any more: its date was changed."),
                              code="no_such_checkin")
    return checkin


@transaction.atomic
def checkin_notes_save(*, plan: Plan, on: datetime.date, notes: str, version: int, actor: Actor) -> CheckIn:
    """Save the notes of the plan's check-in on `on`, against the version the editor saw.

    `version` 0 means the editor saw no notes row yet. StaleEdit (with the stored check-in)
    when someone saved in between; ValidationError for a date the plan has no check-in on, or
    notes that are too long. Records who wrote them, on the row and in the history.
    """
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError({"notes": _("Please keep the notes under %(limit)d characters.") % {"limit": NOTES_MAX}})
    checkin = _check_date(plan, on)
    if checkin is None:
        if version != 0:
            raise StaleEdit(None)
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    organization_id=plan.organization_id, plan=plan, date=on, created_by=actor.user,
                )
        except IntegrityError:  # made a moment ago by someone else (their notes, the mail, "held")
            raise StaleEdit(CheckIn.objects.filter(plan=plan, date=on).first()) from None
        version = checkin.version
    changed = save_versioned(checkin, version=version, fields={"notes": notes})
    if changed:
        CheckIn.objects.filter(pk=checkin.pk).update(
            notes_by_user=actor.user, notes_by_stakeholder=actor.stakeholder, notes_by_name=actor.name[:150],
            notes_updated_at=timezone.now(),
        )
        checkin.notes_by_user, checkin.notes_by_stakeholder = actor.user, actor.stakeholder
        checkin.notes_by_name = actor.name[:150]
        record(plan=plan, actor=actor, verb="checkin_notes", target=plan, label=plan.title)
    return checkin


@transaction.atomic
def checkin_hold(*, plan: Plan, on: datetime.date, actor: Actor, today: datetime.date | None = None) -> CheckIn:
    """Mark the plan's next check-in (on `on`) held: freeze its agenda as it stands, and move
    the plan's next check-in by the cadence (none without one). ValidationError when `on` is
    not the plan's next check-in any more (someone marked it held or moved it meanwhile).
    Records "checkin_held" with the next date's change."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.next_checkin_date != on:
        raise ValidationError(
            _("This check-in was marked held or moved meanwhile: the page now shows the next one."),
            code="not_next",
        )
    now = timezone.now()
    checkin, _created = CheckIn.objects.get_or_create(
        organization_id=plan.organization_id, plan=locked, date=on, defaults={"created_by": actor.user},
    )
    checkin.agenda = agendas.agenda_build(locked, on=on)
    checkin.agenda_frozen_at = checkin.held_at = now
    checkin.held_by = actor.user
    checkin.save(update_fields=["agenda", "agenda_frozen_at", "held_at", "held_by"])
    following = next_checkin_after(on, locked.checkin_cadence, today=today or timezone.localdate())
    changed = save_versioned(locked, version=locked.version, fields={"next_checkin_date": following})
    plan.next_checkin_date, plan.version = locked.next_checkin_date, locked.version
    record(plan=locked, actor=actor, verb="checkin_held", target=locked, label=locked.title,
           changes=changed)
    return checkin
