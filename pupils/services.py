"""Every write to the register: each applies the model's rules, saves, and writes the access log.

Views validate a form, call one of these and redirect. CSV imports and the export are in mis.py;
deleting a record past the retention point is in retention.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cwsw import roles
from cwsw.models import AccessLog, Term

from . import transitions
from .models import (
    AttendanceContact,
    CareEpisode,
    Pupil,
    SafeguardingNote,
    SdqScore,
    TermRecord,
    TransitionItem,
)
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
    checklists_sync(pupils=[pupil])
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
    checklists_sync(pupils=[episode.pupil])
    AccessLog.record(user=by, action=AccessLog.CHANGE, pupils=[episode.pupil], detail="Ended episode")
    return episode


def _log_change(by: Any, pupil: Pupil, detail: str = "") -> None:
    AccessLog.record(user=by, action=AccessLog.CHANGE, pupils=[pupil], detail=detail)


@transaction.atomic
def pupil_create(*, pupil: Pupil, by: Any) -> Pupil:
    """Put a new pupil on the register."""
    pupil.full_clean()
    pupil.save()
    checklists_sync(pupils=[pupil])
    AccessLog.record(user=by, action=AccessLog.CREATE, pupils=[pupil])
    return pupil


@transaction.atomic
def pupil_update(*, pupil: Pupil, by: Any) -> Pupil:
    """Save changes to a pupil's details."""
    pupil.full_clean()
    pupil.save()
    checklists_sync(pupils=[pupil])
    _log_change(by, pupil)
    return pupil


@transaction.atomic
def episode_save(*, episode: CareEpisode, by: Any) -> CareEpisode:
    """Add a care episode to a pupil's history, or save changes to one."""
    added = episode.pk is None
    episode.full_clean()
    episode.save()
    checklists_sync(pupils=[episode.pupil])
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
def term_record_save(*, record: TermRecord, by: Any) -> TermRecord:
    """Save a term's attendance, attainment or a subject's GCSE grades; a term entered again replaces them."""
    record.full_clean()
    record.save()
    _log_change(by, record.pupil, f"{record._meta.verbose_name}")
    return record


@transaction.atomic
def attendance_contact_add(*, contact: AttendanceContact, by: Any) -> AttendanceContact:
    """Log a contact about a pupil's attendance: who, when, what was agreed."""
    contact.by = by
    contact.full_clean()
    contact.save()
    _log_change(by, contact.pupil, "attendance contact")
    return contact


@transaction.atomic
def sdq_record(*, score: SdqScore, by: Any) -> SdqScore:
    """Record a Strengths and Difficulties Questionnaire total."""
    score.full_clean()
    score.save()
    _log_change(by, score.pupil, "SDQ score")
    return score


# --- Joining and leaving ---------------------------------------------------------------


@transaction.atomic
def checklists_sync(*, pupils: Iterable[Pupil], today: dt.date | None = None) -> None:
    """Bring these pupils' joining and leaving checklists in step with their dates and history.

    A step that now applies is added with its deadline; an open step's deadline follows the dates;
    a step for a new leaving (or admission) date starts again; an open step that no longer applies
    (the leaving was cancelled, the reason changed) goes. A step done stays done. Constant queries.
    """
    pupils = [p for p in pupils if p.pk]
    if not pupils:
        return
    today = today or timezone.localdate()
    calendar = Term.calendar()
    ids = [p.pk for p in pupils]
    # Two saves for the same pupil at once (the DT edits details as the DSL adds an episode) would both
    # add the same steps: the second waits for the first here, then finds its steps (PostgreSQL).
    list(Pupil.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    episodes: dict[int, list[CareEpisode]] = defaultdict(list)
    for episode in CareEpisode.objects.filter(pupil_id__in=ids):
        episodes[episode.pupil_id].append(episode)
    have: dict[int, dict[str, TransitionItem]] = defaultdict(dict)
    for item in TransitionItem.objects.filter(pupil_id__in=ids):
        have[item.pupil_id][item.step] = item
    new: list[TransitionItem] = []
    for pupil in pupils:
        items = have[pupil.pk]
        started = {(i.checklist, i.counted_from) for i in items.values()}
        wanted = transitions.steps_for(
            admission_date=pupil.admission_date, leaving_date=pupil.leaving_date, reason=pupil.leaving_reason,
            episodes=episodes[pupil.pk], today=today,
            joining_started=(transitions.JOINING, pupil.admission_date) in started,
            leaving_started=(transitions.LEAVING, pupil.leaving_date) in started,
        )
        for key, counted_from in wanted.items():
            due = transitions.deadline(transitions.STEPS[key], counted_from, calendar)
            item = items.get(key)
            if item is None:
                new.append(TransitionItem(pupil=pupil, step=key, counted_from=counted_from, due_date=due))
            elif item.counted_from != counted_from:
                # Left (or joined) again: the step is to be done again for this move.
                item.counted_from, item.due_date = counted_from, due
                item.done_on, item.done_by, item.confirmed_by, item.note = None, None, "", ""
                item.save()
            elif not item.is_done and item.due_date != due:
                item.due_date = due
                item.save(update_fields=["due_date"])
        for key, item in items.items():
            if key not in wanted and not item.is_done:
                item.delete()
    if new:
        bulk_create_with_history(new, TransitionItem)


@transaction.atomic
def pupil_leave(*, pupil: Pupil, by: Any) -> Pupil:
    """Record (or correct, or cancel) a pupil's leaving: date, reason, destination; the checklist follows."""
    if pupil.leaving_date is None:
        pupil.leaving_reason, pupil.destination_school = "", ""
    pupil.full_clean()
    pupil.save()
    checklists_sync(pupils=[pupil])
    _log_change(by, pupil, "Leaving recorded" if pupil.leaving_date else "Leaving cancelled")
    return pupil


@transaction.atomic
def transition_done(*, item: TransitionItem, done_on: dt.date, confirmed_by: str = "", note: str = "",
                    by: Any) -> TransitionItem:
    """Mark one checklist step done on a day; a receipt needs the name of whoever confirmed it."""
    step = item.definition
    errors: dict[str, str] = {}
    if done_on > timezone.localdate():
        errors["done_on"] = "The date cannot be in the future."
    elif done_on < item.pupil.admission_date:
        errors["done_on"] = "The date is before the pupil was admitted."
    if step.needs_confirmation and not confirmed_by.strip():
        errors["confirmed_by"] = "Name the person at the new school who confirmed they received it."
    if step.after:
        before = TransitionItem.objects.filter(pupil=item.pupil, step=step.after).first()
        if before is not None and not before.is_done:
            errors["done_on"] = f"Record this first: {before.label}."
        elif before is not None and done_on < before.done_on:
            errors["done_on"] = f"The date is before the step \"{before.label}\" ({before.done_on:%-d %b %Y})."
    if errors:
        raise ValidationError(errors)
    item.done_on, item.done_by = done_on, by
    item.confirmed_by, item.note = confirmed_by.strip(), note.strip()
    item.full_clean()
    item.save()
    _log_change(by, item.pupil, f"Checklist: {step.label}")
    return item


@transaction.atomic
def checklists_recount(sender: Any = None, **kwargs: Any) -> None:
    """The term dates changed: every open step's deadline is counted again (cwsw's calendar_changed)."""
    open_items = TransitionItem.objects.outstanding().values_list("pupil_id", flat=True).distinct()
    checklists_sync(pupils=Pupil.objects.filter(pk__in=open_items))
