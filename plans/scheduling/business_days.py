"""Business days: Monday to Friday, minus an optional set of holidays.

Every date here is a calendar `datetime.date`, never a `datetime`: a due date is "5 June",
the same day for a buyer in Tokyo and a seller in San Francisco. There is no time of day
and no time zone anywhere in the engine, so no conversion can shift a date by one; callers
turn "today" into a date in the viewer's (or the organization's) zone before they call in.

Arithmetic goes through a *rank*: `rank(d)` is the number of business days from a fixed
Monday up to and including `d`, so a weekend day or a holiday has the rank of the business
day before it. Adding n business days is then integer addition on ranks, which is what the
schedulers use internally (one integer per date, no day-by-day loops).
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

Date = datetime.date

# date(1, 1, 1) is a Monday and has ordinal 1: ranks count weekdays from there.
_WEEK = 7
_WORKDAYS = 5


def _weekday_count(d: Date) -> int:
    """Weekdays (Mon–Fri) in [0001-01-01, d]."""
    weeks, day = divmod(d.toordinal() - 1, _WEEK)
    return weeks * _WORKDAYS + min(day + 1, _WORKDAYS)


def _weekday_at(count: int) -> Date:
    """The weekday with `_weekday_count` == count (count >= 1)."""
    weeks, day = divmod(count - 1, _WORKDAYS)
    return Date.fromordinal(1 + weeks * _WEEK + day)


@dataclass(frozen=True)
class BusinessCalendar:
    """Monday–Friday working days, minus `holidays` (weekend holidays change nothing)."""

    holidays: frozenset[Date] = frozenset()
    _sorted: tuple[Date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = frozenset(self.holidays)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_sorted", tuple(sorted(d for d in holidays if d.weekday() < 5)))

    @classmethod
    def with_holidays(cls, holidays: Iterable[Date]) -> BusinessCalendar:
        return cls(frozenset(holidays))

    def is_business_day(self, d: Date) -> bool:
        return d.weekday() < 5 and d not in self.holidays

    def rank(self, d: Date) -> int:
        """Business days in [0001-01-01, d]; a non-business day ranks like the one before it."""
        return _weekday_count(d) - bisect.bisect_right(self._sorted, d)

    def day_at(self, rank: int) -> Date:
        """The business day whose rank is `rank` (the inverse of `rank` on business days)."""
        d = _weekday_at(rank)
        while True:
            r = self.rank(d)
            if r == rank:
                # Landing on a holiday would have made r < rank (see rank), so d is a business day.
                return d
            d = _weekday_at(_weekday_count(d) + (rank - r))

    def start_rank(self, d: Date) -> int:
        """Rank of the first business day on or after `d` (when work dated `d` can begin)."""
        r = self.rank(d)
        return r if self.is_business_day(d) else r + 1

    def add(self, d: Date, n: int) -> Date:
        """The n-th business day after `d` (n > 0), before it (n < 0), or `d` itself (n == 0).

        `d` need not be a business day: one business day after a Saturday is the Monday, one
        before it is the Friday. For a business day, ``add(add(d, n), -n) == d``.
        """
        if n == 0:
            return d
        r = self.rank(d)
        if n < 0 and not self.is_business_day(d):
            # rank(d) is the business day before d: it already is the first step back.
            return self.day_at(r + n + 1)
        return self.day_at(r + n)

    def between(self, start: Date, end: Date) -> int:
        """Business days in (start, end]; negative when end is before start.

        So ``add(start, between(start, end)) == end`` whenever `end` is a business day, and
        "projected 9 business days after the target" is ``between(target, projected) == 9``.
        """
        return self.rank(end) - self.rank(start)

    def on_or_before(self, d: Date) -> Date:
        """`d` when it is a business day, else the business day before it."""
        return d if self.is_business_day(d) else self.day_at(self.rank(d))

    def on_or_after(self, d: Date) -> Date:
        """`d` when it is a business day, else the next one."""
        return d if self.is_business_day(d) else self.day_at(self.rank(d) + 1)


#: The plain calendar: Monday to Friday, no holidays.
WEEKDAYS = BusinessCalendar()


def add_business_days(d: Date, n: int, holidays: Iterable[Date] = ()) -> Date:
    """`BusinessCalendar.add` for a one-off call (builds the calendar each time)."""
    return BusinessCalendar.with_holidays(holidays).add(d, n)


def subtract_business_days(d: Date, n: int, holidays: Iterable[Date] = ()) -> Date:
    """The n-th business day before `d`."""
    return add_business_days(d, -n, holidays)


def business_days_between(start: Date, end: Date, holidays: Iterable[Date] = ()) -> int:
    """`BusinessCalendar.between` for a one-off call: business days in (start, end]."""
    return BusinessCalendar.with_holidays(holidays).between(start, end)
