"""Term dates from an iCalendar (.ics) file, as local authorities and schools publish them.

Each event is read by its title: a term's start or end ("Autumn term starts", "Spring 2
ends"), a whole term ("Summer term"), a half-term, an INSET (training) day, a closure,
or a holiday. Bank holidays are left out (they come from the national list). What
cannot be read is listed, never guessed; nothing is saved here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from icalendar import Calendar

from .terms import (
    AUTUMN,
    CLOSURE,
    HALF_TERM,
    INSET,
    SPRING,
    SUMMER,
    TERM_NAMES,
    ClosureDates,
    TermDates,
    academic_year_label,
    academic_year_of,
)

MAX_BYTES = 1024 * 1024
# A school calendar's dates fall in these years; anything else is a damaged or hostile file.
PLAUSIBLE_YEARS = (2000, 2100)
TERM_WORDS = {AUTUMN: ("autumn", "michaelmas"), SPRING: ("spring", "lent"), SUMMER: ("summer", "trinity")}
STARTS = ("start", "begin", "open", "first day", "return")
ENDS = ("end", "finish", "close", "last day", "break up", "breaks up")


@dataclass
class YearImport:
    academic_year: int
    terms: list[TermDates]
    closures: list[ClosureDates]

    @property
    def label(self) -> str:
        return academic_year_label(self.academic_year)


@dataclass
class CalendarImport:
    years: list[YearImport] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.years) and not self.errors


@dataclass(frozen=True)
class _Event:
    title: str
    first: dt.date
    last: dt.date

    def describe(self) -> str:
        days = f"{self.first:%-d %b %Y}" + (f" to {self.last:%-d %b %Y}" if self.last != self.first else "")
        return f"{days}: \u201c{self.title}\u201d"


def _day(value: object) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[return-value]


def _event(component: Any, title: str) -> _Event | None:
    """One event's first and last day; None for an event with no start."""
    start = component.get("DTSTART")
    if start is None:
        return None
    first = _day(start.dt)
    end = component.get("DTEND")
    if end is None:
        last = first
    elif isinstance(end.dt, dt.datetime):
        # A timed event ending at midnight ends the day before.
        last = end.dt.date() - dt.timedelta(days=1) if end.dt.time() == dt.time(0) and end.dt.date() > first \
            else end.dt.date()
    else:
        last = end.dt - dt.timedelta(days=1)  # all-day events end the day before DTEND
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):  # a bare time, or a period
        raise ValueError("not a date")
    return _Event(title, first, max(first, last))


def _events(data: bytes) -> list[_Event]:
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise ValidationError("This is not an iCalendar (.ics) file, or it is damaged.") from error
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise ValidationError("This is not an iCalendar (.ics) file, or it is damaged.")
    events, unreadable = [], []
    for component in calendar.walk("VEVENT"):
        title = " ".join(str(component.get("SUMMARY", "")).split())
        try:
            event = _event(component, title)
        except (ValueError, OverflowError):  # icalendar's BrokenCalendarProperty is a ValueError
            unreadable.append(title or "an event with no title")
            continue
        if event is None:
            continue
        if not (PLAUSIBLE_YEARS[0] <= event.first.year and event.last.year <= PLAUSIBLE_YEARS[1]):
            unreadable.append(title or "an event with no title")
            continue
        events.append(event)
    if unreadable:
        names = ", ".join(f"“{name[:60]}”" for name in unreadable[:3])
        more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
        raise ValidationError(
            f"Some events have dates that cannot be read or are not plausible ({names}{more}). Dates should "
            f"look like 20261026 and fall between {PLAUSIBLE_YEARS[0]} and {PLAUSIBLE_YEARS[1]}. "
            "Correct them in the calendar and export it again."
        )
    return sorted(events, key=lambda e: (e.first, e.title))


def _term_name(text: str) -> str | None:
    for name, words in TERM_WORDS.items():
        if any(re.search(rf"\b{w}\b", text) for w in words):
            return name
    return None


def _year_of_term(start: dt.date) -> int:
    # A term starting in late August belongs to the academic year starting that September.
    return academic_year_of(start + dt.timedelta(days=31))


