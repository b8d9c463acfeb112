"""POST /api/v1/deals/{id}/plan/: the deal's plan, blank or from a template scheduled back from an
anchor date, through the same services as the start-plan page; the warnings the page shows
(days missing, roles nobody has) come back with it."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DecisionRole
from plans import plan_templates, scheduling, services
from plans.activity import Actor
from plans.models import Activity, Plan, PlanTemplate, Task, TaskDependency
from tests import factories
from tests.conftest import login
from tests.plans.test_template_views import HAND_ANCHOR, HAND_DUE, create_url, weeks_ahead
from tests.test_isolation import open_room_of_other_deal

WEEKDAYS = scheduling.WEEKDAYS


def url(deal) -> str:
    return reverse("api:deal-plan", kwargs={"deal_id": deal.public_id})


def post(client, deal, body=None):
    return client.post(url(deal), body if body is not None else {}, content_type="application/json")


@pytest.fixture
def starters(org):
    plan_templates.ensure_starter_templates(organization=org)
    return {t.built_in_key: t for t in PlanTemplate.objects.filter(organization=org)}


def test_a_blank_plan_is_created_and_answered_with_its_location(seller_client, deal):
    response = post(seller_client, deal)
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(deal=deal)
    body = response.json()
    assert body["id"] == str(plan.public_id) and body["deal"] == str(deal.public_id)
    assert body["title"] == "Mutual Action Plan: Northwind" and body["status"] == "draft"
    assert body["warnings"] == [] and body["unmatched_roles"] == []
    assert body["progress"] == {"done": 0, "total": 0, "percent": 0} and body["health"] in ("green", "amber", "red")
    assert response["Location"] == reverse("api:plan-detail", kwargs={"plan_id": plan.public_id})
    assert Activity.objects.filter(plan=plan, verb="created").count() == 1


def test_a_title_can_be_given(seller_client, deal):
    assert post(seller_client, deal, {"title": "Northwind MAP"}).json()["title"] == "Northwind MAP"


def test_from_the_enterprise_template_the_dates_are_the_pages_hand_calculation(
    seller_client, deal, buyer, starters
):
    shift = weeks_ahead()
    anchor = HAND_ANCHOR + shift
    response = post(seller_client, deal, {"template": str(starters["enterprise_evaluation"].public_id),
                                          "anchor_date": anchor.isoformat()})
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(deal=deal)
    assert dict(Task.objects.filter(plan=plan).values_list("title", "due_date")) == {
        title: due + shift for title, due in HAND_DUE.items()}
    assert TaskDependency.objects.filter(task__plan=plan).count() == 8
    body = response.json()
    assert body["go_live_date"] == anchor.isoformat()
    assert body["progress"]["total"] == 8 and body["warnings"] == []
    roles = {r["role"]: r for r in body["unmatched_roles"]}
    # The buyer is the champion; nobody is the technical evaluator, the security lead, legal, ...
    assert roles["technical_evaluator"] == {"role": "technical_evaluator", "label": "Technical evaluator",
                                            "steps": ["Technical deep dive"]}
    assert roles["security"] == {"role": "security", "label": "Security lead", "steps": ["Security review"]}
    assert DecisionRole.CHAMPION not in roles


def test_the_api_and_the_page_make_the_same_plan(client, seller, org, starters):
    anchor = (HAND_ANCHOR + weeks_ahead()).isoformat()
    template = starters["enterprise_evaluation"]
    by_page, by_api = (factories.DealFactory(organization=org, owner=seller) for _ in range(2))
    login(client, seller).post(create_url(by_page), {"template": template.public_id, "anchor_date": anchor})
    assert post(client, by_api, {"template": str(template.public_id), "anchor_date": anchor}).status_code == 201

    def shape(deal):
        plan = Plan.objects.get(deal=deal)
        return (plan.target_close_date, plan.go_live_date,
                sorted(Task.objects.filter(plan=plan).values_list("title", "due_date", "side", "duration_days")))

    assert shape(by_page) == shape(by_api)


def test_an_anchor_too_close_still_makes_the_plan_and_says_how_many_days_are_missing(seller_client, deal, starters):
    today = timezone.localdate()
    anchor = WEEKDAYS.add(WEEKDAYS.on_or_after(today), 20)
    expected = scheduling.schedule_backward(
        scheduling.template_items(scheduling.STARTERS[0].steps), anchor=anchor, today=today
    )
    response = post(seller_client, deal, {"template": str(starters["enterprise_evaluation"].public_id),
                                          "anchor_date": anchor.isoformat()})
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning["code"] == "anchor_too_close"
    assert warning["missing_business_days"] == expected.missing_business_days > 0
    assert warning["earliest_start"] == expected.earliest_start.isoformat()
    assert warning["anchor_that_fits"] == expected.anchor_that_fits.isoformat()
    assert f"{expected.missing_business_days} business days are missing" in warning["message"]
    assert Task.objects.filter(plan__deal=deal).count() == 8


def test_a_deal_that_has_a_plan_answers_409_with_it_and_nothing_changes(seller_client, plan, deal):
    response = post(seller_client, deal)
    assert response.status_code == 409
    assert response.json() == {"detail": "This deal already has a plan.", "code": "plan_exists",
                               "plan": str(plan.public_id)}
    assert Plan.objects.filter(deal=deal).count() == 1 and not Activity.objects.exists()


def test_a_plan_started_by_someone_else_meanwhile_answers_409_with_theirs(seller_client, deal, manager, monkeypatch):
    real = services.plan_create

    def racing(**kwargs):
        # The other request gets there between the view's check and this one's insert.
        real(deal=deal, actor=Actor(user=manager), title="Theirs")
        return real(**kwargs)

    monkeypatch.setattr(services, "plan_create", racing)
    response = post(seller_client, deal, {"title": "Mine"})
    theirs = Plan.objects.get(deal=deal)
    assert response.status_code == 409 and theirs.title == "Theirs"
    assert response.json()["plan"] == str(theirs.public_id)


def test_another_organizations_template_is_an_unknown_template_400(seller_client, deal, outsider):
    theirs = plan_templates.ensure_starter_templates(organization=outsider.memberships.get().organization)[0]
    for template_id in (theirs.public_id, uuid.uuid4()):
        response = post(seller_client, deal, {"template": str(template_id), "anchor_date": "2099-01-02"})
        assert response.status_code == 400
        assert response.json() == {"template": ["There is no such template."]}
    assert not Plan.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"template": "STARTER", "anchor_date": "2099-01-02"}, "template"),
    ({"template": 12, "anchor_date": "2099-01-02"}, "template"),
    ({"template": "{template}"}, "anchor_date"),
    ({"template": "{template}", "anchor_date": None}, "anchor_date"),
    ({"template": "{template}", "anchor_date": "2020-01-06"}, "anchor_date"),
    ({"template": "{template}", "anchor_date": "30/04/2027"}, "anchor_date"),
    ({"template": "{template}", "anchor_date": "2027-02-30"}, "anchor_date"),
    ({"template": "{template}", "anchor_date": "9999-12-31"}, "anchor_date"),
    ({"template": "{template}", "anchor_date": ["2027-04-30"]}, "anchor_date"),
    ({"template": "{template}", "anchor_date": 20270430}, "anchor_date"),
    ({"anchor_date": "2099-01-02"}, "anchor_date"),
    ({"title": "x" * 100_000}, "title"),
    ({"title": ["a"]}, "title"),
    ({"title": "MAP\x00"}, "title"),
])
def test_bad_input_is_a_400_naming_the_field_and_makes_nothing(seller_client, deal, starters, body, field):
    template = str(starters["enterprise_evaluation"].public_id)
    body = {k: (template if v == "{template}" else v) for k, v in body.items()}
    response = post(seller_client, deal, body)
    assert response.status_code == 400, response.content
    assert field in response.json() and response.json()[field][0]
    assert not Plan.objects.exists()


def test_a_past_anchor_is_refused_with_the_pages_words(seller_client, deal, starters):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = post(seller_client, deal, {"template": str(starters["mid_market_deal"].public_id),
                                          "anchor_date": yesterday.isoformat()})
    assert response.json() == {"anchor_date": ["That date has passed: pick today or a later date."]}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"template"', "null"])
def test_a_body_that_is_not_a_json_object_is_a_400(seller_client, deal, raw):
    response = seller_client.post(url(deal), raw, content_type="application/json")
    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_a_form_encoded_body_is_refused_not_guessed(seller_client, deal):
    assert seller_client.post(url(deal), {"title": "x"}).status_code == 415
    assert not Plan.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "other_seller"])
def test_someone_who_may_not_see_the_deal_gets_404_and_nothing_is_made(client, deal, starters, who, request):
    login(client, request.getfixturevalue(who))
    assert post(client, deal).status_code == 404
    assert post(client, deal, {"template": str(starters["lite_plan"].public_id),
                               "anchor_date": "2099-01-02"}).status_code == 404
    assert not Plan.objects.exists()


def test_a_manager_may_start_any_deals_plan_and_a_buyer_session_gets_404(client, deal, manager, org, other_seller):
    open_room_of_other_deal(client, org, other_seller)
    assert post(client, deal).status_code == 404
    assert not Plan.objects.filter(deal=deal).exists()
    client.logout()
    assert post(login(client, manager), deal).status_code == 201
