"""Academic years, financial years, terms, closures and the school calendar.

An academic year is named by the calendar year of its September ("2025/26" is
2025). Where the school has entered no dates for a year, the defaults are:
autumn 1 Sep-31 Dec, spring 1 Jan-Easter Sunday, summer Easter Monday-31 Aug,
closed for the half-terms, Christmas, Easter and the summer holiday
(`default_closures`). Bank holidays come from the `holidays` package.
"""

import bisect
import datetime as dt
import functools
from typing import NamedTuple

import holidays
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
    """Said in words, so it is never mistaken for the academic year "2025/26" beside it."""
    return f"financial year {year}-{(year + 1) % 100:02d}"


# How far from this year a page may be asked to show (term dates, grids, report inputs).
YEARS_BACK, YEARS_AHEAD = 10, 5


def year_in_range(value: object, *, current: int) -> int | None:
    """Return the year asked for (a URL or query value) if it is near enough to current, else None."""
    try:
        year = int(str(value))
    except ValueError:
        return None
    return year if current - YEARS_BACK <= year <= current + YEARS_AHEAD else None


HALF_TERM, INSET, CLOSURE = "half_term", "inset", "closure"
CLOSURE_KINDS = [(HALF_TERM, "Half-term or holiday"), (INSET, "INSET (training) day"), (CLOSURE, "Other closure")]


class ClosureDates(NamedTuple):
    """Days inside the terms when the school is closed: a half-term, an INSET day, a closure."""

    academic_year: int
    start: dt.date
    end: dt.date
    kind: str
    description: str = ""


def _week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Friday of the week holding the day."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=4)


def _last_monday(year: int, month: int) -> dt.date:
    last = (dt.date(year, month + 1, 1) if month < 12 else dt.date(year + 1, 1, 1)) - dt.timedelta(days=1)
    return last - dt.timedelta(days=last.weekday())


def _third_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 14)


def default_closures(year: int) -> list[ClosureDates]:
    """Return the default holidays inside the default terms of an academic year."""
    easter_sunday = easter(year + 1)
    return [
        ClosureDates(year, *_week_of(_last_monday(year, 10)), HALF_TERM, "Autumn half-term"),
        ClosureDates(year, dt.date(year, 12, 21), dt.date(year + 1, 1, 1), HALF_TERM, "Christmas holiday"),
        ClosureDates(year, *_week_of(_third_monday(year + 1, 2)), HALF_TERM, "Spring half-term"),
        ClosureDates(year, easter_sunday - dt.timedelta(days=2), easter_sunday + dt.timedelta(days=5), HALF_TERM,
                     "Easter holiday"),
        ClosureDates(year, *_week_of(_last_monday(year + 1, 5)), HALF_TERM, "Summer half-term"),
        ClosureDates(year, dt.date(year + 1, 7, 23), dt.date(year + 1, 8, 31), HALF_TERM, "Summer holiday"),
    ]


@functools.lru_cache(maxsize=64)
def bank_holidays(calendar_year: int) -> frozenset[dt.date]:
    """England's bank holidays in a calendar year, one-off ones included (the `holidays` package)."""
    if not 1900 <= calendar_year <= 9998:
        return frozenset()
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=calendar_year))


class YearDates(NamedTuple):
    academic_year: int
    terms: list[TermDates]
    closures: list[ClosureDates]
    on_defaults: bool


# The calendar answers for any date; the years it can name are these (a typo such as
# 2100 or 9999 still gets an answer, never an error).
FIRST_YEAR, LAST_YEAR = dt.MINYEAR + 1, dt.MAXYEAR - 2


