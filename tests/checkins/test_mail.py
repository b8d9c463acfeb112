"""The agenda mail: the day before the check-in, in each recipient's morning and language,
exactly once per check-in and recipient."""

import datetime
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail as outbox
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checkins import mail
from checkins.models import AgendaMail, CheckIn
from checkins.tasks import sweep_checkin_agendas
from deals.models import DecisionRole, Side
from plans import room_access
from plans.models import Cadence, TaskStatus
from tests import factories

UTC = datetime.UTC
CHECKIN = datetime.date(2026, 12, 2)
# 23:30 UTC on 30 November: 08:30 on 1 December in Tokyo, 00:30 in Berlin.
TOKYO_MORNING = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
# 07:15 UTC on 1 December: 08:15 in Berlin.
BERLIN_MORNING = datetime.datetime(2026, 12, 1, 7, 15, tzinfo=UTC)


@pytest.fixture
def mail_plan(plan, seller, buyer):
    seller.language, seller.timezone = "de", "Europe/Berlin"
    seller.save()
    buyer.language, buyer.timezone, buyer.email = "ja", "Asia/Tokyo", "sarah@northwind.example"
    buyer.save()
    room_access.buyer_invite(stakeholder=buyer, invited_by=seller)
    plan.checkin_cadence, plan.next_checkin_date = Cadence.WEEKLY, CHECKIN
    plan.save()
    org = plan.organization
    factories.TaskFactory(plan=plan, organization=org, title="Security review", status=TaskStatus.BLOCKED,
                          blocked_reason="Waiting for the pen test", due_date=CHECKIN)
    factories.TaskFactory(plan=plan, organization=org, title="Discount approval", internal=True,
                          status=TaskStatus.IN_PROGRESS, due_date=CHECKIN)
    outbox.outbox.clear()
    return plan


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        sweep_checkin_agendas()


def test_each_recipient_gets_the_agenda_once_in_their_morning_language_and_zone(mail_plan, seller, buyer):
    sweep_at(datetime.datetime(2026, 11, 30, 22, 0, tzinfo=UTC))  # 07:00 in Tokyo: too early for anyone
    assert outbox.outbox == []

    sweep_at(TOKYO_MORNING)
    sweep_at(TOKYO_MORNING + datetime.timedelta(minutes=15))
    assert [m.to for m in outbox.outbox] == [["sarah@northwind.example"]]
    champion = outbox.outbox[0]
    assert "2026年12月2日" in champion.subject  # Japanese date format
    assert "Security review" in champion.body and "Waiting for the pen test" in champion.body
    assert "Discount approval" not in champion.body and "Discount approval" not in champion.alternatives[0][0]
    assert "/r/" in champion.body  # a fresh personal link to the room

    sweep_at(BERLIN_MORNING)
    sweep_at(BERLIN_MORNING + datetime.timedelta(minutes=15))
    assert [m.to for m in outbox.outbox] == [["sarah@northwind.example"], [seller.email]]
    owner = outbox.outbox[1]
    assert "2. Dezember 2026" in owner.subject  # German date format
    assert "Discount approval" in owner.body and "[internal]" in owner.body
    assert f"/plans/{mail_plan.public_id}/checkin/" in owner.body

    checkin = CheckIn.objects.get(plan=mail_plan, date=CHECKIN)
    assert checkin.agenda is not None and checkin.held_at is None  # frozen by the first mail
    assert AgendaMail.objects.filter(checkin=checkin, sent_at__isnull=False).count() == 2

    # On the check-in day itself: nothing more.
    sweep_at(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert len(outbox.outbox) == 2


def test_only_champions_who_were_invited_and_not_revoked_get_it(mail_plan, seller, buyer):
    deal = mail_plan.deal
    factories.StakeholderFactory(deal=deal, name="Never invited", email="never@northwind.example",
                                 timezone="Asia/Tokyo")
    revoked = factories.StakeholderFactory(deal=deal, name="Revoked", email="gone@northwind.example",
                                           timezone="Asia/Tokyo")
    room_access.buyer_invite(stakeholder=revoked, invited_by=seller)
    from plans.activity import Actor
    room_access.buyer_revoke(stakeholder=revoked, actor=Actor(user=seller))
    user = factories.StakeholderFactory(deal=deal, name="Not a champion", email="user@northwind.example",
                                        decision_role=DecisionRole.USER, timezone="Asia/Tokyo")
    room_access.buyer_invite(stakeholder=user, invited_by=seller)
    seller_side = factories.StakeholderFactory(deal=deal, side=Side.SELLER, email="se@acme.example",
                                               timezone="Asia/Tokyo")
    assert seller_side.decision_role == DecisionRole.CHAMPION
    outbox.outbox.clear()
    sweep_at(TOKYO_MORNING)
    assert [m.to for m in outbox.outbox] == [["sarah@northwind.example"]]


def test_a_failed_send_gives_the_claim_back_and_the_retry_sends_it(mail_plan, buyer, monkeypatch):
    calls = []
    real = mail.send_templated

    def flaky(*args, **kwargs):
        calls.append(kwargs["to"])
        if len(calls) == 1:
            raise SMTPException("mail server down")
        return real(*args, **kwargs)

    monkeypatch.setattr(mail, "send_templated", flaky)
    with time_machine.travel(TOKYO_MORNING, tick=False):
        due = mail.agenda_mail_due()
        assert len(due) == 1
        with pytest.raises(SMTPException):
            mail.agenda_mail_send(plan=mail_plan, on=CHECKIN, recipients=list(due[0].recipients))
        assert not AgendaMail.objects.exists()
        assert mail.agenda_mail_send(plan=mail_plan, on=CHECKIN, recipients=list(due[0].recipients)) == 1
        # A second sender (a racing worker, a repeated task) finds the claim and sends nothing.
        assert mail.agenda_mail_send(plan=mail_plan, on=CHECKIN, recipients=list(due[0].recipients)) == 0
    assert len(outbox.outbox) == 1


def test_a_check_in_that_moved_is_not_mailed(mail_plan):
    with time_machine.travel(TOKYO_MORNING, tick=False):
        due = mail.agenda_mail_due()
        mail_plan.next_checkin_date = CHECKIN + datetime.timedelta(days=7)
        mail_plan.save()
        assert mail.agenda_mail_send(plan=mail_plan, on=CHECKIN, recipients=list(due[0].recipients)) == 0
    assert outbox.outbox == []


def test_finding_whos_due_costs_three_queries_whatever_the_number_of_plans(mail_plan, seller):
    counts = []
    for extra in (0, 8):
        for _ in range(extra):
            deal = factories.DealFactory(organization=mail_plan.organization, owner=seller)
            plan = factories.PlanFactory(deal=deal, organization=deal.organization, next_checkin_date=CHECKIN)
            champion = factories.StakeholderFactory(deal=deal, timezone="Asia/Tokyo")
            room_access.buyer_invite(stakeholder=champion, invited_by=seller)
            assert plan.next_checkin_date == CHECKIN
        with time_machine.travel(TOKYO_MORNING, tick=False), CaptureQueriesContext(connection) as queries:
            due = mail.agenda_mail_due()
        counts.append(len(queries))
        assert len(due) == 1 + extra
    # The plans due, their champions, the mails already sent.
    assert counts == [3, 3]


def test_the_sweep_is_on_the_beat_every_15_minutes():
    from mapapp.celery import app

    entry = app.conf.beat_schedule["checkin-agendas"]
    assert entry["task"] == "checkins.tasks.sweep_checkin_agendas"
    assert entry["schedule"].minute == {0, 15, 30, 45}
