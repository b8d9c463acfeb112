"""Stored plan health (plans.health_store): written after every committed change, once per
transaction, in the deal owner's today; refreshed by the hourly sweep when the day turns."""

import datetime

import pytest
import time_machine
from django.db import transaction

from deals.models import Outcome
from plans import health_data, health_store, rescheduling, services
from plans.models import Plan, PlanStatus, TaskSide, TaskStatus
from plans.scheduling import Reason
from plans.tasks import refresh_health, sweep_health
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def overdue_plan(deal, *, due=datetime.date(2026, 6, 10)):
    plan = factories.PlanFactory(deal=deal, organization=deal.organization, target_close_date=datetime.date(2026, 12, 1))
    factories.TaskFactory(plan=plan, organization=plan.organization, side=TaskSide.BUYER, due_date=due)
    return plan


def test_refresh_stores_what_the_live_computation_says(deal, frozen):
    plan = overdue_plan(deal)
    assert health_store.plans_refresh(organization_id=deal.organization_id, plan_ids=[plan.pk]) == 1
    plan.refresh_from_db()
    live = health_data.plan_health(plan, today=datetime.date(2026, 6, 15))
    assert plan.health == live.level == "amber"
    assert health_store.reasons_from_json(plan.health_reasons) == live.reasons
    assert plan.health_projected_close == live.projected_close_date
    assert plan.health_days_late == live.business_days_late
    assert plan.health_on == datetime.date(2026, 6, 15)


def test_refresh_uses_the_deal_owners_today(deal, seller):
    seller.timezone = "Pacific/Kiritimati"  # UTC+14: already the 16th at 23:30 UTC on the 15th
    seller.save()
    plan = overdue_plan(deal, due=datetime.date(2026, 6, 15))
    with time_machine.travel(datetime.datetime(2026, 6, 15, 23, 30, tzinfo=datetime.UTC), tick=False):
        health_store.plans_refresh(organization_id=deal.organization_id, plan_ids=[plan.pk])
    plan.refresh_from_db()
    assert plan.health_on == datetime.date(2026, 6, 16)
    assert plan.health == "amber"  # due the 15th: overdue on the owner's 16th


def test_refresh_ignores_another_organizations_plans(deal, outsider, frozen):
    foreign = overdue_plan(factories.DealFactory(organization=outsider.memberships.get().organization, owner=outsider))
    assert health_store.plans_refresh(organization_id=deal.organization_id, plan_ids=[foreign.pk]) == 0
    foreign.refresh_from_db()
    assert foreign.health == ""


def test_refresh_does_not_touch_the_plans_version_or_fields(deal, frozen):
    plan = overdue_plan(deal)
    before = Plan.objects.values("version", "updated_at", "title").get(pk=plan.pk)
    health_store.plans_refresh(organization_id=deal.organization_id, plan_ids=[plan.pk])
    assert Plan.objects.values("version", "updated_at", "title").get(pk=plan.pk) == before


def test_reasons_keep_their_dates_through_json():
    reasons = [Reason("projected_late", "red", {"business_days": 9, "projected": datetime.date(2026, 7, 3),
                                                 "target": datetime.date(2026, 6, 22)})]
    assert health_store.reasons_from_json(health_store.reasons_to_json(reasons)) == reasons


def test_a_change_refreshes_once_after_commit(deal, seller_actor, frozen, django_capture_on_commit_callbacks):
    plan = overdue_plan(deal)
    task = plan.tasks.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.IN_PROGRESS, version=task.version)
        task.refresh_from_db()
        services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=task.version)
    refreshes = [c for c in callbacks if isinstance(c, health_store._Refresh)]
    assert refreshes == [health_store._Refresh(plan.organization_id, plan.pk)]
    plan.refresh_from_db()
    assert plan.health == "green" and plan.health_on == datetime.date(2026, 6, 15)


def test_a_rolled_back_change_refreshes_nothing(deal, seller_actor, frozen, django_capture_on_commit_callbacks):
    plan = overdue_plan(deal)
    task = plan.tasks.get()
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=task.version)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not [c for c in callbacks if isinstance(c, health_store._Refresh)]
    # The next change in a new transaction still queues its refresh (nothing was left behind).
    task.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        services.task_set_status(task=task, actor=seller_actor, status=TaskStatus.DONE, version=task.version)
    assert [c for c in callbacks if isinstance(c, health_store._Refresh)]


def test_a_cascaded_reschedule_refreshes_the_plan(deal, seller_actor, frozen, django_capture_on_commit_callbacks):
    plan = overdue_plan(deal)
    task = plan.tasks.get()
    with django_capture_on_commit_callbacks(execute=True):
        rescheduling.task_reschedule(task=task, actor=seller_actor, due_date=datetime.date(2026, 6, 30),
                                 version=task.version, reason="Board moved", cascade=True)
    plan.refresh_from_db()
    # No longer overdue, but 20 days slipped in the window: red for the slip alone.
    assert plan.health == "red"
    assert [r["code"] for r in plan.health_reasons] == ["recent_slips"]


