"""What the agenda pages show: the upcoming check-in (its live agenda, its notes) and the past
ones (their frozen agendas and notes)."""

from __future__ import annotations

from django.utils import timezone

from plans.models import Plan

from . import agenda as agendas
from .models import CheckIn

PAST_SHOWN = 12


def agenda_page_data(plan: Plan, *, room: bool) -> dict:
    """Five queries: the check-ins (the upcoming one and the newest past ones) and the
    upcoming agenda (checkins.agenda.agenda_build). The room's version leaves everything
    internal out, past agendas included."""
    upcoming_date = plan.next_checkin_date
    rows = list(
        CheckIn.objects.filter(organization_id=plan.organization_id, plan=plan)
        .select_related("notes_by_user", "notes_by_stakeholder")
        .order_by("-date")[: PAST_SHOWN + 1]
    )
    upcoming = next((c for c in rows if c.date == upcoming_date), None) if upcoming_date else None
    past = []
    for checkin in rows:
        if checkin is upcoming or len(past) >= PAST_SHOWN:
            continue
        stored = checkin.agenda
        if stored is not None and room:
            stored = agendas.room_view(stored)
        past.append({"checkin": checkin, "agenda": agendas.display(stored) if stored is not None else None})
    agenda = None
    if upcoming_date is not None:
        agenda = agendas.display(agendas.agenda_build(plan, on=upcoming_date, room=room))
    return {
        "plan": plan,
        "deal": plan.deal,
        "upcoming_date": upcoming_date,
        "upcoming": upcoming,
        "agenda": agenda,
        "past": past,
        "today": timezone.localdate(),
        "room": room,
    }
