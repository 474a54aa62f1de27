"""When each looked-after child's PEP is due, and whether it was held on time.

A child's CLA episodes make care periods (episodes that follow on without a day's gap
are one period; a gap starts a new period with a new initial PEP). In each care period
the first PEP is the initial PEP, due a number of school days (20 by default) after
the later of the period's start and the child's admission. After it, a review is due
by the end of every term. The duty follows the child: nothing is due for a term if the
child stopped being looked after, or left the school, before the due date. A PEP counts
for the term its meeting date falls in (`SchoolCalendar.term_for_meeting`).

A due date that passed with no PEP held for that term is missing; it stays *overdue*,
whatever year it fell in, until a PEP is held or the child leaves care or the school.
Once a later PEP is held, the missing one is a *missed* PEP in the figures and needs no
action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cwsw.terms import SchoolCalendar, TermDates

from .models import COMPLETE, HELD

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


@dataclass
class Slot:
    term: TermDates
    status: str
    due: dt.date | None = None
    is_initial: bool = False
    pep: Any = None
    # A missing PEP with none held since, for a child still looked after and on roll.
    overdue: bool = False
    # Why nothing is due (LEFT_CARE, LEFT_SCHOOL), when the child was looked after in the term.
    reason: str = ""
    # The last day the duty holds: the child is in this care period and on roll until then (None: no end yet).
    owed_until: dt.date | None = None

    @property
    def label(self) -> str:
        if self.status == MISSING:
            return "Overdue" if self.overdue else "Missed"
        if self.status == NOT_REQUIRED and self.reason:
            return f"Not needed ({self.reason})"
        return STATUS_LABELS[self.status]


def initial_pep_due(*, cla_start: dt.date, admitted: dt.date, school_days: int, calendar: SchoolCalendar) -> dt.date:
    """Return when the initial PEP is due: N school days after the later of the two dates."""
    return calendar.add_school_days(max(cla_start, admitted), school_days)


def pep_slots(
    *,
    cla_periods: Iterable[Period],
    on_roll: Period,
    terms: list[TermDates],
    peps: Iterable[Any],
    school_days: int,
    calendar: SchoolCalendar,
    today: dt.date,
    latest_held: dt.date | None = None,
) -> list[Slot]:
    """Return one slot per term: whether a PEP was due, when, and its status.

    `peps` are the pupil's PEPs in these terms, or all of them (anything with `meeting_date` and
    `status`): each counts for the term `calendar.term_for_meeting` gives, and those of other terms
    only for the latest held. `latest_held` is the date of the pupil's latest PEP held in any year,
    when `peps` may not include it, so a missing PEP can be told apart as overdue or missed.
    """
    periods = care_periods(cla_periods)
    by_term: dict[TermDates, list[Any]] = {}
    for pep in sorted(peps, key=lambda p: p.meeting_date):
        term = calendar.term_for_meeting(pep.meeting_date)
        if term is not None:
            by_term.setdefault(term, []).append(pep)
    held_dates = [p.meeting_date for p in peps if p.status in (HELD, COMPLETE)]
    latest = max([d for d in (latest_held, *held_dates) if d is not None], default=None)
    return [
        _slot(term, periods, on_roll, by_term.get(term, []), school_days, calendar, today, latest)
        for term in terms
    ]


def _slot(term: TermDates, periods: list[Period], on_roll: Period, peps: list[Any], school_days: int,
          calendar: SchoolCalendar, today: dt.date, latest_held: dt.date | None) -> Slot:
    if not on_roll.overlaps(term.start, term.end):
        return Slot(term, NOT_REQUIRED)
    # The latest care period in the term that overlaps the child's time on roll.
    period = next((p for p in reversed(periods) if p.overlaps(term.start, term.end)
                   and p.overlaps(on_roll.start, on_roll.end or dt.date.max)), None)
    if period is None:
        return Slot(term, NOT_REQUIRED)
    initial_due = initial_pep_due(cla_start=period.start, admitted=on_roll.start, school_days=school_days,
                                  calendar=calendar)
    if initial_due > term.end:
        # Looked after (or joined) too late in the term: the initial PEP next term covers it.
        return Slot(term, NOT_REQUIRED)
    is_initial = initial_due >= term.start
    due = initial_due if is_initial else term.end
    held = [p for p in peps if p.status in (HELD, COMPLETE) and p.meeting_date >= period.start]
    if not period.covers(due):
        return Slot(term, NOT_REQUIRED, due, is_initial, held[0] if held else None, reason=LEFT_CARE)
    if not on_roll.covers(due):
        return Slot(term, NOT_REQUIRED, due, is_initial, held[0] if held else None, reason=LEFT_SCHOOL)
    ends = [end for end in (period.end, on_roll.end) if end is not None]
    owed_until = min(ends) if ends else None
    if held:
        first = held[0]
        return Slot(term, ON_TIME if first.meeting_date <= due else LATE, due, is_initial, first,
                    owed_until=owed_until)
    planned = peps[0] if peps else None
    if today > due:
        still_owed = period.covers(today) and on_roll.covers(today)
        overdue = still_owed and (latest_held is None or latest_held <= due)
        return Slot(term, MISSING, due, is_initial, planned, overdue=overdue, owed_until=owed_until)
    if (due - today).days <= DUE_SOON_DAYS:
        return Slot(term, DUE_SOON, due, is_initial, planned, owed_until=owed_until)
    return Slot(term, PLANNED_SOON if planned else UPCOMING, due, is_initial, planned, owed_until=owed_until)
