import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, DealShare, Outcome, Side, Stage, Stakeholder
from plans.models import Activity, TaskStatus
from tests import factories
from tests.conftest import login

HX = {"HTTP_HX_REQUEST": "true"}


def deal_url(name, deal):
    return reverse(f"deals:{name}", kwargs={"deal_id": deal.public_id})


def stakeholder_url(name, stakeholder):
    return reverse(f"deals:{name}", kwargs={"stakeholder_id": stakeholder.public_id})


def list_names(response) -> set[str]:
    return {deal.name for deal in response.context["page"].object_list}


@pytest.fixture
def deals_of_everyone(org, seller, other_seller, manager):
    """Own, shared-with-seller, and another seller's deal (unshared)."""
    own = factories.DealFactory(organization=org, owner=seller, name="Own deal")
    shared = factories.DealFactory(organization=org, owner=other_seller, name="Shared deal")
    DealShare.objects.create(organization=org, deal=shared, user=seller)
    theirs = factories.DealFactory(organization=org, owner=other_seller, name="Their deal")
    return own, shared, theirs


# Visibility ------------------------------------------------------------------------------

def test_seller_sees_own_and_shared_deals_but_not_another_sellers(client, seller, deals_of_everyone):
    own, shared, theirs = deals_of_everyone
    login(client, seller)
    response = client.get(reverse("deals:list"))
    assert response.status_code == 200
    assert list_names(response) == {"Own deal", "Shared deal"}
    assert "Their deal" not in response.content.decode()
    assert client.get(deal_url("detail", own)).status_code == 200
    assert client.get(deal_url("detail", shared)).status_code == 200
    assert client.get(deal_url("detail", theirs)).status_code == 404
    assert client.get(deal_url("edit", theirs)).status_code == 404


def test_a_deal_shared_with_a_seller_appears_once(client, org, seller, other_seller):
    deal = factories.DealFactory(organization=org, owner=seller, name="Twice shared")
    DealShare.objects.create(organization=org, deal=deal, user=other_seller)
    DealShare.objects.create(organization=org, deal=deal, user=factories.MembershipFactory(organization=org).user)
    response = login(client, seller).get(reverse("deals:list"))
    assert [d.name for d in response.context["page"].object_list] == ["Twice shared"]


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_managers_and_admins_see_all_deals_of_the_organization(client, who, request, deals_of_everyone, outsider):
    factories.DealFactory(organization=outsider.memberships.get().organization, owner=outsider, name="Rival deal")
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("deals:list"))
    assert list_names(response) == {"Own deal", "Shared deal", "Their deal"}
    assert client.get(deal_url("detail", deals_of_everyone[2])).status_code == 200


def test_outsider_sees_none_of_our_deals(client, outsider, deals_of_everyone):
    response = login(client, outsider).get(reverse("deals:list"))
    assert list_names(response) == set()
    assert "Create your first deal" in response.content.decode()
    for deal in deals_of_everyone:
        assert client.get(deal_url("detail", deal)).status_code == 404


def test_a_user_without_membership_gets_404(client, deal):
    loner = factories.UserFactory()
    login(client, loner)
    assert client.get(reverse("deals:list")).status_code == 404
    assert client.get(reverse("deals:create")).status_code == 404
    assert client.get(deal_url("detail", deal)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, deal):
    response = client.get(reverse("deals:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# List: search, filters, sort, pages, query count -----------------------------------------

@pytest.fixture
def pipeline(org, seller, other_seller):
    factories.DealFactory(
        organization=org, owner=seller, name="Alpha rollout", buyer_company="Globex", external_id="SF-1",
        stage=Stage.DISCOVERY, amount="500.00", target_close_date=datetime.date(2030, 5, 1),
    )
    factories.DealFactory(
        organization=org, owner=seller, name="Beta pilot", buyer_company="Initech", external_id="HUB-77",
        stage=Stage.NEGOTIATION, outcome=Outcome.WON, amount="90000.00", target_close_date=datetime.date(2030, 1, 1),
    )
    factories.DealFactory(
        organization=org, owner=other_seller, name="Gamma expansion", buyer_company="Umbrella",
        stage=Stage.NEGOTIATION, outcome=Outcome.LOST, amount=None, target_close_date=None,
    )


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "beta"}, {"Beta pilot"}),
        ({"q": "GLOBEX"}, {"Alpha rollout"}),
        ({"q": "hub-77"}, {"Beta pilot"}),
        ({"stage": Stage.NEGOTIATION}, {"Beta pilot", "Gamma expansion"}),
        ({"outcome": Outcome.LOST}, {"Gamma expansion"}),
        ({"stage": Stage.NEGOTIATION, "outcome": Outcome.WON}, {"Beta pilot"}),
        ({"stage": "bogus", "outcome": "bogus"}, {"Alpha rollout", "Beta pilot", "Gamma expansion"}),
        ({"q": "nothing like it"}, set()),
    ],
)
def test_search_and_filters_narrow_the_list(client, manager, pipeline, params, expected):
    response = login(client, manager).get(reverse("deals:list"), params)
    assert response.status_code == 200
    assert list_names(response) == expected


