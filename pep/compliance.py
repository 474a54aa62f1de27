"""When each looked-after child's PEP is due, and whether it was held on time: the rule, in plain Python.

A child's CLA episodes make care periods (episodes that follow on without a day's gap are one period;
a gap starts a new period with a new initial PEP). In each care period:

- The **initial PEP** is due a number of school days (20 by default) after the later of the period's
  start and the child's admission. The first PEP held in the period on or before that date is the
  initial PEP, whatever term its date falls in (a child in care from 1 December whose PEP is held on
  10 December had it on time); it is shown under the term it was held in, else under the term the
  due date falls in.
- A **termly review** is due by the end of every term from the one the initial PEP is due in: the first
  PEP held that counts for the term (`SchoolCalendar.term_for_meeting`: the term its date falls in, or
  after a term ends, the next) meets it. The term the initial PEP is shown under needs no review of its
  own; if the initial PEP was held early, in an earlier term, the term it was due in still needs one.
- **The duty follows the child**: nothing is due for a term if the child stopped being looked after, or
  left the school, before its due date (the slot says which, `reason`).

A due date that passed with nothing held is *missing*: it stays *overdue*, whatever year it fell in, until
a PEP is held after it or the child leaves care or the school; once a later PEP is held it is *missed* in
the figures and needs no action. Everything `Slot.status` says on a day is a comparison of the slot's own
dates with that day, which is why the slots can be stored (`models.PepSlot`, kept by `slots.py`) and read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cwsw.terms import SchoolCalendar, TermDates

from .models import COMPLETE, HELD, PLANNED

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
# Why nothing is due for a term although the child was looked after in it.
LEFT_CARE, LEFT_SCHOOL = "left care", "left the school"
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date | None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


def care_periods(episodes: Iterable[Period]) -> list[Period]:
    """Join CLA episodes that follow on without a gap (a change of legal status) into care periods."""
    periods: list[Period] = []
    for episode in sorted(episodes, key=lambda p: p.start):
        last = periods[-1] if periods else None
        if last is not None and (last.end is None or episode.start <= last.end + dt.timedelta(days=1)):
            end = None if last.end is None or episode.end is None else max(last.end, episode.end)
            periods[-1] = Period(last.start, end)
        else:
            periods.append(episode)
    return periods


@dataclass(frozen=True)
class Slot:
    """One PEP a child is owed: the initial PEP of a care period, or a term's review."""

    term: TermDates  # the term it is shown under
    due: dt.date
    is_initial: bool = False
    held_on: dt.date | None = None  # the PEP that met it
    held_after: dt.date | None = None  # the first PEP held after the due date, in any term
    owed_until: dt.date | None = None  # the last day the child is in this care period and on roll (None: open)
    planned: bool = False  # a PEP is planned for it
    reason: str = ""  # LEFT_CARE or LEFT_SCHOOL: the duty ended before the due date
    pep_id: int | None = None  # the PEP that met it, else one planned for it

    def status(self, today: dt.date) -> str:
        return status_on(self, today)

    def overdue(self, today: dt.date) -> bool:
        return overdue_on(self, today)


def status_on(slot: Any, today: dt.date) -> str:
    """What a slot (computed, or stored as a PepSlot) is on a day: a comparison of its dates with the day."""
    if slot.reason:
        return NOT_REQUIRED
    if slot.held_on is not None:
        return ON_TIME if slot.held_on <= slot.due else LATE
    if today > slot.due:
        return MISSING
    if (slot.due - today).days <= DUE_SOON_DAYS:
        return DUE_SOON
    return PLANNED_SOON if slot.planned else UPCOMING


def overdue_on(slot: Any, today: dt.date) -> bool:
    """Missing, no PEP held since, and the child still in this care period and on roll."""
    return (status_on(slot, today) == MISSING and slot.held_after is None
            and (slot.owed_until is None or today <= slot.owed_until))


