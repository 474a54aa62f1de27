"""Every write to the register: each applies the model's rules, saves, and writes the access log.

Views validate a form, call one of these and redirect. CSV imports and the export are in mis.py;
deleting a record past the retention point is in retention.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cwsw import roles
from cwsw.models import AccessLog

from .models import AttainmentRecord, AttendanceRecord, CareEpisode, Pupil, SafeguardingNote
from .signals import pupil_flagged


@transaction.atomic
def pupil_flag(*, episode: CareEpisode, by: Any) -> CareEpisode:
    """Save a DSL's CIN or CP flag, creating the pupil first if they are new."""
    pupil = episode.pupil
    created = pupil.pk is None
    if created:
        pupil.save()
    episode.flagged_by = by
    episode.flagged_at = timezone.now()
    episode.save()
    AccessLog.record(
        user=by, action=AccessLog.CREATE if created else AccessLog.CHANGE, pupils=[pupil],
        detail=f"Flagged {episode.kind}",
    )
    pupil_flagged.send(sender=CareEpisode, episode=episode)
    return episode


@transaction.atomic
def flags_mark_seen(*, pupil: Pupil, by: Any) -> int:
    """Mark the pupil's new flags as seen when the designated teacher opens the record."""
    if not roles.is_designated_teacher(by):
        return 0
    return pupil.episodes.unseen_flags().update(dt_seen_at=timezone.now())


@transaction.atomic
def episode_end(*, episode: CareEpisode, end_date: dt.date, by: Any) -> CareEpisode:
    """End an open episode on the given date."""
    episode.end_date = end_date
    episode.full_clean()
    episode.save()
    AccessLog.record(user=by, action=AccessLog.CHANGE, pupils=[episode.pupil], detail="Ended episode")
    return episode


def _log_change(by: Any, pupil: Pupil, detail: str = "") -> None:
    AccessLog.record(user=by, action=AccessLog.CHANGE, pupils=[pupil], detail=detail)


@transaction.atomic
def pupil_create(*, pupil: Pupil, by: Any) -> Pupil:
    """Put a new pupil on the register."""
    pupil.full_clean()
    pupil.save()
    AccessLog.record(user=by, action=AccessLog.CREATE, pupils=[pupil])
    return pupil


@transaction.atomic
def pupil_update(*, pupil: Pupil, by: Any) -> Pupil:
    """Save changes to a pupil's details."""
    pupil.full_clean()
    pupil.save()
    _log_change(by, pupil)
    return pupil


@transaction.atomic
def episode_save(*, episode: CareEpisode, by: Any) -> CareEpisode:
    """Add a care episode to a pupil's history, or save changes to one."""
    added = episode.pk is None
    episode.full_clean()
    episode.save()
    _log_change(by, episode.pupil, "Added episode" if added else "Edited episode")
    return episode


@transaction.atomic
def note_add(*, pupil: Pupil, text: str, by: Any) -> SafeguardingNote:
    """Add a safeguarding note (the DSL and the head read them)."""
    note = SafeguardingNote(pupil=pupil, written_by=by, text=text)
    note.full_clean()
    note.save()
    _log_change(by, pupil, "Safeguarding note")
    return note


@transaction.atomic
def term_record_save(*, record: AttendanceRecord | AttainmentRecord, by: Any) -> AttendanceRecord | AttainmentRecord:
    """Save a term's attendance or attainment; a term entered again replaces the figures."""
    record.full_clean()
    record.save()
    which = "attendance" if isinstance(record, AttendanceRecord) else "attainment"
    _log_change(by, record.pupil, f"{which} record")
    return record
