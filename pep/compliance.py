"""When each looked-after child's PEP is due, and whether it was held on time.

Every term in which a pupil is looked after and on roll needs a PEP. The first one
after a child becomes looked after (or joins the school, whichever is later) is the
initial PEP, due within the school's number of school days (20 by default); the
others are termly reviews, due by the end of their term. A PEP counts for the term
the designated teacher recorded it for.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from cwsw.terms import SchoolCalendar, TermDates

from .models import COMPLETE, HELD, PepMeeting

ON_TIME, LATE, MISSING, DUE_SOON, PLANNED_SOON, UPCOMING, NOT_REQUIRED = (
    "on_time", "late", "missing", "due_soon", "planned", "upcoming", "not_required",
)
STATUS_LABELS = {
    ON_TIME: "On time",
    LATE: "Late",
    MISSING: "Missing",
    DUE_SOON: "Due soon",
    PLANNED_SOON: "Planned",
    UPCOMING: "Not yet due",
    NOT_REQUIRED: "Not needed",
}
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date | None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass
class Slot:
    term: TermDates
    status: str
    due: dt.date | None = None
    is_initial: bool = False
    pep: PepMeeting | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def initial_pep_due(*, cla_start: dt.date, admitted: dt.date, school_days: int, calendar: SchoolCalendar) -> dt.date:
    """Return when the initial PEP is due: N school days after the later of the two dates."""
    return calendar.add_school_days(max(cla_start, admitted), school_days)


def pep_slots(
    *,
    cla_periods: Iterable[Period],
    on_roll: Period,
    terms: list[TermDates],
    peps: Iterable[PepMeeting],
    school_days: int,
    calendar: SchoolCalendar,
    today: dt.date,
) -> list[Slot]:
    """Return one slot per term: whether a PEP was needed, when it was due and its status."""
    cla_periods = sorted(cla_periods, key=lambda p: p.start)
    by_term: dict[tuple[int, str], list[PepMeeting]] = {}
    for pep in peps:
        by_term.setdefault((pep.academic_year, pep.term), []).append(pep)
    initial_dues: dict[Period, dt.date | None] = {}

    def initial_due_for(period: Period) -> dt.date | None:
        if period not in initial_dues:
            # Care that began before the calendar's first term had its initial PEP long ago.
            initial_dues[period] = None if max(period.start, on_roll.start) < calendar.terms[0].start else (
                initial_pep_due(cla_start=period.start, admitted=on_roll.start, school_days=school_days,
                                calendar=calendar)
            )
        return initial_dues[period]

    slots = []
    for term in terms:
        period = next((p for p in cla_periods if p.overlaps(term.start, term.end)), None)
        if period is None or not on_roll.overlaps(term.start, term.end):
            slots.append(Slot(term, NOT_REQUIRED))
            continue
        initial_due = initial_due_for(period)
        if initial_due and initial_due > term.end:
            # Looked after too late in the term: the initial PEP next term covers it.
            slots.append(Slot(term, NOT_REQUIRED))
            continue
        is_initial = initial_due is not None and initial_due >= term.start
        due = initial_due if is_initial else term.end
        slots.append(_status(term, due, is_initial, by_term.get((term.academic_year, term.name), []), today))
    return slots


def _status(term: TermDates, due: dt.date, is_initial: bool, peps: list[PepMeeting], today: dt.date) -> Slot:
    held = [p for p in peps if p.status in (HELD, COMPLETE)]
    if held:
        first = min(held, key=lambda p: p.meeting_date)
        return Slot(term, ON_TIME if first.meeting_date <= due else LATE, due, is_initial, first)
    planned = peps[0] if peps else None
    if today > due:
        return Slot(term, MISSING, due, is_initial, planned)
    if (due - today).days <= DUE_SOON_DAYS:
        return Slot(term, DUE_SOON, due, is_initial, planned)
    return Slot(term, PLANNED_SOON if planned else UPCOMING, due, is_initial, planned)


def term_counts(rows: Iterable[list[Slot]], terms: list[TermDates]) -> list[Counter]:
    """Count the statuses in each term's column of the grid."""
    counts = [Counter() for _ in terms]
    for slots in rows:
        for i, slot in enumerate(slots):
            counts[i][slot.status] += 1
    return counts
