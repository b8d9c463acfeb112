import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from deals import services
from deals.models import Deal, DealShare, Outcome, Side, Stage, Stakeholder
from mapapp.concurrency import StaleEdit
from plans.activity import Actor
from plans.models import Activity
from tests import factories


def deal_data(**overrides):
    data = {
        "name": "Contoso rollout",
        "buyer_company": "Contoso",
        "amount": Decimal("250000.00"),
        "currency": "EUR",
        "stage": Stage.EVALUATION,
        "target_close_date": datetime.date(2030, 3, 31),
        "external_id": "SF-0042",
    }
    data.update(overrides)
    return data


# Deals -----------------------------------------------------------------------------------

def test_deal_create_is_owned_by_the_actor_unless_told_otherwise(org, seller, seller_actor):
    deal = services.deal_create(organization=org, actor=seller_actor, data=deal_data())
    assert deal.owner == seller
    assert deal.organization == org
    assert deal.outcome == Outcome.OPEN and deal.closed_at is None
    assert deal.version == 1


def test_deal_create_shares_with_colleagues_but_not_the_owner(org, seller, other_seller, manager, seller_actor):
    deal = services.deal_create(
        organization=org, actor=seller_actor, data=deal_data(), shared_with=[other_seller, seller, manager]
    )
    assert set(deal.shares.values_list("user_id", flat=True)) == {other_seller.pk, manager.pk}
    assert set(DealShare.objects.filter(deal=deal).values_list("organization_id", flat=True)) == {org.pk}


def test_deal_create_refuses_to_share_with_an_outsider(org, seller_actor, outsider):
    with pytest.raises(ValidationError):
        services.deal_create(organization=org, actor=seller_actor, data=deal_data(), shared_with=[outsider])
    assert not Deal.objects.filter(name="Contoso rollout").exists()


def test_deal_create_refuses_an_outsider_as_owner(org, seller_actor, outsider):
    with pytest.raises(ValidationError):
        services.deal_create(organization=org, actor=seller_actor, data=deal_data(owner=outsider))


def test_deal_create_won_stamps_closed_at(org, seller_actor):
    deal = services.deal_create(organization=org, actor=seller_actor, data=deal_data(outcome=Outcome.WON))
    assert deal.closed_at is not None


def test_deal_update_records_activity_with_before_and_after_on_the_plan(deal, plan, seller_actor):
    changed = services.deal_update(
        deal=deal, actor=seller_actor, version=deal.version, data={"stage": Stage.PROPOSAL, "amount": Decimal("99")}
    )
    assert set(changed) == {"stage", "amount"}
    deal.refresh_from_db()
    assert deal.stage == Stage.PROPOSAL and deal.version == 2
    activity = Activity.objects.get(plan=plan, target_type="deal")
    assert activity.verb == "updated"
    assert activity.changes["stage"] == [Stage.DISCOVERY, Stage.PROPOSAL]
    assert activity.changes["amount"] == ["120000.00", "99"]
    # Amounts are the seller's business: never shown in the buyer's room.
    assert activity.internal is True
    assert activity.actor_user_id == seller_actor.user.pk


def test_deal_update_without_changes_records_nothing_and_keeps_the_version(deal, plan, seller_actor):
    assert services.deal_update(deal=deal, actor=seller_actor, version=1, data={"name": deal.name}) == {}
    deal.refresh_from_db()
    assert deal.version == 1
    assert not Activity.objects.filter(plan=plan).exists()


def test_deal_update_without_a_plan_still_saves(deal, seller_actor):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={"name": "Renamed"})
    assert Deal.objects.get(pk=deal.pk).name == "Renamed"
    assert not Activity.objects.exists()


def test_winning_stamps_closed_at_and_reopening_clears_it(deal, seller_actor):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={"outcome": Outcome.WON})
    deal.refresh_from_db()
    won_at = deal.closed_at
    assert won_at is not None

    # Still closed (won → lost): the first closing date stays.
    services.deal_update(deal=deal, actor=seller_actor, version=deal.version, data={"outcome": Outcome.LOST})
    deal.refresh_from_db()
    assert deal.outcome == Outcome.LOST and deal.closed_at == won_at

    services.deal_update(deal=deal, actor=seller_actor, version=deal.version, data={"outcome": Outcome.OPEN})
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN and deal.closed_at is None


def test_losing_stamps_closed_at(deal, seller_actor):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={"outcome": Outcome.LOST})
    deal.refresh_from_db()
    assert deal.closed_at is not None


def test_deal_update_refuses_a_stale_version_and_changes_nothing(deal, plan, seller_actor):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={"name": "First editor"})
    stale_copy = Deal.objects.get(pk=deal.pk)
    stale_copy.version = 1  # what the second editor loaded
    with pytest.raises(StaleEdit) as error:
        services.deal_update(deal=stale_copy, actor=seller_actor, version=1, data={"name": "Second editor"})
    assert error.value.current.name == "First editor"
    deal.refresh_from_db()
    assert deal.name == "First editor" and deal.version == 2


