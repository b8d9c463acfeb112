"""The agenda mail: the day before each check-in, in each recipient's local morning, the deal
owner and the buyer's champion(s) get the check-in's agenda.

`agenda_mail_due` (the 15-minute sweep) finds who is due, in three queries whatever the number
of plans: the plans whose next check-in is tomorrow somewhere on earth (an index on
plans_plan.next_checkin_date), the champions of their deals, and the mails already sent.
`agenda_mail_send` sends one plan's mails: each one claims its AgendaMail row (unique per
check-in and recipient) before it is sent, so a retry, a second sweep or two racing workers
never send it twice; a failed send gives the claim back for the retry.

A champion is a buyer-side stakeholder with the decision role "champion", an e-mail address,
and room access that was never revoked (they were invited); their mail carries the room's
version of the agenda and a fresh personal link to the room. The deal owner gets the seller's
version (internal items marked) and a link to the agenda page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation

from deals.models import DecisionRole, Outcome, Side, Stakeholder
from mapapp import timezones
from mapapp.mail import send_templated
from plans import room_access
from plans.models import Plan, PlanStatus, RoomLink

from . import agenda as agendas
from .models import AgendaMail, CheckIn

#: The recipient's local hour from which the day-before agenda goes out.
MORNING_HOUR = 8


@dataclass(frozen=True)
class Due:
    """One plan's agenda mails that are due now."""

    organization_id: int
    plan_id: int
    date: datetime.date
    recipients: tuple[str, ...]


def _zone(name: str):
    return timezones.zone(name) or timezones.zone(settings.TIME_ZONE) or datetime.UTC


def is_due(checkin_date: datetime.date, zone_name: str, now: datetime.datetime) -> bool:
    """True on the day before the check-in, from MORNING_HOUR on, in the recipient's zone."""
    local = now.astimezone(_zone(zone_name))
    return local.date() == checkin_date - datetime.timedelta(days=1) and local.hour >= MORNING_HOUR


def champions_query():
    """The buyer's champions who may get the agenda (see the module's docstring)."""
    invited = RoomLink.objects.filter(stakeholder=OuterRef("pk"), revoked_at__isnull=True)
    return (
        Stakeholder.objects.filter(side=Side.BUYER, decision_role=DecisionRole.CHAMPION)
        .exclude(email="").filter(Exists(invited))
    )


def agenda_mail_due(now: datetime.datetime | None = None) -> list[Due]:
    """Every plan with agenda mails due now and who gets them (three queries in all)."""
    now = now or timezone.now()
    utc_today = now.astimezone(datetime.UTC).date()
    # Tomorrow in any zone (UTC-12 … UTC+14) is one of these dates.
    window = [utc_today + datetime.timedelta(days=d) for d in (0, 1, 2)]
    plans = list(
        Plan.objects.filter(next_checkin_date__in=window, deal__outcome=Outcome.OPEN)
        .exclude(status=PlanStatus.CLOSED)
        .values_list("pk", "organization_id", "deal_id", "next_checkin_date", "deal__owner_id",
                     "deal__owner__timezone", named=True)
    )
    if not plans:
        return []
    champions: dict[int, list[tuple[int, str]]] = {}
    for pk, deal_id, zone_name in champions_query().filter(deal_id__in={p.deal_id for p in plans}).values_list(
        "pk", "deal_id", "timezone"
    ):
        champions.setdefault(deal_id, []).append((pk, zone_name))
    sent = set(
        AgendaMail.objects.filter(checkin__plan_id__in=[p.pk for p in plans])
        .values_list("checkin__plan_id", "checkin__date", "recipient")
    )
    due = []
    for plan in plans:
        people = [(f"user:{plan.deal__owner_id}", plan.deal__owner__timezone)]
        people += [(f"stakeholder:{pk}", zone_name) for pk, zone_name in champions.get(plan.deal_id, [])]
        recipients = tuple(
            key for key, zone_name in people
            if (plan.pk, plan.next_checkin_date, key) not in sent and is_due(plan.next_checkin_date, zone_name, now)
        )
        if recipients:
            due.append(Due(plan.organization_id, plan.pk, plan.next_checkin_date, recipients))
    return due


