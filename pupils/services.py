"""Every write to the register: each applies the model's rules, saves, and writes the access log.

Views validate a form, call one of these and redirect. CSV imports and the export are in mis.py;
deleting a record past the retention point is in retention.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cwsw import roles
from cwsw.models import AccessLog

from .derived import derived_rebuild
from .models import (
    AttainmentRecord,
    AttendanceContact,
    AttendanceRecord,
    CareEpisode,
    Pupil,
    SafeguardingNote,
    SdqScore,
    SubjectGrade,
    TermRecord,
    TransitionItem,
)
from .signals import pupil_flagged


def _log(by: Any, pupil: Pupil | int, code: str, *, about: Any = None, data: dict | None = None) -> None:
    AccessLog.record(user=by, code=code, pupils=[pupil], about=about, data=data)


def _changed(by: Any, pupil: Pupil | int, code: str, *, about: Any = None, data: dict | None = None) -> None:
    """The pupil's records changed: work out again what derives from them (pupils.derived), and log it."""
    derived_rebuild([pupil if isinstance(pupil, int) else pupil.pk])
    _log(by, pupil, code, about=about, data=data)


def _lock(pupil_id: int) -> None:
    """The pupil's row lock, taken first by every write about them (one order everywhere: no deadlock)."""
    Pupil.objects.filter(pk=pupil_id).lock()


EPISODE_FIELDS = ("kind", "start_date", "end_date", "legal_status", "pla_route", "responsible_authority",
                  "social_worker_name", "social_worker_contact")


@transaction.atomic
def pupil_flag(
    *, pupil: Pupil | None = None, new_pupil: dict[str, Any] | None = None, kind: str, start_date: dt.date,
    responsible_authority: str = "", social_worker_name: str = "", social_worker_contact: str = "", by: Any,
) -> CareEpisode:
    """Save a DSL's CIN or CP flag on a pupil on the register, or on a new pupil made from `new_pupil`."""
    created = pupil is None
    if created:
        pupil = Pupil(**(new_pupil or {}))
        pupil.full_clean()
        pupil.save()
    else:
        _lock(pupil.pk)
    episode = CareEpisode(pupil=pupil, kind=kind, start_date=start_date, responsible_authority=responsible_authority,
                          social_worker_name=social_worker_name, social_worker_contact=social_worker_contact,
                          flagged_by=by, flagged_at=timezone.now())
    episode.full_clean()
    episode.save()
    _changed(by, pupil, "pupil.flagged_new" if created else "pupil.flagged", about=episode, data={"kind": kind})
    pupil_flagged.send(sender=CareEpisode, episode=episode)
    return episode


@transaction.atomic
def flags_mark_seen(*, pupil: Pupil, by: Any) -> int:
    """The designated teacher has read the DSL's new flags on this pupil: they leave the 'new flags' list."""
    if not roles.is_designated_teacher(by):
        return 0
    _lock(pupil.pk)
    seen = pupil.episodes.unseen_flags().update(dt_seen_at=timezone.now())
    derived_rebuild([pupil.pk])
    return seen


@transaction.atomic
def episode_end(*, episode: CareEpisode, end_date: dt.date, by: Any) -> CareEpisode:
    """End an open episode on the given date."""
    _lock(episode.pupil_id)
    episode = CareEpisode.objects.select_for_update(of=("self",)).select_related("pupil").get(pk=episode.pk)
    episode.end_date = end_date
    episode.full_clean()
    episode.save()
    _changed(by, episode.pupil_id, "episode.ended", about=episode)
    return episode


PUPIL_DETAILS = ("upn", "first_name", "last_name", "date_of_birth", "admission_date", "sen_status", "ehcp_review_due",
                 "fsm_eligible", "key_adult", "key_strategies")


