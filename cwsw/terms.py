"""Academic years, terms and their default dates.

An academic year is named by the calendar year of its September ("2025/26" is
2025). Where the school has entered no dates for a term, the defaults are:
autumn 1 Sep-31 Dec, spring 1 Jan-Easter Sunday, summer Easter Monday-31 Aug.
"""

import bisect
import datetime as dt
from typing import NamedTuple

from dateutil.easter import easter

AUTUMN, SPRING, SUMMER = "autumn", "spring", "summer"
TERM_NAMES = (AUTUMN, SPRING, SUMMER)
TERM_CHOICES = [(AUTUMN, "Autumn"), (SPRING, "Spring"), (SUMMER, "Summer")]


class TermDates(NamedTuple):
    academic_year: int
    name: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} {academic_year_label(self.academic_year)}"


def academic_year_of(day: dt.date) -> int:
    """Return the academic year (its September's calendar year) that contains the day."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def academic_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def default_terms(year: int) -> list[TermDates]:
    """Return the default terms of an academic year (used where none are entered)."""
    easter_sunday = easter(year + 1)
    return [
        TermDates(year, AUTUMN, dt.date(year, 9, 1), dt.date(year, 12, 31)),
        TermDates(year, SPRING, dt.date(year + 1, 1, 1), easter_sunday),
        TermDates(year, SUMMER, easter_sunday + dt.timedelta(days=1), dt.date(year + 1, 8, 31)),
    ]


def financial_year_of(day: dt.date) -> int:
    """Return the financial year (the April it starts) that contains the day."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a financial year: 1 April to 31 March."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


# How far from this year a page may be asked to show (term dates, grids, report inputs).
YEARS_BACK, YEARS_AHEAD = 10, 5


def year_in_range(value: object, *, current: int) -> int | None:
    """Return the year asked for (a URL or query value) if it is near enough to current, else None."""
    try:
        year = int(str(value))
    except ValueError:
        return None
    return year if current - YEARS_BACK <= year <= current + YEARS_AHEAD else None


class SchoolCalendar:
    """Terms of one or more academic years; a school day is a weekday inside a term."""

    def __init__(self, terms: list[TermDates]) -> None:
        self.terms = sorted(terms, key=lambda t: t.start)
        # Every school day in order, so counting is a binary search rather than a walk.
        self._days = [
            term.start + dt.timedelta(days=n)
            for term in self.terms
            for n in range((term.end - term.start).days + 1)
            if (term.start + dt.timedelta(days=n)).weekday() < 5
        ]
        self._day_set = set(self._days)
        self._starts = [t.start for t in self.terms]

    def term_of(self, day: dt.date) -> TermDates | None:
        i = bisect.bisect_right(self._starts, day) - 1
        if i >= 0 and self.terms[i].start <= day <= self.terms[i].end:
            return self.terms[i]
        return None

    def is_school_day(self, day: dt.date) -> bool:
        return day in self._day_set

    def add_school_days(self, start: dt.date, days: int) -> dt.date:
        """Return the school day that is `days` school days after start (start not counted)."""
        if days <= 0:
            return start
        i = bisect.bisect_right(self._days, start) + days - 1
        if i >= len(self._days):
            raise ValueError("No term dates cover that period.")
        return self._days[i]

    def school_days_between(self, first: dt.date, last: dt.date) -> int:
        """Count school days from first to last, both included."""
        return bisect.bisect_right(self._days, last) - bisect.bisect_left(self._days, first)
