"""Calendar dates as people type them into forms: the date picker's widget and the range a
plan's date may take.

Outside the range a date is a typo (2206 for 2026), and near the end of the calendar it would
break date arithmetic (a cascade adding business days to 9999-12-31): every date field of the
pages (and the API's) refuses it with a sentence.
"""

import datetime
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1990, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def check_date_range(value: datetime.date | None) -> None:
    """ValidationError for a date outside EARLIEST_DATE..LATEST_DATE (None passes)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Pick a date between %(start)s and %(end)s."),
            code="date_out_of_range", params={"start": EARLIEST_DATE.year, "end": LATEST_DATE.year},
        )


class DateInput(forms.DateInput):
    """The browser's date picker: it speaks ISO; dates typed in the locale's format still parse."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A form's date: the picker, and the range above."""

    widget = DateInput
    default_validators: ClassVar[list] = [check_date_range]
