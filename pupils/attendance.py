"""Attendance concerns (DESIGN.md "Attendance"): a cohort pupil at 90% or lower this term, or down
5 percentage points or more on last term.

"This term" is the term today falls in (or, in a holiday, the last one that started); while its
figures are not entered yet, the last term entered of the two before stands for it. Worked in
whole numbers, as `is_persistently_absent` is, so rounding cannot move a pupil across the line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q

from cwsw.terms import TERM_NAMES, SchoolCalendar, TermDates, academic_year_of

from .models import AttendanceRecord, attendance_percentage, is_persistently_absent

FALL_POINTS = 5


def fell_by(points: int, *, attended: int, possible: int, before_attended: int, before_possible: int) -> bool:
    """Attendance fell by `points` percentage points or more from before to now (exact arithmetic)."""
    if not possible or not before_possible:
        return False
    # before/bp - now/p >= points/100  <=>  100 * (before * p - now * bp) >= points * bp * p
    return 100 * (before_attended * possible - attended * before_possible) >= points * before_possible * possible


@dataclass(frozen=True)
class Concern:
    pupil_id: int
    term: TermDates
    percentage: Decimal
    previous: Decimal | None
    low: bool
    fallen: bool

    @property
    def reasons(self) -> str:
        parts = []
        if self.low:
            parts.append(f"{self.percentage}% this term (90% or lower)")
        if self.fallen:
            parts.append(f"down from {self.previous}% last term")
        return "; ".join(parts)


def recent_terms(calendar: SchoolCalendar, today: dt.date) -> list[TermDates]:
    """This term (the one today is in, or the last one started) and the two before it, newest first."""
    year = academic_year_of(today)
    terms = [t for y in (year - 1, year) for t in calendar.terms_of(y) if t.start <= today]
    return list(reversed(terms[-3:]))


class Figures(NamedTuple):
    """A term's sessions, all a concern needs of an attendance record (read without building the record)."""

    attended_sessions: int
    possible_sessions: int

    @property
    def percentage(self) -> Decimal | None:
        return attendance_percentage(attended=self.attended_sessions, possible=self.possible_sessions)


def low_and_fallen(now: AttendanceRecord | Figures, before: AttendanceRecord | Figures | None) -> tuple[bool, bool]:
    """A term's figures: 90% or lower; down FALL_POINTS or more on the term before's (when there is one)."""
    low = is_persistently_absent(attended=now.attended_sessions, possible=now.possible_sessions)
    fallen = before is not None and fell_by(
        FALL_POINTS, attended=now.attended_sessions, possible=now.possible_sessions,
        before_attended=before.attended_sessions, before_possible=before.possible_sessions)
    return low, fallen


def concern_for(pupil_id: int, records: dict[tuple[int, str], AttendanceRecord | Figures],
                terms: list[TermDates]) -> Concern | None:
    """The concern about one pupil from their records of the recent terms (key: academic year, term)."""
    for i, term in enumerate(terms[:2]):
        now = records.get((term.academic_year, term.name))
        if now is None:
            continue
        before = records.get((terms[i + 1].academic_year, terms[i + 1].name)) if i + 1 < len(terms) else None
        low, fallen = low_and_fallen(now, before)
        if not (low or fallen):
            return None
        return Concern(pupil_id, term, now.percentage, before.percentage if before else None, low, fallen)
    return None


def attendance_concerns(pupil_ids: Iterable[int] | object, *, calendar: SchoolCalendar,
                        today: dt.date) -> list[Concern]:
    """The concerns about these pupils (ids, or a queryset of ids): one query, in pupil order."""
    terms = recent_terms(calendar, today)
    if not terms:
        return []
    by_pupil: dict[int, dict[tuple[int, str], Figures]] = {}
    recent = Q()
    for term in terms:
        recent |= Q(academic_year=term.academic_year, term=term.name)
    for pupil_id, year, name, attended, possible in (
        AttendanceRecord.objects.filter(recent, pupil__in=pupil_ids).order_by("pupil_id")
        .values_list("pupil_id", "academic_year", "term", "attended_sessions", "possible_sessions")
    ):
        by_pupil.setdefault(pupil_id, {})[(year, name)] = Figures(attended, possible)
    found = (concern_for(pk, records, terms) for pk, records in by_pupil.items())
    return [c for c in found if c is not None]


def term_before(academic_year: int, term: str) -> tuple[int, str]:
    """The term before this one (the summer before an autumn), as (academic year, term)."""
    i = TERM_NAMES.index(term)
    return (academic_year, TERM_NAMES[i - 1]) if i else (academic_year - 1, TERM_NAMES[-1])


def is_concern(now: AttendanceRecord | Figures, before: AttendanceRecord | Figures | None) -> bool:
    """A term's figures are a concern: 90% or lower, or down FALL_POINTS or more on the term before's."""
    return any(low_and_fallen(now, before))


@transaction.atomic
def concerns_sync(pupil_ids: Iterable[int]) -> int:
    """Set each record's stored `concern` from its figures and the record of the term before; return how
    many changed. One of the derived facts `pupils.derived` rebuilds when a service changes a pupil's records."""
    ids = list(pupil_ids)
    changed = []
    for start in range(0, len(ids), 900):  # SQLite allows so many parameters in a query
        records = {(r.pupil_id, r.academic_year, r.term): r
                   for r in AttendanceRecord.objects.filter(pupil_id__in=ids[start:start + 900]).only(
                       "pupil_id", "academic_year", "term", "possible_sessions", "attended_sessions", "concern")}
        for (pupil_id, year, term), record in records.items():
            concern = is_concern(record, records.get((pupil_id, *term_before(year, term))))
            if record.concern != concern:
                record.concern = concern
                changed.append(record)
    AttendanceRecord.objects.bulk_update(changed, ["concern"], batch_size=1000)
    return len(changed)
