"""The organization's template pages (plans.template_views): the list and the read-only view
for every member, the editor, a new template, a copy and the deletion for admins; and the
open-step count on the plan page."""

import html

import pytest
from django import forms
from django.urls import reverse

from plans import plan_templates
from plans.models import PlanTemplate, Task, TaskStatus, TemplateDependency, TemplateMilestone, TemplateStep
from plans.template_forms import TemplateEditor, parse_after
from tests import factories
from tests.conftest import login


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name, template=None):
    return reverse(f"plans:{name}", kwargs={"plantemplate_id": template.public_id} if template else {})


@pytest.fixture
def starters(org):
    plan_templates.ensure_starter_templates(organization=org)
    return {t.built_in_key: t for t in PlanTemplate.objects.filter(organization=org)}


@pytest.fixture
def lite(starters):
    return starters["lite_plan"]


def editor_data(template=None) -> dict:
    """What the editor posts when saved as loaded (the browser's form data)."""
    editor = TemplateEditor(template=template)
    data = {}
    for form in [editor.form, editor.milestones.management_form, *editor.milestones.forms,
                 editor.steps.management_form, *editor.steps.forms]:
        for field in form:
            value = field.value()
            if isinstance(field.field, forms.BooleanField):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = str(value)
    return data


def steps_of(template) -> dict:
    return {s.title: s for s in TemplateStep.objects.filter(template=template)}


def contents(template):
    """Everything the template holds, to check that a refused save changed nothing."""
    template.refresh_from_db()
    return (
        template.version, template.name,
        sorted(TemplateStep.objects.filter(template=template).values_list("title", "duration_days", "offset_days")),
        sorted(TemplateDependency.objects.filter(step__template=template)
               .values_list("step__title", "prerequisite__title", "lag_days")),
        sorted(TemplateMilestone.objects.filter(template=template).values_list("title", "order")),
    )


# The list and the read-only view ----------------------------------------------------------


def test_the_list_shows_each_template_with_its_facts_and_admin_actions(client, admin, starters):
    mine = plan_templates.template_duplicate(template=starters["lite_plan"], member=admin.memberships.get(),
                                             name="Our quick deal")
    page = text(login(client, admin).get(url("templates")))
    assert "Enterprise software evaluation" in page and "Our quick deal" in page
    row = page[page.index(f'id="template-{starters["enterprise_evaluation"].public_id}"'):]
    row = row[: row.index("</tr>")]
    assert "Go-live date" in row and ">8<" in row and "about 9 weeks" in row and "Starter" in row
    mine_row = page[page.index(f'id="template-{mine.public_id}"'):]
    assert "Your own" in mine_row[: mine_row.index("</tr>")]
    assert url("template-edit", mine) in page and url("template-delete", mine) in page
    assert url("template-duplicate", mine) in page and url("template-new") in page


def test_the_list_is_in_the_navigation_and_linked_from_the_start_page(client, seller, deal):
    page = text(login(client, seller).get(reverse("plans:create", kwargs={"deal_id": deal.public_id})))
    assert page.count(f'href="{url("templates")}"') == 2  # the main navigation and the start-plan choice


def test_a_member_who_is_not_an_admin_reads_templates_but_cannot_change_them(client, seller, lite):
    login(client, seller)
    page = text(client.get(url("templates")))
    assert "Lite plan (one page)" in page
    assert url("template-edit", lite) not in page and url("template-new") not in page
    detail = text(client.get(url("template", lite)))
    assert "Internal review and approval" in detail and "Read only" in detail
    assert url("template-edit", lite) not in detail
    before = contents(lite)
    # The same 404 as the members page gives a member who is not an admin.
    assert client.get(url("template-new")).status_code == 404
    assert client.post(url("template-new"), {"name": "Mine"}).status_code == 404
    for name in ("template-edit", "template-duplicate", "template-delete"):
        assert client.get(url(name, lite)).status_code == 404, name
        assert client.post(url(name, lite), editor_data(lite)).status_code == 404, name
    assert contents(lite) == before
    assert PlanTemplate.objects.filter(organization=lite.organization).count() == 3


def test_another_organizations_template_answers_404_even_to_an_admin(client, outsider, lite):
    login(client, outsider)
    before = contents(lite)
    for name in ("template", "template-edit", "template-duplicate", "template-delete"):
        assert client.get(url(name, lite)).status_code == 404, name
        assert client.post(url(name, lite), editor_data(lite)).status_code == 404, name
    assert contents(lite) == before
    assert PlanTemplate.objects.filter(organization=lite.organization).count() == 3


def test_the_read_only_view_numbers_the_steps_and_names_what_they_come_after(client, seller, starters):
    page = text(login(client, seller).get(url("template", starters["enterprise_evaluation"])))
    assert "Evaluation → Validation → Commercials → Decision" in page
    assert "2. Technical deep dive (+2 business days)" in page  # the security review's prerequisite
    assert "8 steps" in page


