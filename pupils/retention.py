"""Retention: pupils who left stay on file (archived) until the retention point, date of
birth + 25 years; then the headteacher reviews each record and may delete it, with its
casework and history. The access log keeps a row saying who deleted which record and when.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cwsw.models import AccessLog

from . import cohort, history
from .models import Pupil
from .signals import pupil_erasing

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


def record_counts(pupil: Pupil) -> list[tuple[str, int]]:
    """What would be deleted: how many records of each kind the pupil has."""
    return history.record_counts(pupil.pk)


def erasure_refusal(pupil: Pupil, as_of: dt.date | None = None) -> str | None:
    """Why this pupil's records may not be deleted yet, or None when they may."""
    today = as_of or timezone.localdate()
    kept_until = retention_point(pupil)
    if kept_until > today:
        return f"This record is kept until {kept_until:%-d %b %Y} (date of birth + {RETENTION_YEARS} years)."
    if pupil.is_on_roll(today):
        return "This pupil is still on roll; record a leaving date first."
    return None


def pupil_erase(*, pupil: Pupil, by: Any, as_of: dt.date | None = None) -> None:
    """Delete a pupil past the retention point, every record about them and their history."""
    if refusal := erasure_refusal(pupil, as_of):
        raise ErasureRefused(refusal)
    pk = pupil.pk
    with transaction.atomic():
        # Records protected from an accidental cascade (PP+, suspensions) are removed on purpose
        # by the apps that keep them.
        pupil_erasing.send(sender=Pupil, pupil_id=pk)
        pupil.delete()
        # After the deletes, which write history rows of their own.
        history.history_erase(pk)
        AccessLog.record(user=by, code="pupil.erased", pupils=[pk], data={"retention_years": RETENTION_YEARS})
