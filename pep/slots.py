"""Stored PEP slots (`models.PepSlot`): every PEP each looked-after child is owed, kept in step with the rule.

`compliance.pep_duties` is the rule. `slots_rebuild` runs it for some children from their records (care
episodes, PEPs, dates on roll) and stores what it gives; the services call it (through the register's
derived-state registry, `pupils.derived`) in the same transaction as any write those records. What is
overdue or due soon on a day is then an indexed comparison of stored dates (`PepSlotQuerySet.overdue`,
`.due_soon`) for the dashboard, the digest, the grid and the report; pages never rebuild slots.

Rows reach the end of the academic year after today's. New term dates, closures, or another count of school
days for the initial PEP queue a rebuild of every pupil's derived facts on commit (`pupils.tasks`), and a
nightly task does the same, so the rows reach into each new academic year as it comes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from cwsw.models import SchoolProfile, Term
from cwsw.terms import SchoolCalendar
from pupils import cohort
from pupils.models import CareEpisode, Pupil

from . import compliance
from .models import PepMeeting, PepSlot

REACH_YEARS = 1  # rows are built through the academic year after today's
CHUNK = 900  # SQLite allows so many parameters in a query


class _Pep(NamedTuple):
    pk: int
    meeting_date: dt.date
    status: str


def reach(calendar: SchoolCalendar, today: dt.date) -> tuple[int, dt.date]:
    """The last academic year rows are built for, and its last day."""
    through_year = calendar.academic_year_of(today) + REACH_YEARS
    terms = calendar.terms_of(through_year)
    return through_year, terms[-1].end if terms else dt.date.max


def on_roll(admitted: dt.date, left: dt.date | None) -> compliance.Period:
    """The days a pupil is on roll: a leaving date is their first day off roll."""
    return compliance.Period(admitted, left and left - dt.timedelta(days=1))


def _row(pupil_id: int, slot: compliance.Slot) -> PepSlot:
    return PepSlot(pupil_id=pupil_id, academic_year=slot.term.academic_year, term=slot.term.name, due=slot.due,
                   is_initial=slot.is_initial, owed_until=slot.owed_until, held_on=slot.held_on,
                   held_after=slot.held_after, planned=slot.planned, reason=slot.reason, pep_id=slot.pep_id)


@transaction.atomic
def slots_rebuild(pupil_ids: Iterable[int], *, today: dt.date | None = None, school_days: int | None = None,
                  calendar: SchoolCalendar | None = None) -> int:
    """Replace the stored slots of these pupils with those the rule gives now; return how many."""
    ids = sorted(set(pupil_ids))
    calendar = calendar or Term.calendar()
    if school_days is None:
        school_days = SchoolProfile.load().initial_pep_school_days
    _, through = reach(calendar, today or timezone.localdate())
    made = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        PepSlot.objects.filter(pupil_id__in=chunk).delete()
        periods: dict[int, list[compliance.Period]] = defaultdict(list)
        for pupil_id, begun, ended in (CareEpisode.objects.filter(pupil_id__in=chunk, kind=cohort.CLA)
                                       .values_list("pupil_id", "start_date", "end_date")):
            periods[pupil_id].append(compliance.Period(begun, ended))
        if not periods:
            continue
        peps: dict[int, list[_Pep]] = defaultdict(list)
        for pk, pupil_id, meeting_date, status in (PepMeeting.objects.filter(pupil_id__in=list(periods))
                                                   .values_list("pk", "pupil_id", "meeting_date", "status")):
            peps[pupil_id].append(_Pep(pk, meeting_date, status))
        rows = [
            _row(pk, slot)
            for pk, admitted, left in Pupil.objects.filter(pk__in=list(periods)).values_list(
                "pk", "admission_date", "leaving_date")
            for slot in compliance.pep_duties(cla_periods=periods[pk], on_roll=on_roll(admitted, left),
                                              peps=peps[pk], school_days=school_days, calendar=calendar,
                                              through=through)
        ]
        PepSlot.objects.bulk_create(rows, batch_size=1000)
        made += len(rows)
    return made
