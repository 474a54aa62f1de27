"""Stored PEP slots (`models.PepSlot`): the terms in which each looked-after child's PEP is owed.

`compliance.pep_slots` is the rule. This module runs it for a child whenever anything it reads
changes (their care episodes, their PEPs, their dates on roll: the signals below) and stores the
terms with a duty, whether a PEP was held for each and when, and until when the duty holds. What is
overdue or due soon on any day is then an indexed lookup (`PepSlotQuerySet.overdue`, `.due_soon`)
for the dashboard, the digest and the grid's filters, instead of every child's terms worked out
on every request. The tests hold the stored rows to the rule over generated histories.

Rows reach the end of the academic year after the one they were built in. A new term date, a
closure, or another count of school days for the initial PEP makes every child's slots stale: a task
queued on commit rebuilds them all (`slots_ensure`), as the daily beat task does when a new year needs
rows. Pages only read them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cwsw.failures import queue_after_commit
from cwsw.models import SchoolProfile, Term
from cwsw.terms import academic_year_of
from pupils import cohort
from pupils.models import CareEpisode, Pupil

from . import compliance
from .models import COMPLETE, HELD, PepMeeting, PepSlot, SlotsBuilt

REACH_YEARS = 1  # rows are built through the academic year after today's
CHUNK = 900  # SQLite allows so many parameters in a query


class _Pep(NamedTuple):
    meeting_date: dt.date
    status: str


def owed_terms(*, periods: list[compliance.Period], admitted: dt.date, left: dt.date | None, peps: list[Any],
               calendar: Any, school_days: int, through_year: int) -> list[compliance.Slot]:
    """Every term with a PEP owed, from the child's first care period to `through_year` (the rule, run with a
    `today` before them all, so each slot says only whether a PEP was held, or planned, for it)."""
    merged = compliance.care_periods(periods)
    if not merged:
        return []
    on_roll = compliance.Period(admitted, left and left - dt.timedelta(days=1))
    last_year = through_year
    ends = [end for end in (merged[-1].end, on_roll.end) if end is not None]
    if ends:
        last_year = min(last_year, academic_year_of(min(ends)) + 1)
    slots = []
    for year in range(academic_year_of(max(merged[0].start, admitted)), last_year + 1):
        slots += [slot for slot in compliance.pep_slots(
            cla_periods=periods, on_roll=on_roll, terms=calendar.terms_of(year), peps=peps, school_days=school_days,
            calendar=calendar, today=dt.date.min) if slot.status != compliance.NOT_REQUIRED]
    return slots


def _row(pupil_id: int, slot: compliance.Slot, held_dates: list[dt.date]) -> PepSlot:
    held = slot.status in (compliance.ON_TIME, compliance.LATE)
    return PepSlot(pupil_id=pupil_id, academic_year=slot.term.academic_year, term=slot.term.name, due=slot.due,
                   is_initial=slot.is_initial, owed_until=slot.owed_until,
                   held_on=slot.pep.meeting_date if held else None, planned=slot.status == compliance.PLANNED_SOON,
                   held_after=next((day for day in held_dates if day > slot.due), None))


@transaction.atomic
def slots_rebuild(pupil_ids: Iterable[int], *, today: dt.date | None = None, school_days: int | None = None) -> int:
    """Replace the stored slots of these pupils with those the rule gives now; return how many."""
    ids = list(pupil_ids)
    calendar = Term.calendar()
    if school_days is None:
        school_days = SchoolProfile.load().initial_pep_school_days
    through_year = academic_year_of(today or timezone.localdate()) + REACH_YEARS
    made = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        # Two saves for one child at once (say the DT's PEP and the DSL's episode) rebuild one after the other.
        list(Pupil.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True))
        PepSlot.objects.filter(pupil_id__in=chunk).delete()
        periods: dict[int, list[compliance.Period]] = defaultdict(list)
        for pupil_id, begun, ended in (CareEpisode.objects.filter(pupil_id__in=chunk, kind=cohort.CLA)
                                       .values_list("pupil_id", "start_date", "end_date")):
            periods[pupil_id].append(compliance.Period(begun, ended))
        if not periods:
            continue
        peps: dict[int, list[_Pep]] = defaultdict(list)
        for pupil_id, meeting_date, status in (PepMeeting.objects.filter(pupil_id__in=list(periods))
                                               .order_by("meeting_date").values_list("pupil_id", "meeting_date",
                                                                                     "status")):
            peps[pupil_id].append(_Pep(meeting_date, status))
        held = {pk: [p.meeting_date for p in theirs if p.status in (HELD, COMPLETE)] for pk, theirs in peps.items()}
        rows = [
            _row(pk, slot, held.get(pk, []))
            for pk, admitted, left in Pupil.objects.filter(pk__in=list(periods)).values_list(
                "pk", "admission_date", "leaving_date")
            for slot in owed_terms(periods=periods[pk], admitted=admitted, left=left, peps=peps[pk],
                                   calendar=calendar, school_days=school_days, through_year=through_year)
        ]
        PepSlot.objects.bulk_create(rows, batch_size=1000)
        made += len(rows)
    return made


@transaction.atomic
def slots_rebuild_all(*, today: dt.date | None = None) -> int:
    """Rebuild every looked-after child's slots (past or present) and record how far they reach."""
    today = today or timezone.localdate()
    # Readers that find the slots stale at the same moment rebuild them one after the other.
    locked = SchoolProfile.objects.select_for_update().filter(pk=1).first()
    school_days = (locked or SchoolProfile.load()).initial_pep_school_days
    PepSlot.objects.all().delete()
    ids = CareEpisode.objects.filter(kind=cohort.CLA).order_by().values_list("pupil_id", flat=True).distinct()
    made = slots_rebuild(list(ids), today=today, school_days=school_days)
    SlotsBuilt.objects.all().delete()
    SlotsBuilt.objects.create(through_year=academic_year_of(today) + REACH_YEARS, school_days=school_days)
    return made


def slots_ensure(today: dt.date) -> None:
    """Make sure the stored slots reach today's academic year and follow the term dates and school days
    in force (one query when they do)."""
    default = SchoolProfile._meta.get_field("initial_pep_school_days").default  # before the profile is saved
    school_days = Coalesce(Subquery(SchoolProfile.objects.filter(pk=1).values("initial_pep_school_days")),
                           Value(default))
    built = SlotsBuilt.objects.filter(through_year__gte=academic_year_of(today), school_days=school_days)
    if not built.exists():
        slots_rebuild_all(today=today)


def pupil_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A care episode or a PEP was saved or deleted: rebuild its pupil's slots in the same transaction."""
    if kwargs.get("raw"):  # loaddata (a backup's restore): the backup carries the slots themselves
        return
    slots_rebuild([instance.pupil_id])


def dates_on_roll_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A pupil was saved (their admission or leaving date may have moved): rebuild, if they were ever looked after."""
    if kwargs.get("raw"):
        return
    if (CareEpisode.objects.filter(pupil_id=instance.pk, kind=cohort.CLA).exists()
            or PepSlot.objects.filter(pupil_id=instance.pk).exists()):
        slots_rebuild([instance.pk])


def calendar_changed(sender: Any, **kwargs: Any) -> None:
    """Term dates, closures or the initial PEP's school days changed: every child's slots are rebuilt by a
    task queued once the change commits (pages never rebuild them; they read what is stored)."""
    if kwargs.get("raw"):
        return
    from .tasks import refresh_pep_slots

    SlotsBuilt.objects.all().delete()
    queue_after_commit(refresh_pep_slots, None, if_down=lambda message: slots_ensure(timezone.localdate()))
