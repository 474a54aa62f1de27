"""Academic years, terms and their default dates.

An academic year is named by the calendar year of its September ("2025/26" is
2025). Where the school has entered no dates for a term, the defaults are:
autumn 1 Sep-31 Dec, spring 1 Jan-Easter Sunday, summer Easter Monday-31 Aug.
"""

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


class SchoolCalendar:
    """Terms of one or more academic years; a school day is a weekday inside a term."""

    def __init__(self, terms: list[TermDates]) -> None:
        self.terms = sorted(terms, key=lambda t: t.start)

    def term_of(self, day: dt.date) -> TermDates | None:
        for term in self.terms:
            if term.start <= day <= term.end:
                return term
        return None

    def is_school_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and self.term_of(day) is not None

    def add_school_days(self, start: dt.date, days: int) -> dt.date:
        """Return the school day that is `days` school days after start (start not counted)."""
        day, counted = start, 0
        limit = start + dt.timedelta(days=days * 7 + 400)  # a year of holidays at most
        while counted < days:
            day += dt.timedelta(days=1)
            if day > limit:
                raise ValueError("No term dates cover that period.")
            if self.is_school_day(day):
                counted += 1
        return day

    def school_days_between(self, first: dt.date, last: dt.date) -> int:
        """Count school days from first to last, both included."""
        return sum(
            1 for n in range((last - first).days + 1)
            if self.is_school_day(first + dt.timedelta(days=n))
        )