class SchoolCalendar:
    """The school's terms, closures and England's bank holidays, for any date.

    A school day is a weekday inside a term that is not a closure or a bank holiday.
    Years the school has entered use its terms and closures; every other year uses the
    defaults. Each year's school days are worked out once, when first needed.
    """

    def __init__(self, terms: list[TermDates] = (), closures: list[ClosureDates] = ()) -> None:
        self._entered_terms: dict[int, dict[str, TermDates]] = {}
        for term in terms:
            self._entered_terms.setdefault(term.academic_year, {})[term.name] = term
        self._entered_closures: dict[int, list[ClosureDates]] = {}
        for closure in closures:
            self._entered_closures.setdefault(closure.academic_year, []).append(closure)
        self._years: dict[int, YearDates] = {}
        self._days: dict[int, list[dt.date]] = {}
        self._added: dict[tuple[dt.date, int], dt.date] = {}

    def year(self, academic_year: int) -> YearDates:
        """The terms and closures of one academic year: as entered, else the defaults."""
        if academic_year not in self._years:
            self._years[academic_year] = self._make_year(academic_year)
        return self._years[academic_year]

    def _make_year(self, year: int) -> YearDates:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return YearDates(year, [], [], True)
        entered = self._entered_terms.get(year, {})
        terms = sorted((entered.get(d.name, d) for d in default_terms(year)), key=lambda t: t.start)
        if entered or year in self._entered_closures:
            return YearDates(year, terms, sorted(self._entered_closures.get(year, [])), False)
        return YearDates(year, terms, default_closures(year), True)

    def terms_of(self, academic_year: int) -> list[TermDates]:
        return self.year(academic_year).terms

    def on_defaults(self, academic_year: int) -> bool:
        return self.year(academic_year).on_defaults

    def school_days_of(self, academic_year: int) -> list[dt.date]:
        """Every school day of an academic year, in order."""
        if academic_year not in self._days:
            year = self.year(academic_year)
            closed = {
                c.start + dt.timedelta(days=n) for c in year.closures for n in range((c.end - c.start).days + 1)
            }
            days = []
            for term in year.terms:
                holidays_ = bank_holidays(term.start.year) | bank_holidays(term.end.year)
                for n in range((term.end - term.start).days + 1):
                    day = term.start + dt.timedelta(days=n)
                    if day.weekday() < 5 and day not in closed and day not in holidays_:
                        days.append(day)
            self._days[academic_year] = days
        return self._days[academic_year]

    def _years_around(self, day: dt.date) -> list[int]:
        # A term may start in late August, in the academic year that begins in September.
        year = academic_year_of(day)
        return [year, year + 1] if day.month == 8 else [year]

    def term_of(self, day: dt.date) -> TermDates | None:
        """The term holding the day (half-terms and INSET days included), or None in a holiday."""
        for year in self._years_around(day):
            for term in self.terms_of(year):
                if term.start <= day <= term.end:
                    return term
        return None

    def term_for_meeting(self, day: dt.date) -> TermDates | None:
        """The term a meeting on this day counts for: the term it falls in, or after a term ends, the next."""
        term = self.term_of(day)
        if term is not None:
            return term
        for year in (academic_year_of(day), academic_year_of(day) + 1):
            for term in self.terms_of(year):
                if term.start > day:
                    return term
        return None

    def is_school_day(self, day: dt.date) -> bool:
        for year in self._years_around(day):
            days = self.school_days_of(year)
            i = bisect.bisect_left(days, day)
            if i < len(days) and days[i] == day:
                return True
        return False

    def school_days_from(self, start: dt.date, count: int, *, after: bool = False) -> list[dt.date]:
        """The first `count` school days on or after start (strictly after it, if `after`)."""
        found: list[dt.date] = []
        year = academic_year_of(start) - (1 if start.month == 8 else 0)
        # A count of school days never needs more than a few years; stop at the calendar's end.
        while len(found) < count and year <= min(LAST_YEAR, academic_year_of(start) + count // 100 + 3):
            days = self.school_days_of(year)
            i = bisect.bisect_right(days, start) if after else bisect.bisect_left(days, start)
            found.extend(days[i:i + count - len(found)])
            year += 1
        return found

    def add_school_days(self, start: dt.date, days: int) -> dt.date:
        """Return the school day that is `days` school days after start (start not counted)."""
        if days <= 0:
            return start
        # A grid asks the same question for each term of each year of a child's care: answer it once.
        if (start, days) not in self._added:
            found = self.school_days_from(start, days, after=True)
            self._added[(start, days)] = found[-1] if len(found) == days else dt.date.max
        return self._added[(start, days)]

    def next_school_day(self, day: dt.date) -> dt.date:
        """The day itself if it is a school day, else the next one."""
        found = self.school_days_from(day, 1)
        return found[0] if found else dt.date.max

    def school_days_between(self, first: dt.date, last: dt.date) -> int:
        """Count school days from first to last, both included."""
        if last < first:
            return 0
        total = 0
        for year in range(academic_year_of(first) - 1, academic_year_of(last) + 1):
            days = self.school_days_of(year)
            total += bisect.bisect_right(days, last) - bisect.bisect_left(days, first)
        return total