# The editor -------------------------------------------------------------------------------


def test_the_editor_shows_the_template_as_saved(client, admin, lite):
    page = text(login(client, admin).get(url("template-edit", lite)))
    assert 'value="Internal review and approval"' in page
    assert 'name="steps-1-after" value="1+2"' in page  # the demo: two business days after the intro
    assert f'name="version" value="{lite.version}"' in page
    assert "5 steps" in page


def test_an_admin_changes_a_duration_renames_a_milestone_and_adds_a_step_after_another(client, admin, starters):
    mid = starters["mid_market_deal"]
    version = mid.version
    data = editor_data(mid)
    data["steps-2-duration_days"] = "8"  # the trial: 5 → 8 business days
    data["ms-0-title"] = "Fit and trial"  # rename "Fit"
    data["ms-2-title"] = "Paperwork"  # a new milestone in the blank row
    data["ms-2-ORDER"] = "3"
    data.update({  # the blank step row, #7: after the trial (#3), two business days of lag
        "steps-6-title": "Reference call", "steps-6-side": "buyer", "steps-6-owner_role": "champion",
        "steps-6-duration_days": "2", "steps-6-after": "3+2", "steps-6-milestone": "m1",
    })
    response = login(client, admin).post(url("template-edit", mid), data)
    assert response.status_code == 302 and response["Location"] == url("template-edit", mid)
    mid.refresh_from_db()
    assert mid.version == version + 1
    steps = steps_of(mid)
    assert steps["Trial with the team"].duration_days == 8
    call = steps["Reference call"]
    assert (call.side, call.owner_role, call.duration_days, call.milestone.title) == (
        "buyer", "champion", 2, "Fit and trial")
    assert list(TemplateDependency.objects.filter(step=call).values_list("prerequisite__title", "lag_days")) == [
        ("Trial with the team", 2)]
    assert list(TemplateMilestone.objects.filter(template=mid).order_by("order").values_list("title", flat=True)) == [
        "Fit and trial", "Commercials", "Paperwork"]
    assert steps["Discovery call"].milestone.title == "Fit and trial"
    # The other dependencies are as they were.
    assert TemplateDependency.objects.filter(step__template=mid).count() == 7


def test_milestones_can_be_reordered_and_removed_and_their_steps_stay(client, admin, starters):
    mid = starters["mid_market_deal"]
    data = editor_data(mid)
    data["ms-0-DELETE"] = "on"  # "Fit" goes; its steps stay without a milestone
    data["ms-1-ORDER"] = "1"
    login(client, admin).post(url("template-edit", mid), data)
    assert list(TemplateMilestone.objects.filter(template=mid).values_list("title", flat=True)) == ["Commercials"]
    steps = steps_of(mid)
    assert len(steps) == 6 and steps["Discovery call"].milestone is None
    assert steps["Proposal and pricing call"].milestone.title == "Commercials"


def test_a_step_can_be_removed_unless_another_step_still_comes_after_it(client, admin, lite):
    login(client, admin)
    data = editor_data(lite)
    data["steps-0-DELETE"] = "on"  # the intro, which the demo (#2) comes after
    before = contents(lite)
    response = client.post(url("template-edit", lite), data)
    assert response.status_code == 422
    assert "Step 1 is being removed." in text(response)
    assert contents(lite) == before
    data["steps-1-after"] = ""
    assert client.post(url("template-edit", lite), data).status_code == 302
    assert "Intro and goals" not in steps_of(lite)


def test_a_cycle_is_refused_naming_it_and_nothing_changes(client, admin, lite):
    data = editor_data(lite)
    data["steps-0-after"] = "3"  # the intro after the proposal, which comes after the demo, after the intro
    before = contents(lite)
    response = login(client, admin).post(url("template-edit", lite), data)
    page = text(response)
    assert response.status_code == 422
    assert "That would make a cycle:" in page
    assert "That would make a cycle: Intro and goals → Proposal → Demo → Intro and goals." in page
    assert contents(lite) == before
    assert 'name="steps-0-after" value="3"' in page  # what was typed is still there


def test_bad_input_shows_field_errors_and_keeps_everything_typed(client, admin, lite):
    data = editor_data(lite)
    data["name"] = "Lite, our way"
    data["steps-0-duration_days"] = "999"
    data["steps-1-offset_days"] = "soon"
    data["steps-2-after"] = "two"
    data["steps-3-title"] = "Internal review, then approval"
    data.update({"steps-5-title": "Reference call", "steps-5-duration_days": "3", "steps-5-after": "9"})
    before = contents(lite)
    response = login(client, admin).post(url("template-edit", lite), data)
    page = text(response)
    assert response.status_code == 422
    assert "Nothing was saved yet" in page
    assert "Use 0 to 250 business days." in page
    assert "Enter a whole number of business days." in page
    assert "“two” is not a step number" in page
    assert "There is no step 9." in page
    for typed in ('value="Lite, our way"', 'value="999"', 'value="soon"', 'value="two"',
                  'value="Internal review, then approval"', 'value="Reference call"', 'name="steps-5-after" value="9"'):
        assert typed in page, typed
    assert contents(lite) == before