def test_deal_update_refuses_a_version_that_changed_between_load_and_save(deal, seller_actor):
    Deal.objects.filter(pk=deal.pk).update(name="Sneaky", version=2)  # another request, just now
    with pytest.raises(StaleEdit) as error:
        services.deal_update(deal=deal, actor=seller_actor, version=1, data={"name": "Mine"})
    assert error.value.current.name == "Sneaky"
    assert Deal.objects.get(pk=deal.pk).name == "Sneaky"


def test_deal_update_refuses_to_share_with_an_outsider_even_without_an_owner_change(deal, seller_actor, outsider):
    with pytest.raises(ValidationError):
        services.deal_update(deal=deal, actor=seller_actor, version=1, data={}, shared_with=[outsider])
    assert not DealShare.objects.filter(deal=deal).exists()


def test_deal_update_records_who_the_deal_is_shared_with_before_and_after(
    deal, plan, seller_actor, other_seller, manager
):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={}, shared_with=[other_seller])
    services.deal_update(deal=deal, actor=seller_actor, version=2, data={}, shared_with=[manager])
    latest = Activity.objects.filter(plan=plan).first()
    assert latest.changes["shared_with"] == [[str(other_seller)], [str(manager)]]
    assert list(deal.shares.values_list("user_id", flat=True)) == [manager.pk]


def test_deal_update_can_hand_the_deal_to_a_colleague(deal, seller_actor, other_seller):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={"owner": other_seller})
    assert Deal.objects.get(pk=deal.pk).owner == other_seller


# Stakeholders ----------------------------------------------------------------------------

def test_stakeholder_create_orders_per_side_and_records_plan_activity(deal, plan, seller_actor):
    first = services.stakeholder_create(deal=deal, actor=seller_actor, data={"name": "Ana", "side": Side.BUYER})
    second = services.stakeholder_create(
        deal=deal, actor=seller_actor, data={"name": "Bo", "side": Side.BUYER, "email": "Bo@Buyer.Example"}
    )
    ours = services.stakeholder_create(deal=deal, actor=seller_actor, data={"name": "Cy", "side": Side.SELLER})
    assert (first.order, second.order, ours.order) == (1, 2, 1)
    assert second.email == "bo@buyer.example"
    assert second.organization_id == deal.organization_id
    activity = Activity.objects.filter(plan=plan, target_type="stakeholder", verb="created")
    assert sorted(activity.values_list("target_label", flat=True)) == ["Ana", "Bo", "Cy"]


def test_stakeholder_create_without_a_plan_records_nothing(deal, seller_actor):
    services.stakeholder_create(deal=deal, actor=seller_actor, data={"name": "Ana"})
    assert Stakeholder.objects.filter(deal=deal).count() == 1
    assert not Activity.objects.exists()


def test_stakeholder_update_records_before_and_after(buyer, plan, seller_actor):
    changed = services.stakeholder_update(
        stakeholder=buyer, actor=seller_actor, version=1, data={"title": "COO", "timezone": "Asia/Tokyo"}
    )
    assert changed == {"title": ("VP Operations", "COO"), "timezone": ("", "Asia/Tokyo")}
    activity = Activity.objects.get(plan=plan, target_type="stakeholder", verb="updated")
    assert activity.changes == {"title": ["VP Operations", "COO"], "timezone": ["", "Asia/Tokyo"]}


def test_stakeholder_update_refuses_a_stale_version(buyer, seller_actor):
    services.stakeholder_update(stakeholder=buyer, actor=seller_actor, version=1, data={"title": "COO"})
    with pytest.raises(StaleEdit) as error:
        services.stakeholder_update(stakeholder=buyer, actor=seller_actor, version=1, data={"title": "CFO"})
    assert error.value.current.title == "COO"
    assert Stakeholder.objects.get(pk=buyer.pk).title == "COO"


def test_stakeholder_delete_records_the_tasks_they_owned_and_keeps_the_tasks(buyer, plan, seller_actor):
    task = factories.TaskFactory(plan=plan, organization=plan.organization, owner=buyer)
    services.stakeholder_delete(stakeholder=buyer, actor=seller_actor)
    assert not Stakeholder.objects.filter(pk=buyer.pk).exists()
    task.refresh_from_db()
    assert task.owner is None
    activity = Activity.objects.get(plan=plan, verb="deleted")
    assert activity.target_label == "Sarah Chen"
    assert activity.changes == {"owned_tasks": [1, 0]}


def test_activity_actor_is_the_signed_in_user(buyer, plan, seller):
    services.stakeholder_update(stakeholder=buyer, actor=Actor(user=seller), version=1, data={"phone": "+1 555"})
    assert Activity.objects.get(plan=plan).actor_name == str(seller)


def test_changing_only_the_shares_counts_as_a_new_version(deal, seller_actor, other_seller):
    services.deal_update(deal=deal, actor=seller_actor, version=1, data={}, shared_with=[other_seller])
    deal.refresh_from_db()
    assert deal.version == 2
    stale_copy = Deal.objects.get(pk=deal.pk)
    stale_copy.version = 1
    with pytest.raises(StaleEdit):
        services.deal_update(deal=stale_copy, actor=seller_actor, version=1, data={}, shared_with=[])
    assert list(deal.shares.values_list("user_id", flat=True)) == [other_seller.pk]
