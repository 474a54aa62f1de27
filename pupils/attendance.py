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

from django.db.models import Q

from cwsw.terms import SchoolCalendar, TermDates, academic_year_of

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


def concern_for(pupil_id: int, records: dict[tuple[int, str], AttendanceRecord | Figures],
                terms: list[TermDates]) -> Concern | None:
    """The concern about one pupil from their records of the recent terms (key: academic year, term)."""
    for i, term in enumerate(terms[:2]):
        now = records.get((term.academic_year, term.name))
        if now is None:
            continue
        before = records.get((terms[i + 1].academic_year, terms[i + 1].name)) if i + 1 < len(terms) else None
        low = is_persistently_absent(attended=now.attended_sessions, possible=now.possible_sessions)
        fallen = before is not None and fell_by(
            FALL_POINTS, attended=now.attended_sessions, possible=now.possible_sessions,
            before_attended=before.attended_sessions, before_possible=before.possible_sessions)
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