def test_a_step_without_a_title_is_refused_and_blank_rows_are_ignored(client, admin, lite):
    login(client, admin)
    data = editor_data(lite)
    data["steps-5-duration_days"] = "4"  # the blank row, with a duration but no title
    response = client.post(url("template-edit", lite), data)
    assert response.status_code == 422 and "Give the step a title (or tick Remove)." in text(response)
    assert client.post(url("template-edit", lite), editor_data(lite)).status_code == 302  # blank row left blank
    assert len(steps_of(lite)) == 5


def test_a_second_admins_save_is_not_overwritten_and_their_input_is_kept(client, admin, lite):
    other = factories.MembershipFactory(organization=lite.organization, role="admin")
    mine = editor_data(lite)  # loaded before the other admin saved
    mine["steps-3-duration_days"] = "9"
    theirs = editor_data(lite)
    theirs["steps-3-duration_days"] = "7"
    their_editor = TemplateEditor(theirs, template=lite)
    assert their_editor.is_valid()
    plan_templates.template_update(template=lite, member=other, version=lite.version, **their_editor.service_args())
    saved = contents(lite)
    response = login(client, admin).post(url("template-edit", lite), mine)
    page = text(response)
    assert response.status_code == 409
    assert "Someone else saved this template while you were editing. Nothing was saved" in page
    assert contents(lite) == saved and steps_of(lite)["Internal review and approval"].duration_days == 7
    assert 'name="steps-3-duration_days" value="9"' in page  # what I typed
    assert f'name="version" value="{lite.version}"' in page  # saving again is a deliberate overwrite
    mine["version"] = str(lite.version)
    assert client.post(url("template-edit", lite), mine).status_code == 302
    assert steps_of(lite)["Internal review and approval"].duration_days == 9


def test_add_a_step_row_gives_one_more_blank_row_and_saves_nothing(client, admin, lite):
    data = editor_data(lite)
    data["steps-0-title"] = "Intro"
    data["add_step"] = "1"
    before = contents(lite)
    response = login(client, admin).post(url("template-edit", lite), data)
    page = text(response)
    assert response.status_code == 200
    assert 'name="steps-TOTAL_FORMS" value="7"' in page and 'name="steps-6-title"' in page
    assert 'name="steps-6-duration_days" value="1"' in page and '<option value="joint" selected>' in page
    assert 'value="Intro"' in page
    assert contents(lite) == before
    # The new row left blank is ignored when the template is saved.
    data.pop("add_step")
    data.update({"steps-TOTAL_FORMS": "7", "steps-6-side": "joint", "steps-6-duration_days": "1"})
    assert client.post(url("template-edit", lite), data).status_code == 302
    assert len(steps_of(lite)) == 5 and "Intro" in steps_of(lite)


def test_the_editor_counts_the_steps_and_gently_warns_past_twenty(client, admin, lite):
    login(client, admin)
    data = editor_data(lite)
    assert "That is a long list" not in text(client.post(url("template-edit", lite), {**data, "add_step": "1"}))
    total = 22
    data["steps-TOTAL_FORMS"] = str(total)
    for i in range(5, total):
        data.update({f"steps-{i}-title": f"Extra {i}", f"steps-{i}-side": "joint", f"steps-{i}-duration_days": "1"})
    page = text(client.post(url("template-edit", lite), {**data, "add_step": "1"}))
    assert "22 steps" in page and "That is a long list" in page and "11 to 15 steps" in page
    assert client.post(url("template-edit", lite), data).status_code == 302
    assert "That is a long list" in text(client.get(url("template", lite)))


# New, copy, delete --------------------------------------------------------------------------


def test_an_admin_creates_a_template_from_a_blank_editor(client, admin, org):
    login(client, admin)
    page = text(client.get(url("template-new")))
    assert "New template" in page and 'name="steps-0-title"' in page
    data = editor_data()
    data.update({"name": "Renewal", "anchor": "decision", "steps-0-title": "Usage review",
                 "steps-0-side": "joint", "steps-0-duration_days": "3"})
    response = client.post(url("template-new"), data)
    template = PlanTemplate.objects.get(organization=org, name="Renewal")
    assert response.status_code == 302 and response["Location"] == url("template-edit", template)
    assert list(steps_of(template)) == ["Usage review"] and template.built_in_key == ""