def calendar_import_read(data: bytes) -> CalendarImport:
    """Read the terms and closures an .ics file describes; say what could not be read."""
    result = CalendarImport()
    if len(data) > MAX_BYTES:
        result.errors.append("The file is larger than 1 MB; export one or two years only.")
        return result
    try:
        events = _events(data)
    except ValidationError as error:
        result.errors.extend(error.messages)
        return result
    if not events:
        result.errors.append("The file has no events in it.")
        return result

    starts: dict[tuple[int, str], list[dt.date]] = {}
    ends: dict[tuple[int, str], list[dt.date]] = {}
    loose_ends: list[tuple[str, dt.date]] = []
    closures: list[tuple[_Event, str]] = []
    holidays: list[_Event] = []
    for event in events:
        text = event.title.lower()
        name = _term_name(text)
        if "bank holiday" in text:
            result.left_out.append(f"{event.describe()}: bank holidays come from the national list")
        elif re.search(r"\binset\b|training day|staff development|non-pupil day|teacher day", text):
            closures.append((event, INSET))
        elif re.search(r"half[\s-]?term", text):
            closures.append((event, HALF_TERM))
        elif re.search(r"\bclosed\b|\bclosure\b", text):
            closures.append((event, CLOSURE))
        elif name and "term" in text or name and re.search(r"\b[12]\b", text):
            # A term in two parts ("Autumn 1", "Autumn 2") has a start and an end for each.
            if any(w in text for w in STARTS):
                starts.setdefault((_year_of_term(event.first), name), []).append(event.first)
            elif any(w in text for w in ENDS):
                loose_ends.append((name, event.last))
            elif event.last > event.first:
                starts.setdefault((_year_of_term(event.first), name), []).append(event.first)
                ends.setdefault((_year_of_term(event.first), name), []).append(event.last)
            else:
                result.not_understood.append(event.describe())
        elif "holiday" in text or "christmas" in text or "easter" in text:
            holidays.append(event)
        else:
            result.not_understood.append(event.describe())

    # An end belongs to the same term's latest start before it (a summer term may end in September).
    for name, day in loose_ends:
        years_started = [year for (year, n), days in starts.items() if n == name and min(days) <= day]
        ends.setdefault((max(years_started) if years_started else academic_year_of(day), name), []).append(day)
    years = sorted({year for year, _ in starts} | {year for year, _ in ends})
    all_terms: list[TermDates] = []
    for year in years:
        terms = []
        between_parts: list[ClosureDates] = []
        for name in TERM_NAMES:
            part_starts, part_ends = sorted(starts.get((year, name), [])), sorted(ends.get((year, name), []))
            start = part_starts[0] if part_starts else None
            end = part_ends[-1] if part_ends else None
            if start is None or end is None:
                missing = "start" if start is None else "end"
                result.errors.append(f"{academic_year_label(year)}: the file gives no {missing} for the {name} term.")
                continue
            if end <= start:
                result.errors.append(f"{academic_year_label(year)}: the {name} term ends before it starts.")
                continue
            terms.append(TermDates(year, name, start, end))
            for part_end in part_ends[:-1]:
                later = [d for d in part_starts if d > part_end]
                if later and (later[0] - part_end).days > 1:
                    between_parts.append(ClosureDates(
                        year, part_end + dt.timedelta(days=1), later[0] - dt.timedelta(days=1), HALF_TERM,
                        f"Between the two parts of the {name} term"))
        _check_terms(year, terms, result)
        all_terms += terms
        result.years.append(YearImport(year, terms, between_parts))
    _check_order(all_terms, result)
    _place_closures(closures, holidays, result)
    if not result.years and not result.errors:
        result.errors.append("No term dates were found in the file (events such as \u201cAutumn term starts\u201d).")
    return result


def _check_terms(year: int, terms: list[TermDates], result: CalendarImport) -> None:
    from .models import Term  # the model holds the rule for a term's place in its year

    for term in terms:
        try:
            Term(academic_year=year, name=term.name, start_date=term.start, end_date=term.end).clean()
        except ValidationError as error:
            result.errors.append(f"{term.label}: {error.messages[0]}")


def _check_order(terms: list[TermDates], result: CalendarImport) -> None:
    ordered = sorted(terms, key=lambda t: (t.academic_year, TERM_NAMES.index(t.name)))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start <= before.end:
            result.errors.append(
                f"The {after.label} term ({after.start:%-d %b %Y}) starts before the "
                f"{before.label} term ends ({before.end:%-d %b %Y}): the terms overlap."
            )


def _place_closures(closures: list[tuple[_Event, str]], holidays: list[_Event], result: CalendarImport) -> None:
    """Put each closure in the year whose term holds it; a holiday between terms is not needed."""
    terms = [(year, term) for year in result.years for term in year.terms]

    def year_holding(event: _Event) -> YearImport | None:
        for year, term in terms:
            if term.start <= event.first and event.last <= term.end:
                return year
        return None

    for event, kind in closures + [(h, HALF_TERM) for h in holidays]:
        year = year_holding(event)
        if year is not None:
            # A half-term given as an event replaces the one worked out from a term's two parts.
            year.closures = [c for c in year.closures
                             if not (c.description.startswith("Between") and c.start <= event.last
                                     and event.first <= c.end)]
            year.closures.append(ClosureDates(year.academic_year, event.first, event.last, kind, event.title[:100]))
        else:
            result.left_out.append(f"{event.describe()}: outside the terms, so not a school day anyway")
    for year in result.years:
        year.closures.sort()


def years_to_json(years: list[YearImport]) -> dict[str, dict[str, list]]:
    """What was read, in a form the session can keep between the preview and the confirmation."""
    return {
        str(y.academic_year): {
            "terms": [(t.name, t.start.isoformat(), t.end.isoformat()) for t in y.terms],
            "closures": [(c.start.isoformat(), c.end.isoformat(), c.kind, c.description) for c in y.closures],
        } for y in years
    }


def years_from_json(data: dict[str, dict[str, list]]) -> list[YearImport]:
    day = dt.date.fromisoformat
    return [
        YearImport(
            int(year),
            [TermDates(int(year), name, day(a), day(b)) for name, a, b in dates["terms"]],
            [ClosureDates(int(year), day(a), day(b), kind, text) for a, b, kind, text in dates["closures"]],
        )
        for year, dates in sorted(data.items())
    ]
