"""Writes to PEP meetings and their targets: plan, record the meeting, sign off, reopen, rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cwsw.models import Term

from ..models import (
    CARRIED_FORWARD,
    COMPLETE,
    HELD,
    PLANNED,
    RED,
    PepMeeting,
    PepReopening,
    PepTarget,
)
from .common import changed, lock_pupil, locked, save_and_log, set_values


def _locked_pep(pep: PepMeeting) -> PepMeeting:
    """The PEP re-read under its lock, after its pupil's: a change sees what another request just saved."""
    lock_pupil(pep.pupil_id)
    return locked(PepMeeting, pep.pk, "pupil")


def _open_pep(pep: PepMeeting, to: str) -> PepMeeting:
    """The PEP re-read under its lock, refused if it is signed off: in words that say so when it was signed
    off after the user's page read it (another request won the race)."""
    current = _locked_pep(pep)
    if current.is_locked and not pep.is_locked:
        raise ValidationError(f"This PEP was signed off a moment ago, so nothing was saved. Reopen it to {to}.")
    current.refuse_if_locked(to)
    return current


@transaction.atomic
def pep_plan(*, pupil: Any, meeting_date: dt.date, is_initial: bool = False, by: Any) -> PepMeeting:
    """Plan a PEP meeting for a pupil looked after on its date; it counts for that date's term."""
    lock_pupil(pupil.pk)
    pep = PepMeeting(pupil=pupil, meeting_date=meeting_date, is_initial=is_initial)
    pep.count_for_term_of_meeting(Term.calendar())
    save_and_log(pep, pupil_id=pupil.pk, by=by, code="pep.planned")
    return pep


@transaction.atomic
def pep_hold(
    *, pep: PepMeeting, meeting_date: dt.date, attendees: list[str], other_attendees: str = "",
    child_views: str = "", attendance_percent: Decimal | None = None, attainment: str = "",
    sdq_total: int | None = None, next_meeting_date: dt.date | None = None, by: Any,
) -> PepMeeting:
    """Save the record of a meeting that took place; a planned PEP becomes held. The next meeting's date,
    once agreed, plans the next PEP (or moves the one already planned).

    The PEP is read again under its lock: one signed off a moment ago is refused, not silently un-signed.
    """
    pep = _open_pep(pep, "change it")
    set_values(pep, {
        "meeting_date": meeting_date, "attendees": attendees, "other_attendees": other_attendees,
        "child_views": child_views, "attendance_percent": attendance_percent, "attainment": attainment,
        "sdq_total": sdq_total, "next_meeting_date": next_meeting_date,
    })
    if pep.status == PLANNED:
        pep.status = HELD
    calendar = Term.calendar()
    pep.count_for_term_of_meeting(calendar)
    save_and_log(pep, pupil_id=pep.pupil_id, by=by, code="pep.held")
    if next_meeting_date is not None:
        _plan_next(pep, next_meeting_date, calendar=calendar, by=by)
    return pep


def _plan_next(pep: PepMeeting, on: dt.date, *, calendar: Any, by: Any) -> None:
    """Plan the pupil's next PEP for the date agreed, or move the one planned after this meeting to it.
    Not planned when the child will not be looked after then (the model says so; the agreed date is kept)."""
    planned = (PepMeeting.objects.select_for_update(of=("self",))
               .filter(pupil_id=pep.pupil_id, status=PLANNED, meeting_date__gt=pep.meeting_date)
               .order_by("meeting_date", "id").first())
    if planned is not None and planned.meeting_date == on:
        return
    planned = planned or PepMeeting(pupil=pep.pupil, status=PLANNED)
    planned.meeting_date = on
    planned.count_for_term_of_meeting(calendar)
    try:
        planned.full_clean()
    except ValidationError:
        return
    planned.save()
    changed(by, pep.pupil_id, "pep.planned", about=planned, data={"from": "next meeting agreed"})