def test_owner_filter_narrows_the_list_and_offers_only_members(client, manager, pipeline, other_seller, outsider):
    login(client, manager)
    response = client.get(reverse("deals:list"), {"owner": other_seller.pk})
    assert list_names(response) == {"Gamma expansion"}
    owners = set(response.context["form"].fields["owner"].queryset)
    assert other_seller in owners and outsider not in owners
    # Another organization's user is not a valid choice: the filter is ignored, nothing leaks.
    response = client.get(reverse("deals:list"), {"owner": outsider.pk})
    assert list_names(response) == {"Alpha rollout", "Beta pilot", "Gamma expansion"}


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Alpha rollout", "Beta pilot", "Gamma expansion"]),
        ("-name", ["Gamma expansion", "Beta pilot", "Alpha rollout"]),
        ("-amount", ["Beta pilot", "Alpha rollout", "Gamma expansion"]),
        ("amount", ["Alpha rollout", "Beta pilot", "Gamma expansion"]),
        ("close", ["Beta pilot", "Alpha rollout", "Gamma expansion"]),
        ("-created", ["Gamma expansion", "Beta pilot", "Alpha rollout"]),
        ("created", ["Alpha rollout", "Beta pilot", "Gamma expansion"]),
    ],
)
def test_list_sorts(client, manager, pipeline, sort, expected):
    response = login(client, manager).get(reverse("deals:list"), {"sort": sort})
    assert [d.name for d in response.context["page"].object_list] == expected