@transaction.atomic
def pupil_create(
    *, upn: str, first_name: str, last_name: str, date_of_birth: dt.date, admission_date: dt.date,
    sen_status: str = "N", ehcp_review_due: dt.date | None = None, fsm_eligible: bool = False,
    key_adult: Any = None, key_strategies: str = "", by: Any,
) -> Pupil:
    """Put a new pupil on the register."""
    pupil = Pupil(upn=upn, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth,
                  admission_date=admission_date, sen_status=sen_status, ehcp_review_due=ehcp_review_due,
                  fsm_eligible=fsm_eligible, key_adult=key_adult, key_strategies=key_strategies)
    pupil.full_clean()
    pupil.save()
    _changed(by, pupil, "pupil.created")
    return pupil


def _locked_pupil(pupil: Pupil) -> Pupil:
    return Pupil.objects.select_for_update(of=("self",)).get(pk=pupil.pk)


@transaction.atomic
def pupil_update(
    *, pupil: Pupil, upn: str, first_name: str, last_name: str, date_of_birth: dt.date, admission_date: dt.date,
    sen_status: str = "N", ehcp_review_due: dt.date | None = None, fsm_eligible: bool = False,
    key_adult: Any = None, key_strategies: str = "", by: Any,
) -> Pupil:
    """Save changes to a pupil's details (read again under the lock: a leaving saved meanwhile is kept)."""
    pupil = _locked_pupil(pupil)
    changed = {"upn": upn, "first_name": first_name, "last_name": last_name, "date_of_birth": date_of_birth,
               "admission_date": admission_date, "sen_status": sen_status, "ehcp_review_due": ehcp_review_due,
               "fsm_eligible": fsm_eligible, "key_adult": key_adult, "key_strategies": key_strategies}
    for name, value in changed.items():
        setattr(pupil, name, value)
    pupil.full_clean()
    pupil.save()
    _changed(by, pupil, "pupil.changed")
    return pupil


@transaction.atomic
def episode_save(
    *, pupil: Pupil, episode: CareEpisode | None = None, kind: str, start_date: dt.date,
    end_date: dt.date | None = None, legal_status: str = "", pla_route: str = "", kinship_arrangement: str = "",
    responsible_authority: str = "", social_worker_name: str = "", social_worker_contact: str = "", by: Any,
) -> CareEpisode:
    """Add a care episode to a pupil's history, or save changes to one."""
    _lock(pupil.pk)
    record = CareEpisode(pupil=pupil) if episode is None else CareEpisode.objects.select_for_update(
        of=("self",)).select_related("pupil").get(pk=episode.pk)
    for name, value in {"kind": kind, "start_date": start_date, "end_date": end_date, "legal_status": legal_status,
                        "pla_route": pla_route, "kinship_arrangement": kinship_arrangement,
                        "responsible_authority": responsible_authority,
                        "social_worker_name": social_worker_name,
                        "social_worker_contact": social_worker_contact}.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    _changed(by, pupil, "episode.added" if episode is None else "episode.changed", about=record, data={"kind": kind})
    return record


@transaction.atomic
def note_add(*, pupil: Pupil, text: str, by: Any) -> SafeguardingNote:
    """Add a safeguarding note (the DSL and the head read them)."""
    _lock(pupil.pk)
    note = SafeguardingNote(pupil=pupil, written_by=by, text=text)
    note.full_clean()
    note.save()
    _log(by, pupil, "note.added", about=note)
    return note


FROM_MARKS = ("This term's attendance is counted from the daily marks imported from the MIS; "
              "import the corrected marks instead of typing the figures.")


def _term_record_save(model: type[TermRecord], *, pupil: Pupil, key: dict[str, Any], values: dict[str, Any],
                      code: str, by: Any) -> TermRecord:
    """Save a term's record: the term entered again replaces it. Under the pupil's lock, so three saves of
    the same term at once make one record, changed three times, never a clash."""
    _lock(pupil.pk)
    record = model.objects.filter(pupil=pupil, **key).first() or model(pupil=pupil, **key)
    if getattr(record, "from_marks", False):
        raise ValidationError({"possible_sessions": FROM_MARKS})
    for name, value in values.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    _changed(by, pupil, code, about=record, data={"academic_year": key["academic_year"], "term": key["term"]})
    return record


