"""Forms of the buyer's edits in the deal room. They parse and limit input; services write.

Choices are limited to the buyer's own plan and to people on the buyer side, named by public
id, so an id from elsewhere is "not one of the available choices".
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.forms import StakeholderForm
from deals.models import Side, Stakeholder
from mapapp.dates import DateField

from .forms import (
    LONG_TEXT_ERROR,
    TEXT_MAX,
    PublicIdChoiceField,
    ServiceErrors,
    VersionedForm,
    short_text,
)
from .models import Milestone, TaskStatus
from .slips import REASON_MAX


class RoomStatusForm(ServiceErrors, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    reason = short_text(_("Blocked because"), max_length=300)
    # Confirmed: start or finish it although a prerequisite is not done (plans.dependencies).
    override_dependencies = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RoomDateForm(VersionedForm):
    due_date = DateField(
        label=_("New due date"), error_messages={"required": _("Pick the new date.")}
    )
    reason = forms.CharField(
        label=_("Why the date moves"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the date moves: the other side sees the reason."),
                        "max_length": LONG_TEXT_ERROR},
    )
    # The "also moves" list the buyer confirmed (services.room_moves_signature).
    moves = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class RoomCommentForm(ServiceErrors, forms.Form):
    """A buyer's comment: never internal, so no such field."""

    body = forms.CharField(
        label=_("Add a comment"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("A comment cannot be empty."), "max_length": LONG_TEXT_ERROR},
    )


class RoomTaskAddForm(ServiceErrors, forms.Form):
    title = short_text(_("Title"), required=True)
    owner = PublicIdChoiceField(
        label=_("Owner"), queryset=Stakeholder.objects.none(), required=False, empty_label=_("— no owner yet —")
    )
    due_date = DateField(label=_("Due date"), required=False)
    milestone = PublicIdChoiceField(
        label=_("Milestone"), queryset=Milestone.objects.none(), required=False,
        empty_label=_("— not in a milestone —"),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Stakeholder.objects.filter(
            organization_id=plan.organization_id, deal_id=plan.deal_id, side=Side.BUYER
        )
        self.fields["milestone"].queryset = Milestone.objects.filter(organization_id=plan.organization_id, plan=plan)

    def clean_title(self):
        return self.cleaned_data["title"].strip()


class RoomStakeholderForm(StakeholderForm):
    """A person on the buyer side: the seller's form without the side (always the buyer's)."""

    side = None
    field_order = ("name", "title", "decision_role", "email", "phone", "availability", "timezone", "language")

    set_version = VersionedForm.set_version

    def stakeholder_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "side")}


class RoomStakeholderAddForm(RoomStakeholderForm):
    version = None
