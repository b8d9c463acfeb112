"""The buyer's commitment: accepting the plan, the agreed version, differences from it and
re-confirmation by the side that did not make the change."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from deals.models import Side
from mapapp.concurrency import StaleEdit
from plans import agreement, services
from plans.activity import Actor
from plans.models import Activity, Baseline, Plan, PlanStatus, TaskSide
from plans.tasks import send_plan_accepted
from tests import factories
from tests.plans.test_room import open_room, room_url
from tests.test_isolation import object_url_names, open_room_of_other_deal

MAY_18 = datetime.date(2027, 5, 18)
MAY_25 = datetime.date(2027, 5, 25)


@pytest.fixture
def furnished(plan, deal, buyer):
    org = plan.organization
    plan.target_close_date = datetime.date(2027, 6, 30)
    plan.go_live_date = datetime.date(2027, 9, 1)
    plan.status = PlanStatus.SHARED
    plan.save()
    dana = factories.StakeholderFactory(deal=deal, side=Side.SELLER, name="Dana Rep", title="Account executive")
    milestone = factories.MilestoneFactory(plan=plan, organization=org, title="Contract signed",
                                           target_date=datetime.date(2027, 6, 1))
    legal = factories.TaskFactory(plan=plan, organization=org, milestone=milestone, title="Legal review",
                                  side=TaskSide.BUYER, owner=buyer, due_date=MAY_18)
    security = factories.TaskFactory(plan=plan, organization=org, title="Security review", owner=dana,
                                     due_date=datetime.date(2027, 5, 4))
    hidden = factories.TaskFactory(plan=plan, organization=org, title="Discount approval", internal=True,
                                   due_date=datetime.date(2027, 5, 2))
    return {"dana": dana, "milestone": milestone, "legal": legal, "security": security, "hidden": hidden}


def seen(plan) -> str:
    return agreement.digest(agreement.take_snapshot(plan))


def accept(plan, buyer) -> Baseline:
    return agreement.plan_accept(plan=plan, stakeholder=buyer, version=plan.version, seen=seen(plan))


def move(task, due_date, actor):
    task.refresh_from_db()
    services.task_update(task=task, actor=actor, version=task.version, data={"due_date": due_date})


def form_values(html: str, section_id: str) -> dict:
    section = html[html.index(f'id="{section_id}"'):]
    section = section[: section.index("</section>")]
    return dict(re.findall(r'name="(version|seen)" value="([^"]*)"', section))


def fresh(plan) -> Plan:
    return Plan.objects.get(pk=plan.pk)


# Accepting ------------------------------------------------------------------------------------

def test_accepting_records_who_and_when_and_an_activity(plan, buyer, furnished):
    accept(plan, buyer)
    stored = fresh(plan)
    assert stored.status == PlanStatus.AGREED and stored.agreed_by == buyer and stored.agreed_at is not None
    assert stored.reconfirm_side == ""
    activity = Activity.objects.get(plan=plan, verb="accepted")
    assert activity.actor_stakeholder == buyer and activity.changes == {"status": ["shared", "agreed"]}
    assert not activity.internal


def test_the_baseline_keeps_committed_dates_and_owners_but_no_internal_task(plan, buyer, furnished):
    baseline = accept(plan, buyer)
    assert baseline.side == Side.BUYER and baseline.confirmed_by_stakeholder == buyer
    assert (baseline.confirmed_by_name, baseline.confirmed_by_title) == ("Sarah Chen", "VP Operations")
    snap = baseline.snapshot
    assert snap["plan"] == {"target_close_date": "2027-06-30", "go_live_date": "2027-09-01"}
    assert snap["milestones"] == {
        str(furnished["milestone"].public_id): {"title": "Contract signed", "target_date": "2027-06-01"}
    }
    assert snap["tasks"][str(furnished["legal"].public_id)] == {
        "title": "Legal review", "due_date": "2027-05-18", "owner": str(buyer.public_id), "owner_name": "Sarah Chen",
    }
    assert snap["tasks"][str(furnished["security"].public_id)]["owner_name"] == "Dana Rep"
    assert str(furnished["hidden"].public_id) not in snap["tasks"]


def test_the_deal_owner_is_mailed_with_the_buyers_text_escaped(
    plan, deal, buyer, seller, furnished, django_capture_on_commit_callbacks
):
    buyer.name, buyer.title = "<b>Sarah</b> Chen", "VP <i>Ops</i>"
    buyer.save()
    with django_capture_on_commit_callbacks(execute=True):
        accept(plan, buyer)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [seller.email]
    assert "<b>Sarah</b> Chen accepted the plan: Northwind rollout" == message.subject
    assert "<b>Sarah</b> Chen (VP <i>Ops</i>) accepted the mutual action plan" in message.body
    assert reverse("plans:detail", kwargs={"plan_id": plan.public_id}) in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Sarah&lt;/b&gt; Chen" in html and "VP &lt;i&gt;Ops&lt;/i&gt;" in html
    assert "<b>Sarah" not in html and "<i>Ops" not in html


def test_the_mail_task_reloads_inside_the_organization(plan, buyer, furnished, outsider, django_capture_on_commit_callbacks):
    baseline = accept(plan, buyer)  # on_commit not run: no mail yet
    other_org = outsider.memberships.get().organization
    send_plan_accepted(organization_id=other_org.pk, plan_id=plan.pk, baseline_id=baseline.pk)
    assert mail.outbox == []
    send_plan_accepted(organization_id=plan.organization_id, plan_id=plan.pk, baseline_id=baseline.pk)
    assert len(mail.outbox) == 1


def test_only_a_buyer_of_this_deal_can_accept_and_only_once(plan, buyer, furnished):
    for person in (furnished["dana"], factories.StakeholderFactory()):
        with pytest.raises(ValidationError):
            accept(plan, person)
    accept(plan, buyer)
    with pytest.raises(ValidationError, match="already been accepted"):
        accept(fresh(plan), buyer)
    assert Baseline.objects.filter(plan=plan).count() == 1


def test_the_buyer_accepts_in_the_room_and_both_sides_see_who_agreed(
    client, plan, buyer, seller, furnished, django_capture_on_commit_callbacks
):
    open_room(client, buyer, seller)
    html = client.get(room_url(plan)).content.decode()
    assert "Accept this plan" in html and "not a contract" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("plans:room-accept", kwargs={"plan_id": plan.public_id}),
                               form_values(html, "room-agreement"), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"Agreed by Sarah Chen, VP Operations, on [\w.]+ \d+, \d{4}<", html)
    assert 'action="' + reverse("plans:room-accept", kwargs={"plan_id": plan.public_id}) not in html
    assert "you accepted the plan" in html
    assert [m.to for m in mail.outbox] == [[seller.email]]  # the deal owner's notice
    client.force_login(seller)
    page = client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Agreed by Sarah Chen, VP Operations, on" in page


def test_a_preview_member_cannot_accept_for_the_buyer(seller_client, plan, buyer, furnished):
    html = seller_client.get(room_url(plan)).content.decode()
    assert "only the buyer can accept the plan" in html
    assert reverse("plans:room-accept", kwargs={"plan_id": plan.public_id}) not in html
    response = seller_client.post(reverse("plans:room-accept", kwargs={"plan_id": plan.public_id}),
                                  {"version": plan.version, "seen": seen(plan)})
    assert response.status_code == 403
    assert fresh(plan).agreed_at is None and not Baseline.objects.filter(plan=plan).exists()


def test_a_stale_accept_answers_409_and_accepts_nothing(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    values = form_values(client.get(room_url(plan)).content.decode(), "room-agreement")
    move(furnished["legal"], MAY_25, Actor(user=seller))  # after the page, before the click
    response = client.post(reverse("plans:room-accept", kwargs={"plan_id": plan.public_id}), values)
    assert response.status_code == 409
    assert "The plan changed while you were reading it" in response.content.decode()
    assert fresh(plan).agreed_at is None and not Baseline.objects.filter(plan=plan).exists()
    # The page answered carries what is current: accepting from it works.
    again = client.post(reverse("plans:room-accept", kwargs={"plan_id": plan.public_id}),
                        form_values(response.content.decode(), "room-agreement"))
    assert again.status_code == 302 and fresh(plan).agreed_at is not None


# Differences ---------------------------------------------------------------------------------

def test_nothing_changed_means_no_differences_and_no_banner(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    accept(plan, buyer)
    assert agreement.differences(fresh(plan)) == []
    html = client.get(room_url(plan)).content.decode()
    assert "Changes since the agreed version" not in html and "Confirm changes" not in html


def test_a_moved_due_date_is_a_difference_naming_who_moved_it(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(user=seller))
    [change] = agreement.differences(fresh(plan))
    assert (change["kind"], change["change"], change["label"]) == ("task", "date", "Legal review")
    assert (change["old"], change["new"], change["by"], change["by_side"]) == ("2027-05-18", "2027-05-25", "Sam Seller", "seller")
    html = client.get(room_url(plan)).content.decode()
    assert "Legal review: due May 18, 2027 → May 25, 2027, moved by Sam Seller (seller)" in html
    client.force_login(seller)
    page = client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Legal review: due May 18, 2027 → May 25, 2027, moved by Sam Seller (seller)" in page


def test_an_owner_change_is_a_difference(plan, buyer, seller, furnished):
    accept(plan, buyer)
    task = furnished["security"]
    services.task_update(task=task, actor=Actor(user=seller), version=task.version, data={"owner": buyer})
    [change] = agreement.differences(fresh(plan))
    assert change["change"] == "owner" and (change["old_label"], change["new_label"]) == ("Dana Rep", "Sarah Chen")
    assert change["by"] == "Sam Seller"


def test_a_task_added_or_removed_after_the_agreement_is_a_difference(plan, buyer, seller, furnished):
    accept(plan, buyer)
    actor = Actor(user=seller)
    services.task_create(plan=plan, actor=actor, title="Sign DPA", owner=buyer, due_date=MAY_25)
    services.task_create(plan=plan, actor=actor, title="Internal forecast", internal=True)
    services.task_delete(task=furnished["security"], actor=actor)
    changes = agreement.differences(fresh(plan))
    assert [(c["change"], c["label"], c["by"]) for c in changes] == [
        ("added", "Sign DPA", "Sam Seller"), ("removed", "Security review", "Sam Seller"),
    ]
    assert changes[0]["new_name"] == "Sarah Chen"


def test_a_task_made_internal_leaves_the_agreed_version(plan, buyer, seller, furnished):
    accept(plan, buyer)
    task = furnished["legal"]
    services.task_update(task=task, actor=Actor(user=seller), version=task.version, data={"internal": True})
    assert [(c["change"], c["label"]) for c in agreement.differences(fresh(plan))] == [("removed", "Legal review")]


def test_changes_to_internal_tasks_are_not_differences(plan, buyer, seller, furnished):
    accept(plan, buyer)
    move(furnished["hidden"], MAY_25, Actor(user=seller))
    assert agreement.differences(fresh(plan)) == [] and fresh(plan).reconfirm_side == ""


def test_milestone_and_plan_dates_are_differences(plan, buyer, seller, furnished):
    accept(plan, buyer)
    actor = Actor(user=seller)
    milestone = furnished["milestone"]
    services.milestone_update(milestone=milestone, actor=actor, version=milestone.version,
                              data={"target_date": datetime.date(2027, 6, 15)})
    plan = fresh(plan)
    services.plan_update(plan=plan, actor=actor, version=plan.version, data={"go_live_date": datetime.date(2027, 10, 1)})
    changes = agreement.differences(fresh(plan))
    assert [(c["kind"], c["field"], c["old"], c["new"], c["by"]) for c in changes] == [
        ("plan", "go_live_date", "2027-09-01", "2027-10-01", "Sam Seller"),
        ("milestone", "target_date", "2027-06-01", "2027-06-15", "Sam Seller"),
    ]


def test_buyer_text_in_differences_is_escaped(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    accept(plan, buyer)
    services.task_create(plan=plan, actor=Actor(stakeholder=buyer), title="<script>alert(1)</script>", due_date=MAY_25)
    html = client.get(room_url(plan)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;: added after the agreement" in html


@pytest.mark.parametrize("count", [5, 100])
def test_differences_cost_the_same_queries_for_5_and_100_tasks(plan, buyer, seller, count, django_assert_num_queries):
    tasks = [factories.TaskFactory(plan=plan, organization=plan.organization, owner=buyer) for _ in range(count)]
    accept(plan, buyer)
    for task in tasks[:3]:
        move(task, MAY_25, Actor(user=seller))
    plan = fresh(plan)
    # 1 the newest baseline, 2 milestones, 3 tasks with their owners, 4 who made the changes.
    with django_assert_num_queries(4):
        assert len(agreement.differences(plan)) == 3


# Re-confirmation ------------------------------------------------------------------------------

def test_a_seller_change_asks_the_buyer_and_a_buyer_change_asks_the_seller(plan, buyer, seller, furnished):
    assert agreement.note_committed_change(plan, Actor(user=seller)) == ""  # before the agreement: nothing
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(user=seller))
    assert fresh(plan).reconfirm_side == Side.BUYER
    move(furnished["security"], MAY_25, Actor(stakeholder=buyer))
    assert fresh(plan).reconfirm_side == Side.SELLER
    changes = agreement.differences(fresh(plan))
    assert [(c["label"], c["by"], c["by_side"]) for c in changes] == [
        ("Legal review", "Sam Seller", "seller"), ("Security review", "Sarah Chen", "buyer"),
    ]


def test_undoing_the_only_change_asks_nobody(plan, buyer, seller, furnished):
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(user=seller))
    move(furnished["legal"], MAY_18, Actor(user=seller))
    assert fresh(plan).reconfirm_side == "" and agreement.differences(fresh(plan)) == []


def test_the_buyer_confirms_in_the_room_and_the_differences_disappear(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(user=seller))
    html = client.get(room_url(plan)).content.decode()
    assert "Confirm changes" in html
    response = client.post(reverse("plans:room-confirm", kwargs={"plan_id": plan.public_id}),
                           form_values(html, "room-agreement"), follow=True)
    assert response.status_code == 200
    stored = fresh(plan)
    assert stored.reconfirm_side == ""
    baseline = Baseline.objects.filter(plan=plan).first()
    assert (baseline.side, baseline.confirmed_by_stakeholder, baseline.confirmed_by_title) == ("buyer", buyer, "VP Operations")
    assert baseline.snapshot["tasks"][str(furnished["legal"].public_id)]["due_date"] == "2027-05-25"
    assert Activity.objects.filter(plan=plan, verb="confirmed", actor_stakeholder=buyer).exists()
    assert agreement.differences(stored) == []
    html = response.content.decode()
    assert "Changes since the agreed version" not in html and "Changes last confirmed by Sarah Chen, VP Operations" in html


def test_the_seller_confirms_a_buyer_change_on_the_plan_page(seller_client, plan, buyer, seller, furnished):
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(stakeholder=buyer))
    page_url = reverse("plans:detail", kwargs={"plan_id": plan.public_id})
    html = seller_client.get(page_url).content.decode()
    assert "moved by Sarah Chen (buyer)" in html and "Confirm changes" in html
    response = seller_client.post(reverse("plans:confirm", kwargs={"plan_id": plan.public_id}),
                                  form_values(html, "plan-agreement"))
    assert response.status_code == 302
    baseline = Baseline.objects.filter(plan=plan).first()
    assert (baseline.side, baseline.confirmed_by_user, baseline.confirmed_by_name) == ("seller", seller, "Sam Seller")
    assert fresh(plan).reconfirm_side == ""


def test_a_side_cannot_confirm_what_the_other_side_is_asked(seller_client, plan, buyer, seller, furnished):
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(user=seller))
    plan = fresh(plan)
    with pytest.raises(ValidationError):
        agreement.plan_confirm(plan=plan, actor=Actor(user=seller), version=plan.version, seen=seen(plan))
    html = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Confirm changes" not in html and "The buyer is asked to confirm these changes" in html
    # Nor from the room preview.
    response = seller_client.post(reverse("plans:room-confirm", kwargs={"plan_id": plan.public_id}),
                                  {"version": plan.version, "seen": seen(plan)})
    assert response.status_code == 403
    assert fresh(plan).reconfirm_side == Side.BUYER and Baseline.objects.filter(plan=plan).count() == 1


def test_a_stale_confirm_answers_409_with_the_current_differences(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(user=seller))
    values = form_values(client.get(room_url(plan)).content.decode(), "room-agreement")
    move(furnished["security"], datetime.date(2027, 5, 11), Actor(user=seller))  # not seen by the buyer
    response = client.post(reverse("plans:room-confirm", kwargs={"plan_id": plan.public_id}), values)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was confirmed" in html
    assert "Security review: due May 4, 2027 → May 11, 2027" in html and "Legal review: due" in html
    assert fresh(plan).reconfirm_side == Side.BUYER and Baseline.objects.filter(plan=plan).count() == 1
    # A stale version alone is stale too.
    stale = {**form_values(html, "room-agreement"), "version": str(fresh(plan).version - 1)}
    assert client.post(reverse("plans:room-confirm", kwargs={"plan_id": plan.public_id}), stale).status_code == 409


def test_a_seller_stale_confirm_answers_409_on_the_plan_page(seller_client, plan, buyer, furnished):
    accept(plan, buyer)
    move(furnished["legal"], MAY_25, Actor(stakeholder=buyer))
    html = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    move(furnished["security"], MAY_25, Actor(stakeholder=buyer))
    response = seller_client.post(reverse("plans:confirm", kwargs={"plan_id": plan.public_id}),
                                  form_values(html, "plan-agreement"))
    assert response.status_code == 409
    assert "Security review: due" in response.content.decode()
    assert fresh(plan).reconfirm_side == Side.SELLER


# Isolation and cost -----------------------------------------------------------------------------

def test_the_new_urls_are_in_the_isolation_walk():
    names = object_url_names()
    for name in ("plans:room-accept", "plans:room-confirm", "plans:room-agreement", "plans:confirm", "plans:agreement"):
        assert names.get(name) == ["plan_id"], name


@pytest.mark.parametrize("name", ["plans:room-accept", "plans:room-confirm", "plans:confirm"])
def test_a_buyer_of_another_deal_or_an_outsider_gets_404(client, org, plan, buyer, other_seller, outsider, furnished, name):
    if name != "plans:room-accept":
        accept(plan, buyer)
    url = reverse(name, kwargs={"plan_id": plan.public_id})
    open_room_of_other_deal(client, org, other_seller)
    assert client.post(url, {"version": plan.version, "seen": seen(plan)}).status_code == 404
    client.logout()
    client.force_login(outsider)
    assert client.post(url, {"version": plan.version, "seen": seen(plan)}).status_code == 404
    assert Baseline.objects.filter(plan=plan).count() == (0 if name == "plans:room-accept" else 1)


def _agreed_with_changes(plan, buyer, seller, count):
    org = plan.organization
    milestone = factories.MilestoneFactory(plan=plan, organization=org, target_date=MAY_18)
    tasks = [
        factories.TaskFactory(plan=plan, organization=org, milestone=milestone if i % 2 else None,
                              owner=buyer if i % 3 else None, side=TaskSide.BUYER if i % 3 else TaskSide.SELLER)
        for i in range(count)
    ]
    accept(plan, buyer)
    for task in tasks[:3]:
        move(task, MAY_25, Actor(user=seller))


@pytest.mark.parametrize("count", [5, 100])
def test_the_plan_page_of_an_agreed_plan_costs_two_more_queries(
    seller_client, plan, buyer, seller, count, django_assert_num_queries
):
    _agreed_with_changes(plan, buyer, seller, count)
    # The 15 of tests/plans/test_views.py, then 16 the newest baseline (for the agreement card
    # and the slips since it), 17 who made the changes.
    with django_assert_num_queries(17):
        response = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id}))
    assert response.status_code == 200 and "Confirm changes" not in response.content.decode()


@pytest.mark.parametrize("count", [5, 100])
def test_the_room_of_an_agreed_plan_costs_two_more_queries(client, plan, buyer, seller, count, django_assert_num_queries):
    open_room(client, buyer, seller)
    _agreed_with_changes(plan, buyer, seller, count)
    # The 13 of tests/plans/test_room.py, less the changes since the last visit (none on a first
    # visit), plus one for starting the visit (plans.engagement: the newest visit, then a new
    # one), then the newest baseline and who made the changes.
    with django_assert_num_queries(15):
        response = client.get(room_url(plan))
    assert response.status_code == 200 and "Confirm changes" in response.content.decode()


def test_the_cards_refresh_on_their_own_for_htmx(client, plan, buyer, seller, furnished):
    open_room(client, buyer, seller)
    card_url = reverse("plans:room-agreement", kwargs={"plan_id": plan.public_id})
    html = client.get(room_url(plan)).content.decode()
    assert card_url not in html  # nothing to refresh before the agreement
    accept(plan, buyer)
    assert card_url in client.get(room_url(plan)).content.decode()
    move(furnished["legal"], MAY_25, Actor(user=seller))
    card = client.get(card_url, HTTP_HX_REQUEST="true").content.decode()
    assert card.lstrip().startswith('<section class="card agreement" id="room-agreement"')
    assert "Legal review: due May 18, 2027 → May 25, 2027, moved by Sam Seller (seller)" in card
    assert "Confirm changes" in card
    assert client.get(card_url).status_code == 302
    client.force_login(seller)
    seller_card_url = reverse("plans:agreement", kwargs={"plan_id": plan.public_id})
    card = client.get(seller_card_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="plan-agreement"' in card and "moved by Sam Seller (seller)" in card and "Confirm changes" not in card
    # The preview of the room card offers no button either.
    card = client.get(card_url, HTTP_HX_REQUEST="true").content.decode()
    assert "moved by Sam Seller" in card and "Confirm changes" not in card


def test_the_services_refuse_a_stale_version_or_unseen_values(plan, buyer, seller, furnished):
    values = {"version": plan.version, "seen": seen(plan)}
    move(furnished["legal"], MAY_25, Actor(user=seller))
    with pytest.raises(StaleEdit):
        agreement.plan_accept(plan=plan, stakeholder=buyer, **values)
    with pytest.raises(StaleEdit):
        agreement.plan_accept(plan=plan, stakeholder=buyer, version=plan.version - 1, seen=seen(plan))
    accept(plan, buyer)
    move(furnished["legal"], MAY_18, Actor(stakeholder=buyer))
    move(furnished["security"], MAY_25, Actor(stakeholder=buyer))
    plan = fresh(plan)
    with pytest.raises(StaleEdit):
        agreement.plan_confirm(plan=plan, actor=Actor(user=seller), version=plan.version, seen=values["seen"])
    assert fresh(plan).reconfirm_side == Side.SELLER


def test_removing_an_owner_from_the_deal_is_an_owner_difference(plan, buyer, seller, furnished):
    from deals.services import stakeholder_delete

    accept(plan, buyer)
    stakeholder_delete(stakeholder=furnished["dana"], actor=Actor(user=seller))
    [change] = agreement.differences(fresh(plan))
    assert (change["label"], change["old_label"], change["new_label"]) == ("Security review", "Dana Rep", "no owner")
    assert fresh(plan).reconfirm_side == Side.BUYER
