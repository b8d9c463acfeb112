"""The dashboard's arithmetic, pure: rates that know their counts, medians and means, and the
months of a period. No database; metrics.py feeds these from its aggregates."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Below this many deals on one side of a comparison, the page says the figure is too thin.
SMALL_SAMPLE = 10
#: The adoption trend shows at most this many months (the last ones of the period).
MAX_MONTHS = 24


@dataclass(frozen=True)
class Rate:
    """`part` of `whole`; `percent` is None when there is nothing to divide by."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else 100.0 * self.part / self.whole

    @property
    def rounded(self) -> int | None:
        """The percent as people read it (half up: 2 of 3 is 67 %)."""
        value = self.percent
        return None if value is None else int(value + 0.5)


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the middle two for an even count), None for no values: the same
    as PostgreSQL's percentile_cont(0.5)."""
    return statistics.median(values) if values else None


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def days(value: datetime.timedelta | float | None) -> float | None:
    """A duration in (fractional) days."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return float(value)


def month_ends(start: datetime.date, end: datetime.date, *, limit: int = MAX_MONTHS) -> list[datetime.date]:
    """The last day of each month from `start`'s month to `end`'s, the last one cut at `end`
    (a month still running counts up to `end`); at most `limit`, the latest ones."""
    if end < start:
        return []
    ends = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        ends.append(min(following - datetime.timedelta(days=1), end))
        year, month = following.year, following.month
    return ends[-limit:]


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
