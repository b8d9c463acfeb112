"""The template editor's forms: the template's own fields, its milestones and its steps.

Three parts posted together (plans.template_views): `TemplateForm` (name, description, anchor
and the version the editor was loaded with), a formset of milestones (rename, remove, order)
and a formset of steps (an editable table). Steps name their milestone by the milestone row's
key, so renaming a milestone and picking it in the same save both work, and their
prerequisites by the step numbers of the table's "#" column ("2, 3+2": after step 2, and two
business days after step 3). `TemplateEditor.service_args()` turns a valid editor into what
plans.plan_templates.template_create / template_update take; those services do the rest of
the validation (cycles, one decision, limits) and the writing.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.models import DecisionRole

from .forms import LONG_TEXT_ERROR, TITLE_MAX, ServiceErrors, long_text
from .models import TEMPLATE_MAX_DAYS, TEMPLATE_MAX_STEPS, AnchorKind, PlanTemplate, TaskSide
from .plan_templates import StepInput, template_contents, too_many_open_steps

#: Blank rows offered at the end of each table; "Add a step row" adds one more without saving.
EXTRA_STEPS = 1
EXTRA_MILESTONES = 1

_AFTER_ITEM = re.compile(r"^#?(\d+)\s*(?:\+\s*(\d+))?$")


def days_field(label, *, required: bool = True, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=0, max_value=TEMPLATE_MAX_DAYS, help_text=help_text,
        error_messages={
            "min_value": _("Use 0 to %(max)d business days.") % {"max": TEMPLATE_MAX_DAYS},
            "max_value": _("Use 0 to %(max)d business days.") % {"max": TEMPLATE_MAX_DAYS},
            "invalid": _("Enter a whole number of business days."),
            "required": _("Enter a number of business days."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": TEMPLATE_MAX_DAYS, "class": "days"}),
    )


def parse_after(text: str) -> dict[int, int]:
    """"2, 3+2" as {2: 0, 3: 2} (step number: lag in business days); ValidationError otherwise."""
    after: dict[int, int] = {}
    for item in filter(None, (part.strip() for part in re.split(r"[,;]", text or ""))):
        match = _AFTER_ITEM.match(item.replace(" ", ""))
        if not match:
            raise ValidationError(
                _("“%(item)s” is not a step number. Write the numbers of the steps this one comes after, "
                  "with +N for a lag in business days, e.g. 2, 3+2.") % {"item": item}
            )
        lag = int(match.group(2) or 0)
        if lag > TEMPLATE_MAX_DAYS:
            raise ValidationError(_("A lag is 0 to %(max)d business days.") % {"max": TEMPLATE_MAX_DAYS})
        after[int(match.group(1))] = lag
    return after


def format_after(after: dict[int, int]) -> str:
    return ", ".join(f"{n}+{lag}" if lag else str(n) for n, lag in sorted(after.items()))


class TemplateForm(ServiceErrors, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=TITLE_MAX,
        error_messages={"required": _("Give the template a name."), "max_length": LONG_TEXT_ERROR},
    )
    description = long_text(_("Description"), rows=2)
    anchor = forms.ChoiceField(label=_("Scheduled back from"), choices=AnchorKind.choices)
    # Blank for a new template; the edited template's version otherwise (checked by the service).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class MilestoneRowForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Milestone"), max_length=TITLE_MAX, required=False,
                            error_messages={"max_length": LONG_TEXT_ERROR})


class BaseMilestoneFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            title = (form.cleaned_data.get("title") or "").strip()
            if title and title.lower() in seen:
                raise ValidationError(_("Two milestones are called “%(title)s”: give each its own name.")
                                      % {"title": title})
            seen.add(title.lower())


MilestoneFormSet = forms.formset_factory(
    MilestoneRowForm, formset=BaseMilestoneFormSet, extra=EXTRA_MILESTONES, can_order=True, can_delete=True,
    max_num=TEMPLATE_MAX_STEPS, validate_max=True,
)


class StepRowForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False,
                            error_messages={"max_length": LONG_TEXT_ERROR})
    milestone = forms.ChoiceField(label=_("Milestone"), required=False, choices=())
    side = forms.ChoiceField(label=_("Side"), choices=TaskSide.choices, initial=TaskSide.JOINT)
    owner_role = forms.ChoiceField(label=_("Owner role"), required=False,
                                   choices=[("", _("— no role —")), *DecisionRole.choices])
    duration_days = days_field(_("Duration (business days)"))
    offset_days = days_field(_("Due at the latest (business days before the anchor)"), required=False)
    after = forms.CharField(label=_("After steps (+ lag)"), required=False, max_length=400,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. 2, 3+2"), "class": "after"}))
    is_decision = forms.BooleanField(label=_("The decision"), required=False)
    description = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, milestone_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", _("— none —")), *milestone_choices]
        self.fields["duration_days"].initial = 1

    def clean_after(self):
        return parse_after(self.cleaned_data.get("after", ""))

    def clean(self):
        cleaned = super().clean()
        if self.has_changed() and not (cleaned.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("Give the step a title (or tick Remove)."))
        return cleaned


class BaseStepFormSet(forms.BaseFormSet):
    def __init__(self, *args, milestone_choices=(), **kwargs):
        self.milestone_choices = list(milestone_choices)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "milestone_choices": self.milestone_choices}

    def kept_forms(self) -> list[tuple[int, StepRowForm]]:
        """(step number as the "#" column shows it, form) of the rows that make a step."""
        kept = []
        for number, form in enumerate(self.forms, start=1):
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() and number > self.initial_form_count():
                continue  # a blank row left blank
            kept.append((number, form))
        return kept

    def clean(self):
        # Also when some rows have errors of their own: every mistake is shown at once.
        super().clean()
        kept = {number for number, _form in self.kept_forms()}
        removed = {n for n, f in enumerate(self.forms, start=1) if self.can_delete and self._should_delete_form(f)}
        for number, form in self.kept_forms():
            for prerequisite in getattr(form, "cleaned_data", {}).get("after", {}):
                if prerequisite in removed:
                    form.add_error("after", _("Step %(n)d is being removed.") % {"n": prerequisite})
                elif prerequisite not in kept:
                    form.add_error("after", _("There is no step %(n)d.") % {"n": prerequisite})
                elif prerequisite == number:
                    form.add_error("after", _("A step cannot come after itself."))


StepFormSet = forms.formset_factory(
    StepRowForm, formset=BaseStepFormSet, extra=EXTRA_STEPS, can_delete=True,
    max_num=TEMPLATE_MAX_STEPS, validate_max=True, absolute_max=TEMPLATE_MAX_STEPS + 20,
)


class TemplateEditor:
    """The three parts of the editor, bound together or filled from a template."""

    def __init__(self, data=None, *, template: PlanTemplate | None = None, add_step_row: bool = False):
        self.template = template
        if data is None:
            main, milestone_rows, step_rows = self._initial(template)
            self.form = TemplateForm(initial=main)
            self.milestones = MilestoneFormSet(initial=milestone_rows, prefix="ms")
            choices = [(row["key"], row["title"]) for row in milestone_rows]
            self.steps = StepFormSet(initial=step_rows, prefix="steps", milestone_choices=choices)
            return
        if add_step_row:
            # The new row shows a blank row's defaults, so that left blank it still counts as blank.
            data = data.copy()
            total = int(data.get("steps-TOTAL_FORMS") or 0)
            data.update({"steps-TOTAL_FORMS": str(total + 1), f"steps-{total}-side": TaskSide.JOINT,
                         f"steps-{total}-duration_days": "1"})
        self.form = TemplateForm(data)
        self.milestones = MilestoneFormSet(data, prefix="ms")
        self.steps = StepFormSet(data, prefix="steps", milestone_choices=self._posted_milestone_choices(data))

    @staticmethod
    def _initial(template: PlanTemplate | None):
        if template is None:
            return {"anchor": AnchorKind.DECISION}, [], []
        steps, milestones = template_contents(template)
        key_of = {title: f"m{i}" for i, title in enumerate(milestones, start=1)}
        number_of = {s.key: n for n, s in enumerate(steps, start=1)}
        main = {"name": template.name, "description": template.description, "anchor": template.anchor,
                "version": template.version}
        milestone_rows = [{"key": key_of[title], "title": title, "ORDER": i} for i, title in enumerate(milestones, 1)]
        step_rows = [
            {
                "title": s.title, "milestone": key_of.get(s.milestone, ""), "side": s.side, "owner_role": s.owner_role,
                "duration_days": s.duration_days, "offset_days": s.offset_days, "is_decision": s.is_decision,
                "after": format_after({number_of[p]: lag for p, lag in s.depends_on.items() if p in number_of}),
                "description": s.description,
            }
            for s in steps
        ]
        return main, milestone_rows, step_rows

    def _posted_milestone_choices(self, data) -> list[tuple[str, str]]:
        """The milestones as typed (even before they validate), keyed as the step rows name them."""
        choices = []
        for i in range(self.milestones.total_form_count()):
            prefix = f"ms-{i}"
            title = (data.get(f"{prefix}-title") or "").strip()
            if title:
                choices.append((self.milestone_key(data.get(f"{prefix}-key"), i), title))
        return choices

    @staticmethod
    def milestone_key(posted_key: str | None, index: int) -> str:
        return posted_key or f"new{index}"

    # Validation -----------------------------------------------------------------------------

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.milestones.is_valid(), self.steps.is_valid()])

    @property
    def version(self) -> int | None:
        return self.form.cleaned_data.get("version")

    def set_version(self, version: int) -> None:
        """Point the editor at the stored version (after a conflict), keeping everything typed."""
        data = self.form.data.copy()
        data["version"] = str(version)
        self.form.data = data

    def add_service_error(self, error: ValidationError) -> None:
        self.form.add_service_error(error)

    def service_args(self) -> dict:
        """name, description, anchor, milestones (titles, in order) and steps (StepInputs keyed by
        their number in the table) for template_create / template_update."""
        title_of = {}
        milestones = []
        for form in self.milestones.ordered_forms:
            title = (form.cleaned_data.get("title") or "").strip()
            if title:
                milestones.append(title)
                title_of[self.milestone_key(form.cleaned_data.get("key"), self.milestones.forms.index(form))] = title
        steps = []
        for number, form in self.steps.kept_forms():
            data = form.cleaned_data
            steps.append(StepInput(
                key=number, title=data["title"], side=data["side"], owner_role=data["owner_role"],
                duration_days=data["duration_days"], offset_days=data["offset_days"],
                milestone=title_of.get(data["milestone"], ""), depends_on=data["after"],
                description=data.get("description", ""), is_decision=data["is_decision"],
            ))
        return {
            "name": self.form.cleaned_data["name"], "description": self.form.cleaned_data["description"],
            "anchor": self.form.cleaned_data["anchor"], "milestones": milestones, "steps": steps,
        }

    # What the page shows ---------------------------------------------------------------------

    @property
    def errors(self) -> bool:
        return bool(self.form.errors or self.milestones.total_error_count() or self.steps.total_error_count())

    def step_count(self) -> int:
        """The steps the table holds now (as loaded, or as typed)."""
        if not self.steps.is_bound:
            return len(self.steps.initial or [])
        count = 0
        for form in self.steps.forms:
            title = (form.data.get(f"{form.prefix}-title") or "").strip()
            removed = form.data.get(f"{form.prefix}-DELETE") not in (None, "", "off", "false")
            if title and not removed:
                count += 1
        return count

    def too_many_steps(self) -> bool:
        return too_many_open_steps(self.step_count())


def heading_for(template: PlanTemplate | None) -> str:
    return gettext("New template") if template is None else gettext("Edit “%(name)s”") % {"name": template.name}
