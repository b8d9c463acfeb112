"""The dashboard's filters: the period, the seller, the stage, the outcome and the currency the
values are shown in; and the drill-down keys (`segment` fields) with which every figure links
to the deals behind it.

Filters narrow one population of deals. Each section takes its own part of it and says which:
open deals for the pipeline, adoption, trouble, sellers and the coming 30 days; deals closed in
the period for the win-rate and cycle comparison.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.forms import MemberChoiceField
from deals.models import Outcome, Stage
from mapapp.dates import DateField
from mapapp.models import User

from .stats import quarter_start

PERIODS = {
    "12m": _("Last 12 months"),
    "90d": _("Last 90 days"),
    "quarter": _("This quarter"),
    "last_quarter": _("Last quarter"),
    "year": _("This year"),
    "last_year": _("Last year"),
    "custom": _("Custom dates"),
}
DEFAULT_PERIOD = "12m"
MAX_PERIOD_DAYS = 3 * 366 + 1

# Drill-down keys: each figure's link adds one or two of these to the filters.
PLAN_SEGMENTS = {
    "none": _("No plan"), "draft": _("Plan not shared yet"), "shared": _("Plan shared"),
    "not_shared": _("No shared plan"), "agreed": _("Plan agreed"), "not_agreed": _("No agreed plan"),
}
MAP_SEGMENTS = {"agreed": _("With an agreed plan"), "without": _("Without an agreed plan"),
                "plan": _("A plan, not agreed"), "none": _("No plan")}
HEALTH_SEGMENTS = {"red": _("Off track"), "amber": _("At risk"), "green": _("On track"), "troubled": _("At risk or off track"),
                   "unscored": _("Not scored yet")}
OVERDUE_SEGMENTS = {"buyer": _("Overdue buyer-side items"), "seller": _("Overdue seller-side items"),
                    "joint": _("Overdue joint items"), "any": _("Overdue items")}
SOON_SEGMENTS = {"decision": _("Decision in the next 30 days"), "checkin": _("Check-in in the next 30 days")}
SOON_DAYS = 30


def period_dates(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of a named period; the running ones end today."""
    if period == "90d":
        return today - datetime.timedelta(days=89), today
    if period == "quarter":
        return quarter_start(today), today
    if period == "last_quarter":
        end = quarter_start(today) - datetime.timedelta(days=1)
        return quarter_start(end), end
    if period == "year":
        return datetime.date(today.year, 1, 1), today
    if period == "last_year":
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    # Last 12 months: the same day a year ago, the day after (29 Feb falls back to 28 Feb).
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:
        start = today.replace(year=today.year - 1, day=28)
    return start + datetime.timedelta(days=1), today


@dataclass(frozen=True)
class Filters:
    """What the page is filtered by, valid values only. `segment` holds the drill-down keys
    (plan, map, closed, health, overdue, soon) of the deal table."""

    today: datetime.date
    period: str
    start: datetime.date
    end: datetime.date
    currency: str
    seller: User | None = None
    stage: str = ""
    outcome: str = ""
    segment: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        """The filters as query parameters (empty ones left out)."""
        values = {"period": self.period if self.period != DEFAULT_PERIOD else ""}
        if self.period == "custom":
            values.update(start=self.start.isoformat(), end=self.end.isoformat())
        values.update(seller=str(self.seller.pk) if self.seller else "", stage=self.stage, outcome=self.outcome,
                      currency=self.currency)
        return {k: v for k, v in values.items() if v}

    def query(self, **change: str | None) -> str:
        """A query string of these filters with `change` applied (None or "" removes a key):
        the links from a figure to its deals."""
        values = {**self.params(), **self.segment}
        for key, value in change.items():
            if value:
                values[key] = value
            else:
                values.pop(key, None)
        return urlencode(values)


class DashboardFilterForm(forms.Form):
    """The filter bar. Bad values are reported on the form and left out, never an error page:
    an unknown seller (another organization's, say) or a start after the end."""

    period = forms.ChoiceField(label=_("Period"), required=False, choices=list(PERIODS.items()))
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("To"), required=False)
    seller = MemberChoiceField(label=_("Seller"), required=False, queryset=User.objects.none(),
                               empty_label=_("All sellers"))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices])
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("All outcomes")), *Outcome.choices])
    currency = forms.ChoiceField(label=_("Values in"), required=False)
    # Drill-down keys of the deal table: not shown as fields, carried in its links.
    plan = forms.ChoiceField(required=False, choices=[("", ""), *PLAN_SEGMENTS.items()])
    map = forms.ChoiceField(required=False, choices=[("", ""), *MAP_SEGMENTS.items()])
    closed = forms.ChoiceField(required=False, choices=[("", ""), ("1", _("Closed in the period"))])
    health = forms.ChoiceField(required=False, choices=[("", ""), *HEALTH_SEGMENTS.items()])
    overdue = forms.ChoiceField(required=False, choices=[("", ""), *OVERDUE_SEGMENTS.items()])
    soon = forms.ChoiceField(required=False, choices=[("", ""), *SOON_SEGMENTS.items()])
    # Open at the end of this day (a point of the adoption trend); with plan=shared / agreed:
    # shared / agreed by then.
    asof = DateField(required=False)
    slipped = forms.ChoiceField(required=False, choices=[("", ""), ("1", _("A date slipped in the period"))])

    SEGMENT_FIELDS = ("plan", "map", "closed", "health", "overdue", "soon", "asof", "slipped")

    def __init__(self, *args, today: datetime.date, members, currencies: list[str], sees_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["seller"].queryset = members
        if not sees_all:
            del self.fields["seller"]  # a seller's dashboard is their own deals
        self.fields["currency"].choices = [(c, c) for c in currencies]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        period = data.get("period") or DEFAULT_PERIOD
        # Dates typed over a named period's (the form shows its dates) mean "these dates": without
        # JavaScript nobody switches the select to "custom" first, and typed dates are not dropped.
        if period != "custom" and (start or end) and (start, end) != period_dates(period, self.today):
            data["period"] = "custom"
        if data.get("period") == "custom":
            if not start or not end:
                self.add_error("start" if not start else "end", _("Give both dates of a custom period."))
            elif start > end:
                self.add_error("end", _("The end of the period is before its start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most three years."))
        return data

    def filters(self, *, default_currency: str) -> Filters:
        """The valid part of what was asked; the default for each field that is missing or bad."""
        today = self.today
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        period = data.get("period") or DEFAULT_PERIOD
        if period == "custom" and data.get("start") and data.get("end") and not self.errors.get("end") \
                and not self.errors.get("start"):
            start, end = data["start"], data["end"]
        else:
            period = DEFAULT_PERIOD if period == "custom" else period
            start, end = period_dates(period, today)
        self._show_dates(period, start, end)
        return Filters(
            today=today, period=period, start=start, end=end,
            currency=data.get("currency") or default_currency,
            seller=data.get("seller"), stage=data.get("stage", ""), outcome=data.get("outcome", ""),
            segment={k: data[k].isoformat() if isinstance(data[k], datetime.date) else data[k]
                     for k in self.SEGMENT_FIELDS if data.get(k)},
        )

    def _show_dates(self, period: str, start: datetime.date, end: datetime.date) -> None:
        """The fields show the period in force: a named period's dates, or what was typed."""
        if not self.is_bound:
            self.initial.update(period=period, start=start, end=end)
        elif period != "custom" and not self.errors:
            self.data = self.data.copy()
            self.data["period"], self.data["start"], self.data["end"] = period, start.isoformat(), end.isoformat()