@transaction.atomic
def pep_complete(*, pep: PepMeeting, by: Any) -> PepMeeting:
    """Sign off a held PEP; it is then locked."""
    pep = _locked_pep(pep)
    if pep.status == COMPLETE:
        raise ValidationError("This PEP was signed off a moment ago.")
    if pep.status != HELD:
        raise ValidationError("Only a PEP that has been held can be completed.")
    if blockers := pep.completion_blockers(previous=pep.previous()):
        raise ValidationError(blockers[0])
    pep.status = COMPLETE
    pep.completed_by = by
    pep.completed_at = timezone.now()
    pep.save(update_fields=["status", "completed_by", "completed_at"])
    # Links to a completed PEP end now, and stay ended if it is reopened.
    pep.invitations.working(pep.completed_at).update(expires_at=pep.completed_at)
    changed(by, pep.pupil_id, "pep.completed", about=pep)
    return pep


@transaction.atomic
def pep_reopen(*, pep: PepMeeting, reason: str, by: Any) -> PepMeeting:
    reason = reason.strip()
    pep = _locked_pep(pep)
    if pep.status != COMPLETE:
        raise ValidationError("Only a completed PEP can be reopened.")
    if not reason:
        raise ValidationError("Give the reason for reopening the PEP.")
    PepReopening.objects.create(pep=pep, by=by, reason=reason)
    pep.status = HELD
    pep.completed_by = None
    pep.completed_at = None
    pep.save(update_fields=["status", "completed_by", "completed_at"])
    changed(by, pep.pupil_id, "pep.reopened", about=pep)
    return pep


@transaction.atomic
def pep_rate(*, pep: PepMeeting, rating: str, feedback: str, by: Any) -> PepMeeting:
    """Record the Virtual School's rating; a completed PEP rated red is reopened."""
    pep = _locked_pep(pep)
    if pep.status == PLANNED:
        raise ValidationError("The PEP has not been held yet.")
    if pep.quality_reviews.exists():
        raise ValidationError(
            "The Virtual School adviser rated this PEP through its quality check; their rating stands. "
            "Send it to them again for a new one."
        )
    pep.vs_rating, pep.vs_feedback = rating, feedback
    pep.save(update_fields=["vs_rating", "vs_feedback"])
    changed(by, pep.pupil_id, "pep.rated", about=pep, data={"rating": rating})
    if rating == RED and pep.status == COMPLETE:
        pep = pep_reopen(pep=pep, reason="Rated red by the Virtual School.", by=by)
    return pep


@transaction.atomic
def target_review(*, target: PepTarget, review: str, notes: str, in_pep: PepMeeting, by: Any) -> PepTarget:
    """Review an earlier target at a later PEP; a carried-forward target is copied into it."""
    in_pep = _open_pep(in_pep, "review its targets")
    target = locked(PepTarget, target.pk)
    already_carried = target.review == CARRIED_FORWARD
    target.review, target.review_notes, target.reviewed_in = review, notes, in_pep
    target.save()
    if review == CARRIED_FORWARD and not already_carried:
        PepTarget.objects.create(
            pep=in_pep, area=target.area, description=target.description,
            success_criteria=target.success_criteria, owner=target.owner,
            pp_plus_needed=target.pp_plus_needed, carried_from=target,
        )
    changed(by, in_pep.pupil_id, "target.reviewed", about=target, data={"review": review})
    return target


TARGET_FIELDS = ("area", "description", "success_criteria", "owner", "pp_plus_needed")


@transaction.atomic
def target_add(*, pep: PepMeeting, area: str, description: str, success_criteria: str, owner: str,
               pp_plus_needed: Decimal, by: Any) -> PepTarget:
    """Add a SMART target to a PEP not yet signed off."""
    pep = _open_pep(pep, "add targets")
    target = PepTarget(pep=pep, area=area, description=description, success_criteria=success_criteria,
                       owner=owner, pp_plus_needed=pp_plus_needed)
    save_and_log(target, pupil_id=pep.pupil_id, by=by, code="target.added")
    return target


@transaction.atomic
def target_change(*, target: PepTarget, area: str, description: str, success_criteria: str, owner: str,
                  pp_plus_needed: Decimal, by: Any) -> PepTarget:
    """Change a target of a PEP not yet signed off."""
    pep = _open_pep(target.pep, "change its targets")
    target = locked(PepTarget, target.pk)
    set_values(target, {"area": area, "description": description, "success_criteria": success_criteria,
                        "owner": owner, "pp_plus_needed": pp_plus_needed})
    save_and_log(target, pupil_id=pep.pupil_id, by=by, code="target.changed")
    return target
