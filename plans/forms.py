"""Forms for the plan page. They parse and limit input; services do the writing.

Plain forms rather than ModelForms on purpose: a ModelForm writes the cleaned values onto
the instance while validating, and the services compare the instance with the new values
to know what changed (and to record it in the history).

Choices of related objects are limited to this plan and its deal, and are named by public
id, so an id from another plan or tenant is simply "not one of the available choices".
"""

import datetime
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy as _

from deals.models import Stakeholder
from mapapp.dates import DateField

from .models import Cadence, Milestone, PlanStatus, RiskStatus, Task, TaskSide, TaskStatus

TITLE_MAX = 200
TEXT_MAX = 5000

LONG_TEXT_ERROR = _("Please keep this under %(limit_value)d characters (it has %(show_value)d).")


def long_text(label, *, max_length: int = TEXT_MAX, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": LONG_TEXT_ERROR},
        **kwargs,
    )


def short_text(label, *, max_length: int = TITLE_MAX, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, error_messages={"max_length": LONG_TEXT_ERROR}
    )


def date_field(label) -> forms.DateField:
    return DateField(label=label, required=False)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class PublicIdChoiceField(forms.ModelChoiceField):
    """A choice among the objects of this plan, named by public id; anything else is "not a valid choice"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="public_id", **kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not _is_uuid(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class PublicIdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="public_id", **kwargs)

    def _check_values(self, value):
        for item in value:
            if not _is_uuid(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)


class StakeholderChoiceField(PublicIdChoiceField):
    def label_from_instance(self, obj: Stakeholder) -> str:
        return f"{obj.name} ({obj.get_side_display()})"


class ServiceErrors:
    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the field it names, or on the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class VersionedForm(ServiceErrors, forms.Form):
    """An edit form: carries the version of the row the editor was loaded with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def set_version(self, version: int) -> None:
        """Point the (bound) form at another version, keeping everything the user typed."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


# Plan sections --------------------------------------------------------------------------

class PlanSummaryForm(VersionedForm):
    title = short_text(_("Title"), required=True)
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)
    target_close_date = date_field(_("Target decision date"))
    go_live_date = date_field(_("Go-live date"))
    checkin_cadence = forms.ChoiceField(label=_("Check-in cadence"), choices=Cadence.choices)
    next_checkin_date = date_field(_("Next check-in"))


class PlanGoalsForm(VersionedForm):
    buyer_objective = long_text(_("Buyer's goals"))
    seller_objective = long_text(_("Seller's goals"))
    success_criteria = long_text(_("Success criteria"))
    kpis = long_text(_("KPIs"))


class PlanValueForm(VersionedForm):
    value_proposition = long_text(_("Value proposition / expected ROI"))
    first_value_date = date_field(_("First results expected"))
    budget_amount = forms.DecimalField(
        label=_("Budget"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    payment_terms = short_text(_("Payment terms"), max_length=300)
    budget_notes = long_text(_("Budget notes"))


SECTION_FORMS = {"summary": PlanSummaryForm, "goals": PlanGoalsForm, "value": PlanValueForm}


# Milestones -----------------------------------------------------------------------------

class MilestoneForm(VersionedForm):
    title = short_text(_("Title"), required=True)
    target_date = date_field(_("Target date"))


class MilestoneAddForm(MilestoneForm):
    version = None


# Tasks ----------------------------------------------------------------------------------

class TaskForm(VersionedForm):
    """The full task editor. The quick-add form posts a subset; the rest takes defaults."""

    title = short_text(_("Title"), required=True)
    side = forms.ChoiceField(label=_("Side"), choices=TaskSide.choices, initial=TaskSide.SELLER)
    owner = StakeholderChoiceField(
        label=_("Owner"), queryset=Stakeholder.objects.none(), required=False,
        empty_label=_("— no owner yet —"),
    )
    due_date = date_field(_("Due date"))
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices, required=False)
    milestone = PublicIdChoiceField(
        label=_("Milestone"), queryset=Milestone.objects.none(), required=False,
        empty_label=_("— not in a milestone —"),
    )
    depends_on = PublicIdMultipleChoiceField(
        label=_("Depends on"), queryset=Task.objects.none(), required=False,
        help_text=_("This task starts after the ones selected here are done. Hold Ctrl (⌘ on a Mac) to pick several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    blocked_reason = short_text(_("Blocked because"), max_length=300)
    internal = forms.BooleanField(
        label=_("Internal to seller"), required=False, help_text=_("Hidden from the buyer in the deal room.")
    )
    description = long_text(_("Description"), rows=4)

    def __init__(self, *args, plan, task: Task | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Stakeholder.objects.filter(
            organization_id=plan.organization_id, deal_id=plan.deal_id
        ).order_by("side", "order", "id")
        self.fields["milestone"].queryset = Milestone.objects.filter(
            organization_id=plan.organization_id, plan=plan
        )
        others = Task.objects.filter(organization_id=plan.organization_id, plan=plan)
        if task is not None:
            others = others.exclude(pk=task.pk)
        self.fields["depends_on"].queryset = others

    def clean_status(self):
        return self.cleaned_data.get("status") or TaskStatus.NOT_STARTED

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") != TaskStatus.BLOCKED:
            cleaned["blocked_reason"] = ""
        return cleaned

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "depends_on")}


class TaskAddForm(TaskForm):
    version = None


class TaskStatusForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(choices=TaskStatus.choices)
    # Confirmed: start or finish it although a prerequisite is not done (plans.dependencies).
    override_dependencies = forms.BooleanField(required=False)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


# Risks ----------------------------------------------------------------------------------

class RiskForm(VersionedForm):
    description = short_text(_("Description"), max_length=500, required=True)
    probability = forms.IntegerField(
        label=_("Probability (1–5)"), min_value=1, max_value=5, initial=3,
        widget=forms.NumberInput(attrs={"min": 1, "max": 5}),
    )
    impact = forms.IntegerField(
        label=_("Impact (1–5)"), min_value=1, max_value=5, initial=3,
        widget=forms.NumberInput(attrs={"min": 1, "max": 5}),
    )
    owner = StakeholderChoiceField(
        label=_("Owner"), queryset=Stakeholder.objects.none(), required=False,
        empty_label=_("— no owner yet —"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices, initial=RiskStatus.OPEN, required=False)
    mitigation = long_text(_("Mitigation"))

    def clean_status(self):
        return self.cleaned_data.get("status") or RiskStatus.OPEN

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Stakeholder.objects.filter(
            organization_id=plan.organization_id, deal_id=plan.deal_id
        ).order_by("side", "order", "id")


class RiskAddForm(RiskForm):
    version = None


# Comments -------------------------------------------------------------------------------

class CommentForm(ServiceErrors, forms.Form):
    """A comment on a task. Whitespace alone counts as empty; what was typed is shown again on an error."""

    body = forms.CharField(
        label=_("Add a comment"),
        max_length=TEXT_MAX,
        error_messages={"required": _("A comment cannot be empty."), "max_length": LONG_TEXT_ERROR},
    )
    internal = forms.BooleanField(label=_("Internal to the seller team"), required=False)


# Stale edits ------------------------------------------------------------------------------

def _stored(current: Model, name: str):
    if name == "depends_on":
        return list(Task.objects.filter(dependant_links__task=current).order_by("title"))
    return getattr(current, name)


def _comparable(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (list, tuple)) or hasattr(value, "model"):
        return sorted(v.pk if isinstance(v, Model) else v for v in value)
    if isinstance(value, Decimal):
        return value.normalize()
    return None if value in ("", None) else value


def display_value(field: forms.Field, value) -> str:
    """A field's value as a person reads it: choice labels, names, localized dates."""
    if value is None or value == "" or (hasattr(value, "__len__") and not isinstance(value, str) and not value):
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (list, tuple)) or hasattr(value, "model"):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    choices = getattr(field, "choices", None)
    if choices and not isinstance(field, forms.ModelChoiceField):
        return str(dict(choices).get(value, value))
    return str(value)