def initial_pep_due(*, cla_start: dt.date, admitted: dt.date, school_days: int, calendar: SchoolCalendar) -> dt.date:
    """Return when the initial PEP is due: N school days after the later of the two dates."""
    return calendar.add_school_days(max(cla_start, admitted), school_days)


def _held(pep: Any) -> bool:
    return pep.status in (HELD, COMPLETE)


def pep_duties(*, cla_periods: Iterable[Period], on_roll: Period, peps: Iterable[Any], school_days: int,
               calendar: SchoolCalendar, through: dt.date) -> list[Slot]:
    """Every PEP the child is owed, from their first care period on roll to the term holding `through`.

    `peps` are all the child's PEPs (anything with `meeting_date` and `status`). `on_roll` runs from the
    admission date to the last day on roll (the day before the leaving date). Where two care periods owe a
    PEP for the same term, the later period's stands.
    """
    peps = sorted(peps, key=lambda p: p.meeting_date)
    held_dates = [p.meeting_date for p in peps if _held(p)]
    slots: dict[tuple[int, str, bool], Slot] = {}
    for period in care_periods(cla_periods):
        for slot in _period_duties(period, on_roll, peps, held_dates, school_days, calendar, through):
            slots[(slot.term.academic_year, slot.term.name, slot.is_initial)] = slot
    return sorted(slots.values(), key=lambda s: (s.due, not s.is_initial))


def _period_duties(period: Period, on_roll: Period, peps: list[Any], held_dates: list[dt.date],
                   school_days: int, calendar: SchoolCalendar, through: dt.date) -> list[Slot]:
    start = max(period.start, on_roll.start)
    ends = [end for end in (period.end, on_roll.end) if end is not None]
    owed_until = min(ends) if ends else None
    if owed_until is not None and owed_until < start:
        return []  # looked after only while not on roll here
    initial_due = initial_pep_due(cla_start=period.start, admitted=on_roll.start, school_days=school_days,
                                  calendar=calendar)
    if initial_due == dt.date.max or initial_due > through:
        return []
    due_term = calendar.term_of(initial_due) or calendar.term_for_meeting(initial_due)
    if due_term is None:
        return []
    in_period = [p for p in peps if period.covers(p.meeting_date)]
    held = [p for p in in_period if _held(p)]

    def reason(due: dt.date) -> str:
        if period.end is not None and period.end < due:
            return LEFT_CARE
        if on_roll.end is not None and on_roll.end < due:
            return LEFT_SCHOOL
        return ""

    def slot(term: TermDates, due: dt.date, is_initial: bool, met: Any, planned: Any) -> Slot:
        why = "" if met is not None else reason(due)
        shown = met or planned
        return Slot(term=term, due=due, is_initial=is_initial, held_on=met.meeting_date if met else None,
                    held_after=next((d for d in held_dates if d > due), None), owed_until=owed_until,
                    planned=planned is not None and not why, reason=why, pep_id=getattr(shown, "pk", None))

    first = held[0] if held else None
    early = first is not None and first.meeting_date <= initial_due
    initial_term = (calendar.term_for_meeting(first.meeting_date) if early else None) or due_term
    planned_initial = next((p for p in in_period if p.status == PLANNED and p.meeting_date <= initial_due), None)
    duties = [slot(initial_term, initial_due, True, first, planned_initial)]

    def counts_for(term: TermDates) -> list[Any]:
        return [p for p in in_period if calendar.term_for_meeting(p.meeting_date) == term]

    years = range(due_term.academic_year, calendar.academic_year_of(through) + 1)
    for term in (t for year in years for t in calendar.terms_of(year)):
        if term.start < due_term.start or term == initial_term or term.start > through:
            continue
        if owed_until is not None and owed_until < term.start:
            break
        mine = counts_for(term)
        met = next((p for p in mine if _held(p)), None)
        duties.append(slot(term, term.end, False, met, next((p for p in mine if p.status == PLANNED), None)))
    return duties