def test_the_sweep_refreshes_open_plans_whose_day_has_turned(deal, outsider, frozen):
    stale = overdue_plan(deal)
    current = overdue_plan(factories.DealFactory(organization=deal.organization, owner=deal.owner))
    won = overdue_plan(factories.DealFactory(organization=deal.organization, owner=deal.owner, outcome=Outcome.WON))
    foreign = overdue_plan(factories.DealFactory(organization=outsider.memberships.get().organization, owner=outsider))
    Plan.objects.filter(pk=stale.pk).update(health="green", health_on=datetime.date(2026, 6, 14))
    Plan.objects.filter(pk=current.pk).update(health="green", health_on=datetime.date(2026, 6, 15))
    assert health_store.stale_plans() == {deal.organization_id: [stale.pk], foreign.organization_id: [foreign.pk]}
    assert sweep_health.delay().get() == 2
    stale.refresh_from_db()
    current.refresh_from_db()
    won.refresh_from_db()
    foreign.refresh_from_db()
    assert (stale.health, stale.health_on) == ("amber", datetime.date(2026, 6, 15))
    assert current.health == "green"  # today's already: not recomputed
    assert won.health == ""  # closed deals keep what they had
    assert foreign.health == "amber"  # each organization refreshed in its own scope


def test_the_refresh_task_takes_the_organization_and_ids(deal, frozen):
    plan = overdue_plan(deal)
    assert refresh_health.delay(organization_id=deal.organization_id, plan_ids=[plan.pk]).get() == 1
    assert refresh_health.delay(organization_id=deal.organization_id + 999, plan_ids=[plan.pk]).get() == 0


def test_sharing_a_plan_stamps_when_it_was_first_shared(plan, seller_actor, frozen):
    changed = services.plan_update(plan=plan, actor=seller_actor, version=plan.version, data={"status": PlanStatus.SHARED})
    assert "status" in changed and "shared_at" not in changed
    plan.refresh_from_db()
    assert plan.shared_at == NOW
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        services.plan_update(plan=plan, actor=seller_actor, version=plan.version, data={"status": PlanStatus.DRAFT})
        plan.refresh_from_db()
        services.plan_update(plan=plan, actor=seller_actor, version=plan.version, data={"status": PlanStatus.SHARED})
    plan.refresh_from_db()
    assert plan.shared_at == NOW  # the first time counts


def test_accepting_an_unshared_plan_stamps_it_shared(plan, buyer, frozen):
    from plans import agreement

    seen = agreement.digest(agreement.take_snapshot(plan))
    agreement.plan_accept(plan=plan, stakeholder=buyer, version=plan.version, seen=seen, notify=False)
    plan.refresh_from_db()
    assert plan.shared_at == plan.agreed_at is not None


def test_the_command_refreshes_stale_plans_and_with_all_every_open_one(deal, frozen):
    from io import StringIO

    from django.core.management import call_command

    stale = overdue_plan(deal)
    current = overdue_plan(factories.DealFactory(organization=deal.organization, owner=deal.owner))
    Plan.objects.filter(pk=current.pk).update(health="green", health_on=datetime.date(2026, 6, 15))
    out = StringIO()
    call_command("refresh_health", stdout=out)
    assert "1 plan(s) in 1 organization(s)" in out.getvalue()
    assert Plan.objects.get(pk=stale.pk).health == "amber"
    assert Plan.objects.get(pk=current.pk).health == "green"
    call_command("refresh_health", "--all", stdout=out)
    assert Plan.objects.get(pk=current.pk).health == "amber"


def test_the_migration_dates_existing_plans_first_sharing_from_their_history(deal, seller_actor):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("plans.migrations.0006_stored_health_shared_at")
    shared = factories.PlanFactory(deal=deal, organization=deal.organization)
    with time_machine.travel(NOW, tick=False):
        services.plan_update(plan=shared, actor=seller_actor, version=shared.version, data={"status": "shared"})
    agreed_only = factories.PlanFactory(deal=factories.DealFactory(organization=deal.organization, owner=deal.owner),
                                        organization=deal.organization, status=PlanStatus.AGREED, agreed_at=NOW)
    draft = factories.PlanFactory(deal=factories.DealFactory(organization=deal.organization, owner=deal.owner),
                                  organization=deal.organization)
    Plan.objects.update(shared_at=None)
    migration.backfill_shared_at(apps, None)
    assert Plan.objects.get(pk=shared.pk).shared_at == NOW
    assert Plan.objects.get(pk=agreed_only.pk).shared_at == NOW
    assert Plan.objects.get(pk=draft.pk).shared_at is None