def test_filtering_with_htmx_answers_only_the_table(client, manager, pipeline):
    response = login(client, manager).get(reverse("deals:list"), {"q": "alpha"}, **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="deal-table"')
    assert "<html" not in html and 'id="deal-filters"' not in html
    assert "Alpha rollout" in html and "Beta pilot" not in html
    assert "HX-Request" in response["Vary"]


def test_the_filter_form_works_without_js_and_with_htmx(client, manager, pipeline):
    html = login(client, manager).get(reverse("deals:list"), {"q": "beta", "stage": "negotiation"}).content.decode()
    assert 'method="get"' in html and 'hx-get="/deals/"' in html and 'hx-push-url="true"' in html
    assert 'hx-target="#deal-table"' in html
    assert 'value="beta"' in html  # the search stays in the box


def test_list_shows_amount_badges_owner_and_plan_progress(client, seller, deal):
    plan = factories.PlanFactory(deal=deal, organization=deal.organization)
    for status in (TaskStatus.DONE, TaskStatus.DONE, TaskStatus.IN_PROGRESS):
        factories.TaskFactory(plan=plan, organization=plan.organization, status=status)
    factories.DealFactory(organization=deal.organization, owner=seller, name="No plan yet", amount=None)
    html = login(client, seller).get(reverse("deals:list")).content.decode()
    assert "120,000" in html and "EUR" in html
    assert 'badge badge-open' in html and 'badge badge-draft' in html
    assert "67 %" in html and "2 of 3 done" in html
    assert "Sam Seller" in html
    row = html[html.index("No plan yet"):]
    assert "—" in row[: row.index("</tr>")]


def test_list_paginates_by_25_and_keeps_filters_in_page_links(client, org, seller):
    for i in range(30):
        factories.DealFactory(organization=org, owner=seller, name=f"Deal {i:02}", buyer_company="Same Co")
    login(client, seller)
    first = client.get(reverse("deals:list"), {"q": "same co", "sort": "name"})
    assert len(first.context["page"].object_list) == 25
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert "?q=same+co&amp;sort=name&amp;page=2" in html
    second = client.get(reverse("deals:list"), {"q": "same co", "sort": "name", "page": 2})
    assert [d.name for d in second.context["page"].object_list] == [f"Deal {i:02}" for i in range(25, 30)]
    assert client.get(reverse("deals:list"), {"page": 99}).status_code == 200


def test_empty_filter_result_offers_to_clear_not_to_create(client, seller, deal):
    html = login(client, seller).get(reverse("deals:list"), {"q": "zzz"}).content.decode()
    assert "No deals match these filters." in html
    assert "Create your first deal" not in html


def test_empty_list_offers_to_create_the_first_deal(client, seller):
    html = login(client, seller).get(reverse("deals:list")).content.decode()
    assert "Create your first deal" in html and reverse("deals:create") in html


def _pipeline_of(org, owner, count):
    for i in range(count):
        deal = factories.DealFactory(organization=org, owner=owner)
        if i % 2:  # half with a plan and tasks, half without
            plan = factories.PlanFactory(deal=deal, organization=org)
            factories.TaskFactory(plan=plan, organization=org, status=TaskStatus.DONE)
            factories.TaskFactory(plan=plan, organization=org)
        if i % 3 == 0:
            DealShare.objects.create(organization=org, deal=deal, user=factories.MembershipFactory(organization=org).user)


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_does_not_grow_with_the_number_of_deals(client, org, seller, count, django_assert_num_queries):
    _pipeline_of(org, seller, count)
    login(client, seller)
    # 1 session, 2 user, 3 membership + organization (middleware), 4 COUNT for the paginator,
    # 5 the page of deals with owner and plan joined and task counts as subqueries,
    # 6-10 the health of the page's plans (plans.health_data.plans_health: tasks, dependency
    # links, recent slips, buyers invited, buyers' last visits), 11 the owner choices of the
    # filter form.
    with django_assert_num_queries(11):
        response = client.get(reverse("deals:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)
    # The HTMX table is the same minus the filter form: 10 queries.
    with django_assert_num_queries(10):
        client.get(reverse("deals:list"), {"sort": "-amount"}, **HX)


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_is_the_same_for_a_manager(client, org, manager, seller, count, django_assert_num_queries):
    _pipeline_of(org, seller, count)
    login(client, manager)
    # session, user, membership, COUNT, page of deals, five for the plans' health
    # (plans.health_data.plans_health), owner choices
    with django_assert_num_queries(11):
        client.get(reverse("deals:list"), {"q": "rollout", "stage": Stage.DISCOVERY})


def test_hostile_text_is_escaped_in_the_list(client, seller, org):
    factories.DealFactory(organization=org, owner=seller, name="<script>alert(1)</script>", buyer_company="<b>x</b>")
    html = login(client, seller).get(reverse("deals:list")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


# Create ----------------------------------------------------------------------------------

def create_data(**overrides):
    data = {
        "name": "Contoso rollout",
        "buyer_company": "Contoso",
        "amount": "250000",
        "currency": "eur",
        "stage": Stage.EVALUATION,
        "target_close_date": "2030-03-31",
        "external_id": "SF-42",
    }
    data.update(overrides)
    return data


def test_create_form_defaults_to_the_orgs_currency_and_the_current_user(client, org, seller):
    org.default_currency = "JPY"
    org.save()
    response = login(client, seller).get(reverse("deals:create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["currency"].value() == "JPY"
    assert form["owner"].value() == seller.pk


def test_create_a_deal_and_land_on_its_page(client, org, seller, other_seller):
    response = login(client, seller).post(
        reverse("deals:create"), create_data(owner=seller.pk, shared_with=[other_seller.pk])
    )
    deal = Deal.objects.get(name="Contoso rollout")
    assert response.status_code == 302 and response["Location"] == deal_url("detail", deal)
    assert deal.organization == org and deal.owner == seller
    assert deal.currency == "EUR" and deal.amount == Decimal("250000")
    assert deal.target_close_date == datetime.date(2030, 3, 31)
    assert list(deal.shares.values_list("user_id", flat=True)) == [other_seller.pk]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("target_close_date", "2030-02-30", "Enter a valid date."),
        ("target_close_date", "9999-01-01", "Pick a date between"),
        ("amount", "-5", "The amount cannot be negative."),
        ("amount", "1000000000000", "The amount must be below"),
        ("amount", "NaN", "Enter a number."),
        ("currency", "EURO", "Ensure this value has at most 3 characters"),
        ("currency", "ABC", "is not an ISO 4217 currency code"),
        ("name", "", "This field is required."),
        ("name", "x" * 201, "Ensure this value has at most 200 characters"),
    ],
)
def test_create_refuses_invalid_input_and_keeps_what_was_typed(client, seller, field, value, message):
    login(client, seller)
    response = client.post(reverse("deals:create"), create_data(owner=seller.pk, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Deal.objects.exists()
    assert response.context["form"]["buyer_company"].value() == "Contoso"


def test_create_refuses_an_owner_or_share_from_another_organization(client, seller, outsider):
    login(client, seller)
    response = client.post(reverse("deals:create"), create_data(owner=outsider.pk))
    assert "Select a valid choice" in response.content.decode()
    response = client.post(reverse("deals:create"), create_data(owner=seller.pk, shared_with=[outsider.pk]))
    assert "Select a valid choice" in response.content.decode()
    assert not Deal.objects.exists()


# Detail ----------------------------------------------------------------------------------

def test_deal_without_plan_shows_summary_stakeholders_and_start_form(client, seller, deal, buyer):
    response = login(client, seller).get(deal_url("detail", deal))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Northwind rollout" in html and "Sarah Chen" in html
    assert f'action="{reverse("plans:create", kwargs={"deal_id": deal.public_id})}"' in html
    assert 'id="stakeholders"' in html and "htmx-config" in html
    assert "Add a person on the buyer side" in html and "Add a person on the seller side" in html
    assert 'name="side" value="seller"' in html


def test_deal_with_plan_redirects_to_the_plan_page(client, seller, plan):
    response = login(client, seller).get(deal_url("detail", plan.deal))
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", kwargs={"plan_id": plan.public_id})


def test_hostile_text_is_escaped_on_the_deal_page(client, seller, org):
    deal = factories.DealFactory(organization=org, owner=seller, name="<script>alert(1)</script>")
    factories.StakeholderFactory(deal=deal, name="<img src=x onerror=alert(2)>", title='"><script>')
    html = login(client, seller).get(deal_url("detail", deal)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html and '"><script>' not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


# Edit ------------------------------------------------------------------------------------

def edit_data(deal, **overrides):
    data = {
        "name": deal.name, "buyer_company": deal.buyer_company, "amount": str(deal.amount), "currency": deal.currency,
        "stage": deal.stage, "outcome": deal.outcome, "owner": deal.owner_id,
        "target_close_date": deal.target_close_date.isoformat() if deal.target_close_date else "",
        "external_id": deal.external_id, "version": deal.version,
    }
    data.update(overrides)
    return data


def test_edit_form_shows_current_values_and_version(client, seller, deal, other_seller):
    DealShare.objects.create(organization=deal.organization, deal=deal, user=other_seller)
    response = login(client, seller).get(deal_url("edit", deal))
    form = response.context["form"]
    assert form["name"].value() == "Northwind rollout"
    assert form["version"].value() == 1
    assert form["shared_with"].value() == [other_seller.pk]
    assert 'type="hidden" name="version" value="1"' in response.content.decode()


def test_edit_saves_and_records_activity_on_the_plan(client, seller, deal, plan):
    login(client, seller)
    response = client.post(deal_url("edit", deal), edit_data(deal, stage=Stage.PROPOSAL, outcome=Outcome.WON))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == Stage.PROPOSAL and deal.outcome == Outcome.WON and deal.closed_at is not None
    assert deal.version == 2
    activity = Activity.objects.get(plan=plan, target_type="deal")
    assert activity.changes["stage"] == [Stage.DISCOVERY, Stage.PROPOSAL]


def test_stale_edit_answers_409_with_both_values_and_keeps_what_was_typed(client, seller, deal):
    login(client, seller)
    form_as_loaded = edit_data(deal)
    # Meanwhile a colleague renames the deal and changes the amount.
    Deal.objects.filter(pk=deal.pk).update(name="Renamed by Olga", amount=Decimal("777.00"), version=2)
    response = client.post(deal_url("edit", deal), {**form_as_loaded, "name": "My new name"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'class="conflict"' in html
    assert "Current value (someone else changed it)" in html and "What you typed" in html
    assert "Renamed by Olga" in html and "My new name" in html
    rows = {row["label"]: row for row in response.context["conflict"]}
    assert set(rows) == {"Deal name", "Amount"}  # only what differs; no share rows when neither has any
    assert rows["Deal name"]["current"] == "Renamed by Olga" and rows["Deal name"]["typed"] == "My new name"
    assert rows["Amount"]["current"] == "777.00" and rows["Amount"]["typed"] == "120,000.00"
    # The form keeps the typed values and now carries the current version.
    assert response.context["form"]["name"].value() == "My new name"
    assert 'name="version" value="2"' in html
    assert Deal.objects.get(pk=deal.pk).name == "Renamed by Olga"

    # Saving again is a deliberate overwrite.
    again = client.post(deal_url("edit", deal), {**form_as_loaded, "name": "My new name", "version": 2})
    assert again.status_code == 302
    assert Deal.objects.get(pk=deal.pk).name == "My new name"


def test_edit_refuses_invalid_values(client, seller, deal):
    login(client, seller)
    response = client.post(deal_url("edit", deal), edit_data(deal, amount="-1", outcome="maybe"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The amount cannot be negative." in html and "Select a valid choice" in html
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_another_seller_cannot_edit_and_nothing_changes(client, other_seller, deal):
    login(client, other_seller)
    response = client.post(deal_url("edit", deal), edit_data(deal, name="pwned"))
    assert response.status_code == 404
    assert Deal.objects.get(pk=deal.pk).name == "Northwind rollout"


# Stakeholders ----------------------------------------------------------------------------

def add_data(**overrides):
    return {"side": Side.BUYER, "name": "Priya Patel", "title": "CFO", "email": "Priya@Northwind.example",
            "decision_role": "economic_buyer", **overrides}


def test_add_a_stakeholder_without_js_redirects_back_to_the_deal_page(client, seller, deal):
    response = login(client, seller).post(deal_url("stakeholder-add", deal), add_data())
    assert response.status_code == 302
    assert response["Location"] == deal_url("detail", deal) + "#stakeholders"
    person = Stakeholder.objects.get(deal=deal)
    assert (person.name, person.email, person.side, person.organization_id) == (
        "Priya Patel", "priya@northwind.example", Side.BUYER, deal.organization_id,
    )


def test_add_a_stakeholder_redirects_to_the_plan_page_when_there_is_one(client, seller, plan):
    response = login(client, seller).post(deal_url("stakeholder-add", plan.deal), add_data(side=Side.SELLER))
    assert response["Location"] == reverse("plans:detail", kwargs={"plan_id": plan.public_id}) + "#stakeholders"
    assert Stakeholder.objects.get(deal=plan.deal).side == Side.SELLER
    assert Activity.objects.filter(plan=plan, target_type="stakeholder", verb="created").count() == 1


def test_add_a_stakeholder_with_htmx_answers_the_section(client, seller, deal, buyer):
    response = login(client, seller).post(deal_url("stakeholder-add", deal), add_data(side=Side.SELLER), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card stakeholders" id="stakeholders"')
    assert "Priya Patel" in html and "Sarah Chen" in html
    assert "stakeholders-changed" in response["HX-Trigger"]


def test_invalid_add_with_htmx_answers_422_with_errors(client, seller, deal):
    response = login(client, seller).post(
        deal_url("stakeholder-add", deal), add_data(name="", email="not-an-email"), **HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html and "Enter a valid email address." in html
    assert '<details class="quick-add" open>' in html
    assert not Stakeholder.objects.exists()


def test_invalid_add_without_js_shows_the_form_page(client, seller, deal):
    response = login(client, seller).post(deal_url("stakeholder-add", deal), add_data(name=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Stakeholder.objects.exists()


def test_add_only_accepts_post(client, seller, deal):
    assert login(client, seller).get(deal_url("stakeholder-add", deal)).status_code == 405


def test_stakeholder_editor_loads_inline_with_htmx_and_as_a_page_without(client, seller, buyer):
    login(client, seller)
    inline = client.get(stakeholder_url("stakeholder-edit", buyer), **HX)
    html = inline.content.decode()
    assert html.lstrip().startswith(f'<li class="stakeholder-row is-editing" id="stakeholder-{buyer.public_id}"')
    assert 'hx-post="' in html and "<html" not in html
    page = client.get(stakeholder_url("stakeholder-edit", buyer))
    assert "<html" in page.content.decode() and "hx-post" not in page.content.decode().split('id="main"')[1]


def full_stakeholder(stakeholder, **overrides):
    data = {
        "name": stakeholder.name, "title": stakeholder.title, "side": stakeholder.side,
        "decision_role": stakeholder.decision_role, "email": stakeholder.email, "phone": stakeholder.phone,
        "availability": stakeholder.availability, "timezone": stakeholder.timezone, "language": stakeholder.language,
        "version": stakeholder.version,
    }
    data.update(overrides)
    return data


def test_edit_a_stakeholder_without_js(client, seller, buyer, plan):
    response = login(client, seller).post(
        stakeholder_url("stakeholder-edit", buyer),
        full_stakeholder(buyer, phone="+49 30 1234-5", timezone="Europe/Berlin", language="de",
                         availability="Away 1–15 August"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#stakeholders")
    buyer.refresh_from_db()
    assert (buyer.phone, buyer.timezone, buyer.language, buyer.version) == ("+49 30 1234-5", "Europe/Berlin", "de", 2)
    assert Activity.objects.get(plan=plan, verb="updated").changes["timezone"] == ["", "Europe/Berlin"]


def test_edit_a_stakeholder_with_htmx_answers_the_section(client, seller, buyer):
    response = login(client, seller).post(
        stakeholder_url("stakeholder-edit", buyer), full_stakeholder(buyer, title="COO"), **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stakeholders"' in html and "COO" in html
    assert "stakeholders-changed" in response["HX-Trigger"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("timezone", "Mars/Olympus", "Select a valid choice"),
        ("language", "fr", "Select a valid choice"),
        ("email", "nope@", "Enter a valid email address."),
        ("phone", "call me maybe", "Use digits"),
        ("availability", "x" * 301, "at most 300 characters"),
    ],
)
def test_stakeholder_edit_validates_time_zone_language_email_and_lengths(client, seller, buyer, field, value, message):
    response = login(client, seller).post(
        stakeholder_url("stakeholder-edit", buyer), full_stakeholder(buyer, **{field: value}), **HX
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert response["HX-Retarget"] == f"#stakeholder-{buyer.public_id}"
    assert Stakeholder.objects.get(pk=buyer.pk).version == 1


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_stale_stakeholder_edit_answers_409_with_both_values(client, seller, buyer, headers):
    login(client, seller)
    loaded = full_stakeholder(buyer)
    Stakeholder.objects.filter(pk=buyer.pk).update(title="Chief Operating Officer", version=2)
    response = client.post(stakeholder_url("stakeholder-edit", buyer), {**loaded, "title": "COO"}, **headers)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'class="conflict"' in html and "Chief Operating Officer" in html and "COO" in html
    assert 'name="version" value="2"' in html
    assert Stakeholder.objects.get(pk=buyer.pk).title == "Chief Operating Officer"
    if headers:
        assert response["HX-Retarget"] == f"#stakeholder-{buyer.public_id}"


def test_editing_someone_removed_meanwhile_says_so(client, seller, buyer, monkeypatch):
    import deals.services
    from mapapp.concurrency import save_versioned

    def removed_meanwhile(instance, **kwargs):
        # The row goes away between the access check and the save.
        Stakeholder.objects.filter(pk=instance.pk).delete()
        return save_versioned(instance, **kwargs)

    monkeypatch.setattr(deals.services, "save_versioned", removed_meanwhile)
    login(client, seller)
    response = client.post(stakeholder_url("stakeholder-edit", buyer), full_stakeholder(buyer, title="COO"), **HX)
    assert response.status_code == 409
    assert "Someone removed Sarah Chen from this deal" in response.content.decode()


def test_move_stakeholders_up_and_down(client, seller, deal):
    people = [factories.StakeholderFactory(deal=deal, name=n, order=i) for i, n in enumerate(["A", "B", "C"], 1)]
    login(client, seller)
    response = client.post(stakeholder_url("stakeholder-move", people[2]), {"direction": "up"})
    assert response.status_code == 302
    assert list(Stakeholder.objects.filter(deal=deal).values_list("name", flat=True)) == ["A", "C", "B"]
    response = client.post(stakeholder_url("stakeholder-move", people[0]), {"direction": "down"}, **HX)
    assert response.status_code == 200 and 'id="stakeholders"' in response.content.decode()
    assert list(Stakeholder.objects.filter(deal=deal).values_list("name", flat=True)) == ["C", "A", "B"]
    # The first cannot go further up; the buyer side and the seller side are ordered separately.
    client.post(stakeholder_url("stakeholder-move", people[2]), {"direction": "up"})
    assert list(Stakeholder.objects.filter(deal=deal).values_list("name", flat=True)) == ["C", "A", "B"]
    assert client.post(stakeholder_url("stakeholder-move", people[2]), {"direction": "sideways"}).status_code == 400
    assert client.get(stakeholder_url("stakeholder-move", people[2])).status_code == 405


def test_sides_are_ordered_separately(client, seller, deal):
    ours = factories.StakeholderFactory(deal=deal, name="Ours", side=Side.SELLER, order=1)
    factories.StakeholderFactory(deal=deal, name="Theirs", side=Side.BUYER, order=1)
    login(client, seller).post(stakeholder_url("stakeholder-move", ours), {"direction": "up"})
    assert Stakeholder.objects.get(pk=ours.pk).order == 1


def test_delete_asks_for_confirmation_without_js(client, seller, buyer, plan):
    factories.TaskFactory(plan=plan, organization=plan.organization, owner=buyer)
    login(client, seller)
    page = client.get(stakeholder_url("stakeholder-delete", buyer))
    html = page.content.decode()
    assert page.status_code == 200 and "Remove Sarah Chen from this deal?" in html and "They own 1 task." in html
    assert Stakeholder.objects.filter(pk=buyer.pk).exists()
    response = client.post(stakeholder_url("stakeholder-delete", buyer))
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", kwargs={"plan_id": plan.public_id}) + "#stakeholders"
    assert not Stakeholder.objects.filter(pk=buyer.pk).exists()
    assert Activity.objects.filter(plan=plan, verb="deleted", target_type="stakeholder").exists()


def test_delete_with_htmx_answers_the_section_and_the_row_has_a_confirm(client, seller, buyer, deal):
    login(client, seller)
    html = client.get(deal_url("detail", deal)).content.decode()
    assert 'hx-confirm="Remove Sarah Chen from this deal?' in html
    response = client.post(stakeholder_url("stakeholder-delete", buyer), **HX)
    assert response.status_code == 200
    assert "Sarah Chen" not in response.content.decode()
    assert not Stakeholder.objects.filter(pk=buyer.pk).exists()


def test_stakeholders_section_answers_htmx_and_redirects_without(client, seller, deal, buyer):
    login(client, seller)
    response = client.get(deal_url("stakeholders", deal), **HX)
    assert response.status_code == 200 and "Sarah Chen" in response.content.decode()
    assert client.get(deal_url("stakeholders", deal))["Location"] == deal_url("detail", deal) + "#stakeholders"


def test_section_rows_have_no_inline_editors_in_the_first_render(client, seller, deal):
    for i in range(3):
        factories.StakeholderFactory(deal=deal, name=f"Person {i}")
    html = login(client, seller).get(deal_url("detail", deal)).content.decode()
    assert html.count('class="stakeholder-row"') == 3
    assert "stakeholder-editor" not in html
    assert 'name="timezone"' not in html


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_outsider_gets_404_for_every_stakeholder_action_and_nothing_changes(client, outsider, deal, buyer, headers):
    login(client, outsider)
    assert client.post(deal_url("stakeholder-add", deal), add_data(), **headers).status_code == 404
    assert client.get(stakeholder_url("stakeholder-edit", buyer), **headers).status_code == 404
    assert client.post(stakeholder_url("stakeholder-edit", buyer), full_stakeholder(buyer, name="pwned"),
                       **headers).status_code == 404
    assert client.post(stakeholder_url("stakeholder-move", buyer), {"direction": "up"}, **headers).status_code == 404
    assert client.post(stakeholder_url("stakeholder-delete", buyer), **headers).status_code == 404
    assert client.get(deal_url("stakeholders", deal), **headers).status_code == 404
    assert list(Stakeholder.objects.values_list("name", "version")) == [("Sarah Chen", 1)]


def test_another_seller_of_the_same_org_gets_404_for_stakeholders(client, other_seller, buyer):
    login(client, other_seller)
    assert client.post(stakeholder_url("stakeholder-delete", buyer)).status_code == 404
    assert Stakeholder.objects.filter(pk=buyer.pk).exists()


def test_hostile_stakeholder_text_is_escaped_in_the_section(client, seller, deal):
    login(client, seller)
    response = client.post(
        deal_url("stakeholder-add", deal), add_data(name="<script>alert(1)</script>", title="<b>boss</b>"), **HX
    )
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>boss</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_stakeholder_rows_link_to_their_own_actions(client, seller, deal, plan, buyer):
    login(client, seller)
    html = client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    for name in ("stakeholder-edit", "stakeholder-move", "stakeholder-delete"):
        assert f'"{stakeholder_url(name, buyer)}"' in html, name


@pytest.mark.parametrize("count", [2, 20])
def test_the_health_column_costs_five_queries_for_any_number_of_plans(
    client, org, seller, count, django_assert_num_queries
):
    today = timezone.localdate()
    for i in range(count):
        deal = factories.DealFactory(organization=org, owner=seller, name=f"Deal {i}")
        plan = factories.PlanFactory(deal=deal, organization=org)
        for n in range(3):
            # Odd deals: three buyer items overdue (red); even ones: all ahead (green).
            due = today - datetime.timedelta(days=1 + n) if i % 2 else today + datetime.timedelta(days=30)
            factories.TaskFactory(plan=plan, organization=org, side="buyer", due_date=due)
    login(client, seller)
    # 1 session, 2 user, 3 membership + organization, 4 COUNT, 5 the page of deals, 6-10
    # plans.health_data.plans_health (tasks, links, recent slips, buyers invited, last visits),
    # 11 the owner choices.
    with django_assert_num_queries(11):
        response = client.get(reverse("deals:list"))
    html = response.content.decode()
    assert html.count("health-badge-red") == count // 2 and html.count("health-badge-green") == count // 2
    assert "3 items on the buyer side are overdue, the oldest by 3 days." in html


def test_a_deal_without_a_plan_has_no_health_and_costs_no_health_query(client, org, seller, django_assert_num_queries):
    factories.DealFactory(organization=org, owner=seller)
    login(client, seller)
    with django_assert_num_queries(6):
        html = client.get(reverse("deals:list")).content.decode()
    assert "health-badge" not in html