@transaction.atomic
def attendance_save(*, pupil: Pupil, academic_year: int, term: str, possible_sessions: int, attended_sessions: int,
                    by: Any) -> AttendanceRecord:
    """Save a term's attendance (possible and attended sessions)."""
    return _term_record_save(
        AttendanceRecord, pupil=pupil, key={"academic_year": academic_year, "term": term},
        values={"possible_sessions": possible_sessions, "attended_sessions": attended_sessions},
        code="attendance.saved", by=by)


@transaction.atomic
def attainment_save(*, pupil: Pupil, academic_year: int, term: str, reading: str = "", writing: str = "",
                    maths: str = "", reading_score: int | None = None, maths_score: int | None = None,
                    gps_score: int | None = None, by: Any) -> AttainmentRecord:
    """Save a term's attainment: teacher judgements, and KS2 scaled scores in the summer of Year 6."""
    return _term_record_save(
        AttainmentRecord, pupil=pupil, key={"academic_year": academic_year, "term": term},
        values={"reading": reading, "writing": writing, "maths": maths, "reading_score": reading_score,
                "maths_score": maths_score, "gps_score": gps_score},
        code="attainment.saved", by=by)


@transaction.atomic
def grades_save(*, pupil: Pupil, academic_year: int, term: str, subject: str, current: int | None = None,
                predicted: int | None = None, target: int | None = None, by: Any) -> SubjectGrade:
    """Save one subject's GCSE grades for a term."""
    return _term_record_save(
        SubjectGrade, pupil=pupil, key={"academic_year": academic_year, "term": term, "subject": subject},
        values={"current": current, "predicted": predicted, "target": target}, code="grades.saved", by=by)


@transaction.atomic
def attendance_contact_add(*, pupil: Pupil, contacted_on: dt.date, contacted: str, name: str = "", agreed: str,
                           by: Any) -> AttendanceContact:
    """Log a contact about a pupil's attendance: who, when, what was agreed."""
    _lock(pupil.pk)
    contact = AttendanceContact(pupil=pupil, contacted_on=contacted_on, contacted=contacted, name=name,
                                agreed=agreed, by=by)
    contact.full_clean()
    contact.save()
    _changed(by, pupil, "contact.logged", about=contact, data={"contacted": contacted})
    return contact


@transaction.atomic
def sdq_record(*, pupil: Pupil, completed_on: dt.date, total: int, by: Any) -> SdqScore:
    """Record a Strengths and Difficulties Questionnaire total."""
    _lock(pupil.pk)
    score = SdqScore(pupil=pupil, completed_on=completed_on, total=total)
    score.full_clean()
    score.save()
    _changed(by, pupil, "sdq.recorded", about=score)
    return score


# --- Joining and leaving ---------------------------------------------------------------

@transaction.atomic
def pupil_leave(*, pupil: Pupil, leaving_date: dt.date | None, leaving_reason: str = "",
                destination_school: str = "", by: Any) -> Pupil:
    """Record (or correct, or cancel) a pupil's leaving: date, reason, destination; the checklist follows."""
    pupil = _locked_pupil(pupil)
    if leaving_date is None:
        leaving_reason, destination_school = "", ""
    pupil.leaving_date, pupil.leaving_reason, pupil.destination_school = (
        leaving_date, leaving_reason, destination_school)
    pupil.full_clean()
    pupil.save()
    _changed(by, pupil, "pupil.left" if leaving_date else "pupil.leaving_cancelled",
         data={"reason": leaving_reason} if leaving_date else None)
    return pupil


@transaction.atomic
def transition_done(*, item: TransitionItem, done_on: dt.date, confirmed_by: str = "", note: str = "",
                    by: Any) -> TransitionItem:
    """Mark one checklist step done on a day; a receipt needs the name of whoever confirmed it."""
    _lock(item.pupil_id)
    item = TransitionItem.objects.select_for_update(of=("self",)).select_related("pupil").get(pk=item.pk)
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
    _changed(by, item.pupil_id, "checklist.done", about=item, data={"step": item.step})
    return item
