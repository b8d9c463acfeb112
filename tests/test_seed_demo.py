"""The demo data: built through the services, in one organization, and only once."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F

from deals.models import Deal, DealShare, Outcome
from mapapp import demo
from mapapp.models import Membership, Organization, Role, TenantModel
from plans.models import Activity, Plan, PlanStatus, Task, TaskDependency, TaskStatus

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    # Seeding takes a couple of seconds: do it once for the module and remove it afterwards.
    # Each test still runs in its own rolled-back transaction, so reruns and resets don't leak.
    with django_db_blocker.unblock():
        output = seed()
        yield output
        demo.delete_demo()


@pytest.fixture
def seeded(seeded_once, db):
    return demo.find_demo_organization(), seeded_once


def flagship(org) -> Plan:
    return Plan.objects.get(organization=org, deal__buyer_company="Meridian Freight Group")


def test_seed_creates_the_organization_and_its_four_members_with_their_roles(seeded):
    org, output = seeded
    assert org.name == "Northbeam Analytics"
    roles = dict(Membership.objects.filter(organization=org).values_list("user__email", "role"))
    assert roles == {
        "admin@demo.example": Role.ADMIN,
        "manager@demo.example": Role.MANAGER,
        "seller1@demo.example": Role.SELLER,
        "seller2@demo.example": Role.SELLER,
    }
    for membership in Membership.objects.filter(organization=org).select_related("user"):
        assert membership.user.check_password("demo-password-2026")
    assert "http://127.0.0.1:8000/login/" in output
    assert all(email in output for email in roles)


def test_seed_creates_about_twenty_deals_across_stages_outcomes_and_owners(seeded):
    org, _ = seeded
    deals = Deal.objects.for_org(org)
    assert 18 <= deals.count() <= 22
    assert {Outcome.OPEN, Outcome.WON, Outcome.LOST} <= set(deals.values_list("outcome", flat=True))
    assert len(set(deals.values_list("stage", flat=True))) >= 5
    assert {"EUR", "USD", "JPY", "IDR"} <= set(deals.values_list("currency", flat=True))
    assert set(deals.values_list("owner__email", flat=True)) == {"seller1@demo.example", "seller2@demo.example"}
    assert not deals.filter(outcome=Outcome.OPEN, closed_at__isnull=False).exists()
    assert not deals.exclude(outcome=Outcome.OPEN).filter(closed_at__isnull=True).exists()
    assert DealShare.objects.filter(organization=org).exists()
    assert deals.filter(plan__isnull=True).exists()


def test_seed_creates_plans_in_every_state_and_at_least_one_agreed_by_a_buyer(seeded):
    org, _ = seeded
    plans = Plan.objects.for_org(org)
    assert set(plans.values_list("status", flat=True)) == set(PlanStatus.values)
    agreed = plans.filter(status=PlanStatus.AGREED)
    assert agreed.exists()
    for plan in agreed.select_related("agreed_by"):
        assert plan.agreed_at is not None
        assert plan.agreed_by.side == "buyer" and plan.agreed_by.deal_id == plan.deal_id


def test_flagship_plan_is_the_enterprise_evaluation_with_dependencies(seeded):
    org, _ = seeded
    plan = flagship(org)
    assert list(plan.milestones.values_list("title", flat=True)) == [
        "Discovery", "Technical deep dive", "Security review", "Business case to the CFO",
        "Procurement", "Legal review", "Decision", "Kickoff",
    ]
    tasks = plan.tasks.select_related("owner")
    assert 15 <= tasks.count() <= 18
    assert {t.owner.side for t in tasks} == {"buyer", "seller"}
    assert {TaskStatus.DONE, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.NOT_STARTED} <= {
        t.status for t in tasks
    }
    assert all(t.blocked_reason for t in tasks if t.status == TaskStatus.BLOCKED)
    security = plan.tasks.get(title__startswith="Security review")
    assert security.depends_on.filter(title__startswith="Deliver the solution architecture").exists()
    assert TaskDependency.objects.filter(task__plan=plan).count() >= 10
    assert plan.risks.count() >= 4 and plan.comments.exists()
    assert plan.checkin_cadence == "weekly" and plan.next_checkin_date is not None


def test_activity_history_comes_from_the_services_with_buyers_and_sellers_as_actors(seeded):
    org, _ = seeded
    history = Activity.objects.filter(plan=flagship(org))
    assert history.filter(actor_stakeholder__isnull=False).exists()
    assert history.filter(actor_user__isnull=False).exists()
    assert history.filter(changes__has_key="status").exists()


def test_every_tenant_row_carries_the_demo_organization(seeded):
    org, _ = seeded
    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    assert {Deal, Plan, Task, Activity} <= set(tenant_models)
    for model in tenant_models:
        assert not model.objects.exclude(organization=org).exists(), model.__name__
    # Children agree with their parents, so denormalised ids can't drift.
    assert not Task.objects.exclude(organization_id=F("plan__organization_id")).exists()
    assert not Plan.objects.exclude(organization_id=F("deal__organization_id")).exists()


def test_running_it_again_changes_nothing(seeded):
    _org, _ = seeded
    counts = (Organization.objects.count(), Deal.objects.count(), Task.objects.count(), Activity.objects.count())
    output = seed()
    assert "already exists" in output
    assert (Organization.objects.count(), Deal.objects.count(), Task.objects.count(),
            Activity.objects.count()) == counts


def test_reset_deletes_the_demo_and_builds_it_again(seeded):
    org, _ = seeded
    tasks = Task.objects.count()
    seed("--reset")
    assert not Organization.objects.filter(pk=org.pk).exists()
    assert Organization.objects.filter(name="Northbeam Analytics").count() == 1
    assert Task.objects.count() == tasks


def test_the_output_ends_with_a_working_link_to_the_flagship_room_as_the_champion(seeded, client):
    org, output = seeded
    import re

    from django.core import mail

    match = re.search(r"as the buyer's champion, (.+?) \(Meridian Freight Group\).*\n\s+(https?://\S+/r/([\w-]+)/)", output)
    assert match, output
    assert not mail.outbox  # printed, not mailed
    plan = flagship(org)
    response = client.post(f"/r/{match.group(3)}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/room/{plan.public_id}/"
    assert match.group(1) in response.content.decode()