def conflict_for(form: forms.Form, current: Model | None) -> dict:
    """What the conflict panel shows: per differing field, the stored value next to what was typed.

    `current` is None when the row was deleted meanwhile: then only the typed values,
    so nothing the person wrote is lost.
    """
    rows = []
    for name, field in form.fields.items():
        if name == "version" or isinstance(field.widget, forms.HiddenInput):
            continue
        typed = form.cleaned_data.get(name)
        if current is None:
            rows.append({"label": field.label, "typed": display_value(field, typed), "changed": True})
            continue
        stored = _stored(current, name)
        rows.append({
            "label": field.label,
            "current": display_value(field, stored),
            "typed": display_value(field, typed),
            "changed": _comparable(stored) != _comparable(typed),
        })
    if current is not None:
        rows = [row for row in rows if row["changed"]]  # the fields to decide on; the rest agree
    return {"deleted": current is None, "rows": rows, "differs": bool(rows)}


# Starting a plan and saving one as a template ----------------------------------------------

class StartPlanForm(forms.Form):
    """Start the deal's plan: blank (no template), or from a template and its anchor date.

    The template is named by public id; the view loads it through the access helper, so
    another organization's template answers 404 rather than a form error. An anchor date in
    the past is refused: every item would be overdue on the first day, which is never what
    was meant (a date too close to fit is allowed, and the plan says how many days are missing).
    """

    template = forms.UUIDField(required=False, widget=forms.HiddenInput)
    anchor_date = DateField(required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        anchor = cleaned.get("anchor_date")
        if cleaned.get("template") and "anchor_date" not in self.errors:
            if anchor is None:
                self.add_error("anchor_date", _("Pick the date to plan back from."))
            elif anchor < self.today:
                self.add_error("anchor_date", _("That date has passed: pick today or a later date."))
        return cleaned


class SaveAsTemplateForm(ServiceErrors, forms.Form):
    name = forms.CharField(
        label=_("Template name"), max_length=TITLE_MAX,
        error_messages={"required": _("Give the template a name."), "max_length": LONG_TEXT_ERROR},
    )
    description = long_text(_("Description"), rows=2)
