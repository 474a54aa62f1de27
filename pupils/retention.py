"""Retention: pupils who left stay on file (archived) until the retention point, date of
birth + 25 years; then the headteacher reviews each record and may delete it, with its
casework and history. The access log keeps a row saying who deleted which record and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cwsw.models import AccessLog

from . import cohort, history
from .models import Pupil

RETENTION_YEARS = 25


class ErasureRefused(Exception):
    pass


def retention_point(pupil: Pupil) -> dt.date:
    return cohort.add_years(pupil.date_of_birth, RETENTION_YEARS)


def past_retention(as_of: dt.date | None = None) -> list[Pupil]:
    """Pupils whose retention point has passed, oldest first, with that point as `retain_until`."""
    today = as_of or timezone.localdate()
    # One day's margin for 29 February birthdays; add_years has the last word.
    candidates = Pupil.objects.filter(
        date_of_birth__lte=cohort.add_years(today, -RETENTION_YEARS) + dt.timedelta(days=1)
    ).order_by("date_of_birth", "pk")
    due = []
    for pupil in candidates:
        pupil.retain_until = retention_point(pupil)
        if pupil.retain_until <= today:
            due.append(pupil)
    return due


@dataclass
class RecordCounts:
    episodes: int
    notes: int
    peps: int
    allocations: int
    suspensions: int
    attendance: int
    attainment: int

    def as_rows(self) -> list[tuple[str, int]]:
        return [
            ("Care episodes", self.episodes), ("Safeguarding notes", self.notes), ("PEPs", self.peps),
            ("PP+ allocations", self.allocations), ("Suspensions", self.suspensions),
            ("Attendance records", self.attendance), ("Attainment records", self.attainment),
        ]


def record_counts(pupil: Pupil) -> RecordCounts:
    return RecordCounts(
        episodes=pupil.episodes.count(), notes=pupil.safeguarding_notes.count(), peps=pupil.peps.count(),
        allocations=pupil.pp_allocations.count(), suspensions=pupil.exclusions.count(),
        attendance=pupil.attendance_records.count(), attainment=pupil.attainment_records.count(),
    )


def erasure_refusal(pupil: Pupil, as_of: dt.date | None = None) -> str | None:
    """Why this pupil's records may not be deleted yet, or None when they may."""
    today = as_of or timezone.localdate()
    kept_until = retention_point(pupil)
    if kept_until > today:
        return f"This record is kept until {kept_until:%-d %B %Y} (date of birth + {RETENTION_YEARS} years)."
    if pupil.is_on_roll(today):
        return "This pupil is still on roll; record a leaving date first."
    return None


def pupil_erase(*, pupil: Pupil, by: Any, as_of: dt.date | None = None) -> None:
    """Delete a pupil past the retention point, every record about them and their history."""
    from pep.models import ExclusionConsultation, PpPlusAllocation, PpPlusSpend

    if refusal := erasure_refusal(pupil, as_of):
        raise ErasureRefused(refusal)
    pk = pupil.pk
    with transaction.atomic():
        # PP+ and suspensions are protected from an accidental cascade: removed on purpose here.
        PpPlusSpend.objects.filter(allocation__pupil_id=pk).delete()
        PpPlusAllocation.objects.filter(pupil_id=pk).delete()
        ExclusionConsultation.objects.filter(pupil_id=pk).delete()
        pupil.delete()
        # After the deletes, which write history rows of their own.
        history.history_erase(pk)
        AccessLog.objects.create(
            user=by, pupil_id=pk, action=AccessLog.DELETE,
            detail=f"Past the retention point (date of birth + {RETENTION_YEARS} years): records and history deleted",
        )
