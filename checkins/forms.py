"""Forms of the check-in pages: they parse and limit; checkins.services decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mapapp.dates import DateField
from plans.forms import LONG_TEXT_ERROR, ServiceErrors

from .services import NOTES_MAX


class NotesForm(ServiceErrors, forms.Form):
    """The notes of one check-in. `version` 0: the editor saw no notes yet."""

    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTES_MAX, widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": LONG_TEXT_ERROR},
    )
    date = DateField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def set_version(self, version: int) -> None:
        """Point the (bound) form at another version, keeping everything the user typed."""
        data = self.data.copy()
        data["version"] = str(version)
        self.data = data


class HoldForm(forms.Form):
    date = DateField(widget=forms.HiddenInput)