def _checkin_with_agenda(plan: Plan, on: datetime.date) -> CheckIn:
    """The check-in of `on`, made if needed, with its agenda frozen by the first mail (later
    mails of the same check-in send the same agenda)."""
    checkin, _created = CheckIn.objects.get_or_create(organization_id=plan.organization_id, plan=plan, date=on)
    if checkin.agenda is None:
        frozen = agendas.agenda_build(plan, on=on)
        now = timezone.now()
        # Only if nobody froze it meanwhile: whoever was first wins, everyone sends theirs.
        CheckIn.objects.filter(pk=checkin.pk, agenda__isnull=True).update(agenda=frozen, agenda_frozen_at=now)
        checkin.refresh_from_db(fields=["agenda", "agenda_frozen_at"])
    return checkin


def _claim(checkin: CheckIn, recipient: str, email: str) -> AgendaMail | None:
    try:
        with transaction.atomic():
            return AgendaMail.objects.create(
                organization_id=checkin.organization_id, checkin=checkin, recipient=recipient, email=email,
            )
    except IntegrityError:
        return None


def agenda_mail_send(*, plan: Plan, on: datetime.date, recipients: list[str]) -> int:
    """Send the agenda of the plan's check-in on `on` to those of `recipients` who are still
    its deal owner or its champions and have not had it yet. Answers how many mails went out.
    Nothing when the check-in moved meanwhile. Raises what the mail server raised (after giving
    the claim back), so the task retries that recipient; the others are not sent twice."""
    if plan.next_checkin_date != on:
        return 0
    deal = plan.deal
    wanted_users = {int(key.split(":")[1]) for key in recipients if key.startswith("user:")}
    wanted_people = {int(key.split(":")[1]) for key in recipients if key.startswith("stakeholder:")}
    people = []
    if deal.owner_id in wanted_users and deal.owner.email:
        owner = deal.owner
        people.append((f"user:{owner.pk}", owner.email, owner.language, owner.timezone, owner.get_full_name(), None))
    if wanted_people:
        for s in champions_query().filter(organization_id=plan.organization_id, deal_id=deal.pk,
                                          pk__in=wanted_people).select_related("organization"):
            people.append((f"stakeholder:{s.pk}", s.email, s.language, s.timezone, s.name, s))
    if not people:
        return 0
    checkin = _checkin_with_agenda(plan, on)
    sent = 0
    for key, email, language, zone_name, name, stakeholder in people:
        claim = _claim(checkin, key, email)
        if claim is None:
            continue
        try:
            _send(plan=plan, checkin=checkin, email=email, language=language, zone_name=zone_name, name=name,
                  stakeholder=stakeholder)
        except Exception:
            AgendaMail.objects.filter(pk=claim.pk).delete()
            raise
        AgendaMail.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


def _send(*, plan: Plan, checkin: CheckIn, email: str, language: str, zone_name: str, name: str,
          stakeholder: Stakeholder | None) -> None:
    stored = checkin.agenda
    if stakeholder is None:
        url = settings.SITE_URL + reverse("checkins:agenda", kwargs={"plan_id": plan.public_id})
        room = False
    else:
        stored = agendas.room_view(stored)
        # Their own fresh link (the room session starts from it; the room links to the agenda).
        _link, url = room_access.link_issue(stakeholder=stakeholder, created_by=None, mail=False)
        room = True
    language = language or settings.LANGUAGE_CODE
    with timezone.override(_zone(zone_name)), translation.override(language):
        context = {
            "plan": plan, "deal": plan.deal, "name": name, "url": url, "room": room,
            "checkin_date": checkin.date, "agenda": agendas.display(stored),
        }
        send_templated("checkin-agenda", context, to=email, language=language)
