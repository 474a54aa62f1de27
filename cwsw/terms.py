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

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and self.end >= start

    @property
    def middle(self) -> dt.date:
        return self.start + (self.end - self.start) / 2


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


def _kept_defaults(defaults: list[ClosureDates], terms: list[TermDates],
                   entered: list[ClosureDates]) -> list[ClosureDates]:
    """The default holidays a year keeps: each stays unless the school entered the holiday it stands for.

    An entered holiday (a closure of kind half-term or holiday) stands for the default holidays it overlaps,
    and for the default holiday nearest to it in the same term (the school's half-term a week before the
    default one replaces it, and does not add to it). INSET days and other closures replace nothing:
    entering one never turns Christmas into school days.
    """
    replaced: set[ClosureDates] = set()
    for closure in entered:
        if closure.kind != HALF_TERM:
            continue
        term = next((t for t in terms if t.start <= closure.start <= t.end), None)
        alike = [d for d in defaults if term is not None and d.overlaps(term.start, term.end)]
        replaced.update(d for d in alike if d.overlaps(closure.start, closure.end))
        if alike:
            replaced.add(min(alike, key=lambda d: abs(d.middle - closure.middle)))
    return [d for d in defaults if d not in replaced]


class SchoolCalendar:
    """The school's terms, closures and England's bank holidays, for any date.

    A school day is a weekday inside a term that is not a closure or a bank holiday. What the school
    entered replaces only what it stands for: an entered term replaces that term's default dates (and a
    default term next to it gives way where they meet, as when an academy's autumn term starts in
    August); an entered holiday replaces the default holiday it stands for (`_kept_defaults`); every
    term, closure and holiday not entered keeps its default. A closure belongs where its dates fall,
    whatever year it was filed under. Each year's school days are worked out once, when first needed.
    """

    def __init__(self, terms: list[TermDates] = (), closures: list[ClosureDates] = ()) -> None:
        self._entered_terms: dict[int, dict[str, TermDates]] = {}
        for term in terms:
            self._entered_terms.setdefault(term.academic_year, {})[term.name] = term
        self._entered_closures = sorted(closures, key=lambda c: (c.start, c.end))
        self._years: dict[int, YearDates] = {}
        self._days: dict[int, list[dt.date]] = {}
        self._added: dict[tuple[dt.date, int], dt.date] = {}

    def year(self, academic_year: int) -> YearDates:
        """The terms and closures of one academic year: as entered, else the defaults."""
        if academic_year not in self._years:
            self._years[academic_year] = self._make_year(academic_year)
        return self._years[academic_year]

    def _terms(self, year: int) -> list[TermDates]:
        """The year's three terms: entered, or the defaults, a default giving way to an entered term it meets."""
        entered = self._entered_terms.get(year, {})
        terms = []
        for default in default_terms(year):
            term = entered.get(default.name)
            if term is None:
                term = self._clip(default, [t for y in (year - 1, year, year + 1)
                                            for t in self._entered_terms.get(y, {}).values()])
            if term is not None:
                terms.append(term)
        return sorted(terms, key=lambda t: t.start)

    @staticmethod
    def _clip(default: TermDates, entered: list[TermDates]) -> TermDates | None:
        start, end = default.start, default.end
        for other in entered:
            if other.start <= end and other.end >= start:
                if other.start <= start:
                    start = max(start, other.end + dt.timedelta(days=1))
                else:
                    end = min(end, other.start - dt.timedelta(days=1))
        return default._replace(start=start, end=end) if start <= end else None

    def _make_year(self, year: int) -> YearDates:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return YearDates(year, [], [], True)
        terms = self._terms(year)
        if not terms:
            return YearDates(year, [], [], True)
        first, last = terms[0].start, terms[-1].end
        entered = [c for c in self._entered_closures if c.overlaps(first, last)]
        kept = _kept_defaults(default_closures(year), terms, entered)
        on_defaults = len(self._entered_terms.get(year, {})) < len(TERM_NAMES)
        return YearDates(year, terms, sorted([*entered, *kept], key=lambda c: (c.start, c.end)), on_defaults)

    def terms_of(self, academic_year: int) -> list[TermDates]:
        return self.year(academic_year).terms

    def on_defaults(self, academic_year: int) -> bool:
        """Whether the school has yet to enter all three of the year's terms."""
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
        # A term may start in August (the year beginning then) or run into September (the year before).
        year = academic_year_of(day)
        return [y for y in (year, year + 1, year - 1) if FIRST_YEAR <= y <= LAST_YEAR]

    def academic_year_of(self, day: dt.date) -> int:
        """The school's own academic year of a day: the year whose terms hold it; outside the terms, the year
        starting 1 September (an academy's autumn term from 26 August puts 26-31 August in the new year)."""
        term = self.term_of(day)
        return term.academic_year if term is not None else academic_year_of(day)

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
        later = [t for y in (academic_year_of(day), academic_year_of(day) + 1) if FIRST_YEAR <= y <= LAST_YEAR
                 for t in self.terms_of(y) if t.start > day]
        return min(later, key=lambda t: t.start, default=None)

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
        year = max(FIRST_YEAR, academic_year_of(start) - 1)
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
        for year in range(max(FIRST_YEAR, academic_year_of(first) - 1), min(LAST_YEAR, academic_year_of(last) + 1) + 1):
            days = self.school_days_of(year)
            total += bisect.bisect_right(days, last) - bisect.bisect_left(days, first)
        return total
