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