def test_a_new_template_needs_a_name_and_a_step(client, admin, org):
    response = login(client, admin).post(url("template-new"), editor_data())
    page = text(response)
    assert response.status_code == 422
    assert "Give the template a name." in page
    response = client.post(url("template-new"), {**editor_data(), "name": "Empty"})
    assert response.status_code == 422 and "A template needs at least one step." in text(response)
    assert not PlanTemplate.objects.filter(organization=org).exists()


def test_duplicating_makes_an_own_copy_and_opens_its_editor(client, admin, starters):
    enterprise = starters["enterprise_evaluation"]
    assert login(client, admin).get(url("template-duplicate", enterprise)).status_code == 405
    response = client.post(url("template-duplicate", enterprise))
    copy = PlanTemplate.objects.get(name="Copy of Enterprise software evaluation")
    assert response.status_code == 302 and response["Location"] == url("template-edit", copy)
    assert copy.built_in_key == "" and copy.anchor == enterprise.anchor
    assert contents(copy)[2:] == contents(enterprise)[2:]


def test_deleting_a_starter_copy_says_the_built_in_comes_back_and_it_does(client, admin, lite, org):
    login(client, admin)
    data = editor_data(lite)
    data["steps-3-duration_days"] = "9"
    client.post(url("template-edit", lite), data)
    page = text(client.get(url("template-delete", lite)))
    assert "copy of a built-in starter template" in page and "comes back, as it was shipped" in page
    response = client.post(url("template-delete", lite), follow=True)
    assert not PlanTemplate.objects.filter(pk=lite.pk).exists()
    assert "the built-in template is back as it was shipped" in text(response)
    fresh = PlanTemplate.objects.get(organization=org, built_in_key="lite_plan")
    assert steps_of(fresh)["Internal review and approval"].duration_days == 5


def test_deleting_an_own_template_asks_first(client, admin, lite, org):
    copy = plan_templates.template_duplicate(template=lite, member=admin.memberships.get(), name="Ours")
    login(client, admin)
    page = text(client.get(url("template-delete", copy)))
    assert "This cannot be undone." in page and "built-in" not in page
    client.post(url("template-delete", copy))
    assert not PlanTemplate.objects.filter(pk=copy.pk).exists()


def test_after_parses_step_numbers_with_lags():
    assert parse_after("2, 3+2") == {2: 0, 3: 2}
    assert parse_after(" #4 + 1 ; 5") == {4: 1, 5: 0}
    assert parse_after("") == {}


# The open-step count on the plan page ----------------------------------------------------


def test_the_plan_page_counts_open_steps_and_the_count_follows_a_task_marked_done(client, seller, plan):
    tasks = [factories.TaskFactory(plan=plan, organization=plan.organization) for _ in range(3)]
    factories.TaskFactory(plan=plan, organization=plan.organization, status=TaskStatus.DONE)
    login(client, seller)
    page = text(client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})))
    assert 'id="open-steps"' in page and "3 open steps" in page and "That is a long list" not in page
    response = client.post(reverse("plans:task-status", kwargs={"task_id": tasks[0].public_id}),
                           {"status": "done", "version": tasks[0].version}, HTTP_HX_REQUEST="true")
    fragment = text(response)
    assert 'id="open-steps" aria-live="polite" hx-swap-oob="true"' in fragment and "2 open steps" in fragment
    response = client.post(reverse("plans:task-add", kwargs={"plan_id": plan.public_id}),
                           {"title": "Security review", "side": "buyer"}, HTTP_HX_REQUEST="true")
    assert "3 open steps" in text(response)


def test_the_plan_page_warns_gently_past_twenty_open_steps(client, seller, plan):
    for _ in range(21):
        factories.TaskFactory(plan=plan, organization=plan.organization)
    page = text(login(client, seller).get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})))
    assert "21 open steps" in page and "That is a long list" in page
    Task.objects.filter(pk=Task.objects.filter(plan=plan).first().pk).update(status=TaskStatus.DONE)
    page = text(client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})))
    assert "20 open steps" in page and "That is a long list" not in page


def test_a_template_deleted_while_editing_keeps_what_was_typed_for_a_new_template(
    client, admin, lite, monkeypatch
):
    from mapapp.concurrency import StaleEdit

    def deleted_meanwhile(**kwargs):
        raise StaleEdit(None)

    monkeypatch.setattr(plan_templates, "template_update", deleted_meanwhile)
    data = editor_data(lite)
    data["steps-0-title"] = "Intro call"
    response = login(client, admin).post(url("template-edit", lite), data)
    page = text(response)
    assert response.status_code == 409
    assert "Someone else deleted this template while you were editing. Nothing was saved" in page
    assert 'value="Intro call"' in page and f'action="{url("template-new")}"' in page
