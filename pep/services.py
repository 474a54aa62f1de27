"""Every write to the casework: each checks its rule, saves, and writes the access log.

Views validate a form, call one of these and redirect.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cwsw.models import AccessLog, Term
from pupils.models import Pupil

from .models import (
    CARRIED_FORWARD,
    COMPLETE,
    HELD,
    PLANNED,
    RED,
    ExclusionConsultation,
    PepMeeting,
    PepReopening,
    PepTarget,
    PpPlusAllocation,
    PpPlusRate,
    PpPlusSpend,
)


def _log(by: Any, record: PepMeeting | PpPlusAllocation, detail: str) -> None:
    AccessLog.record(user=by, action=AccessLog.CHANGE, pupils=[record.pupil], detail=detail)


def _save(record: Any, *, pupil: Any, by: Any, detail: str) -> None:
    """Apply the record's own rules, save it and log the change to the pupil's data."""
    record.full_clean()
    record.save()
    AccessLog.record(user=by, action=AccessLog.CHANGE, pupils=[pupil], detail=detail)


def _locked(pep: PepMeeting) -> PepMeeting:
    """Re-read the PEP with its row locked, so a state change works on the current state."""
    return PepMeeting.objects.select_for_update().select_related("pupil").get(pk=pep.pk)


def previous_pep(pep: PepMeeting) -> PepMeeting | None:
    """Return the pupil's PEP held before this one, whose targets this one reviews."""
    return (
        PepMeeting.objects.filter(pupil_id=pep.pupil_id, status__in=[HELD, COMPLETE])
        .filter(meeting_date__lt=pep.meeting_date).exclude(pk=pep.pk)
        .order_by("-meeting_date", "-id").first()
    )


@transaction.atomic
def pep_plan(*, pep: PepMeeting, by: Any) -> PepMeeting:
    """Plan a PEP meeting for a pupil looked after on its date; it counts for that date's term."""
    pep.count_for_term_of_meeting(Term.calendar())
    _save(pep, pupil=pep.pupil, by=by, detail="PEP planned")
    return pep


@transaction.atomic
def pep_hold(*, pep: PepMeeting, by: Any) -> PepMeeting:
    """Save the record of a meeting that took place; a planned PEP becomes held."""
    pep.refuse_if_locked()
    if pep.status == PLANNED:
        pep.status = HELD
    pep.count_for_term_of_meeting(Term.calendar())
    _save(pep, pupil=pep.pupil, by=by, detail="PEP held")
    return pep


def completion_blockers(pep: PepMeeting) -> list[str]:
    """What stops a held PEP being completed, in words (empty when it can be): the page lists these
    instead of offering a button that would only refuse."""
    blockers = []
    if pep.vs_rating == RED:
        blockers.append(
            "The Virtual School rated this PEP red. Improve it and get a new rating before completing it."
        )
    if not pep.targets.exists():
        blockers.append("Add at least one SMART target before completing the PEP.")
    before = previous_pep(pep)
    if before and before.targets.awaiting_review().exists():
        blockers.append("Review every target from the previous PEP before completing this one.")
    return blockers


@transaction.atomic
def pep_complete(*, pep: PepMeeting, by: Any) -> PepMeeting:
    """Sign off a held PEP; it is then locked."""
    pep = _locked(pep)
    if pep.status != HELD:
        raise ValidationError("Only a PEP that has been held can be completed.")
    if blockers := completion_blockers(pep):
        raise ValidationError(blockers[0])
    pep.status = COMPLETE
    pep.completed_by = by
    pep.completed_at = timezone.now()
    pep.save(update_fields=["status", "completed_by", "completed_at"])
    _log(by, pep, "PEP completed")
    return pep


@transaction.atomic
def pep_reopen(*, pep: PepMeeting, reason: str, by: Any) -> PepMeeting:
    reason = reason.strip()
    pep = _locked(pep)
    if pep.status != COMPLETE:
        raise ValidationError("Only a completed PEP can be reopened.")
    if not reason:
        raise ValidationError("Give the reason for reopening the PEP.")
    PepReopening.objects.create(pep=pep, by=by, reason=reason)
    pep.status = HELD
    pep.completed_by = None
    pep.completed_at = None
    pep.save(update_fields=["status", "completed_by", "completed_at"])
    _log(by, pep, "PEP reopened")
    return pep


@transaction.atomic
def pep_rate(*, pep: PepMeeting, rating: str, feedback: str, by: Any) -> PepMeeting:
    """Record the Virtual School's rating; a completed PEP rated red is reopened."""
    pep = _locked(pep)
    if pep.status == PLANNED:
        raise ValidationError("The PEP has not been held yet.")
    pep.vs_rating, pep.vs_feedback = rating, feedback
    pep.save(update_fields=["vs_rating", "vs_feedback"])
    _log(by, pep, f"PEP rated {rating or 'none'}")
    if rating == RED and pep.status == COMPLETE:
        pep = pep_reopen(pep=pep, reason="Rated red by the Virtual School.", by=by)
    return pep


@transaction.atomic
def target_review(*, target: PepTarget, review: str, notes: str, in_pep: PepMeeting, by: Any) -> PepTarget:
    """Review an earlier target at a later PEP; a carried-forward target is copied into it."""
    in_pep.refuse_if_locked()
    already_carried = target.review == CARRIED_FORWARD
    target.review, target.review_notes, target.reviewed_in = review, notes, in_pep
    target.save()
    if review == CARRIED_FORWARD and not already_carried:
        PepTarget.objects.create(
            pep=in_pep, area=target.area, description=target.description,
            success_criteria=target.success_criteria, owner=target.owner,
            pp_plus_needed=target.pp_plus_needed, carried_from=target,
        )
    _log(by, in_pep, "PEP target reviewed")
    return target


@transaction.atomic
def target_save(*, target: PepTarget, by: Any) -> PepTarget:
    """Add a SMART target to a PEP, or save changes to one; a completed PEP's are locked."""
    target.pep.refuse_if_locked("change its targets")
    _save(target, pupil=target.pep.pupil, by=by, detail="PEP target")
    return target


@transaction.atomic
def rate_add(*, rate: PpPlusRate, by: Any) -> PpPlusRate:
    """Add a financial year's PP+ rate per pupil to the one table of rates."""
    rate.full_clean()
    rate.save()
    return rate


@transaction.atomic
def allocation_record(*, allocation: PpPlusAllocation, by: Any) -> PpPlusAllocation:
    """Record PP+ received for a pupil."""
    _save(allocation, pupil=allocation.pupil, by=by, detail="PP+ allocation")
    return allocation


@transaction.atomic
def spend_record(*, spend: PpPlusSpend, by: Any) -> PpPlusSpend:
    """Save a PP+ spend unless it would take its allocation below zero.

    The allocation row is locked first, so two spends saved at once are checked (by the
    spend's own validation) one after the other and cannot overspend it together.
    """
    spend.allocation = PpPlusAllocation.objects.select_for_update().get(pk=spend.allocation_id)
    _save(spend, pupil=spend.allocation.pupil, by=by, detail="PP+ spend")
    return spend


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why: the history keeps it with the old figures."})
    return reason


@transaction.atomic
def allocation_correct(*, allocation: PpPlusAllocation, reason: str, by: Any) -> PpPlusAllocation:
    """Correct a wrong allocation; the history keeps what it was and why it changed."""
    allocation._change_reason = _reason(reason)
    PpPlusAllocation.objects.select_for_update().filter(pk=allocation.pk).first()
    _save(allocation, pupil=allocation.pupil, by=by, detail="PP+ allocation corrected")
    return allocation


@transaction.atomic
def allocation_withdraw(*, allocation: PpPlusAllocation, reason: str, by: Any) -> PpPlusAllocation:
    """Withdraw an allocation recorded in error (kept on file, left out of every total)."""
    allocation = PpPlusAllocation.objects.select_for_update().select_related("pupil").get(pk=allocation.pk)
    if allocation.is_withdrawn:
        raise ValidationError("This allocation is already withdrawn.")
    if allocation.spends.live().exists():
        raise ValidationError("Withdraw or move the spends from this allocation first.")
    allocation.withdrawn_reason = allocation._change_reason = _reason(reason)
    allocation.withdrawn_at = timezone.now()
    allocation.save()
    _log(by, allocation, "PP+ allocation withdrawn")
    return allocation


@transaction.atomic
def spend_correct(*, spend: PpPlusSpend, reason: str, by: Any) -> PpPlusSpend:
    """Correct a wrong spend (still refused if it would overspend); the history keeps what it was."""
    spend._change_reason = _reason(reason)
    return spend_record(spend=spend, by=by)


@transaction.atomic
def spend_withdraw(*, spend: PpPlusSpend, reason: str, by: Any) -> PpPlusSpend:
    """Withdraw a spend recorded in error (kept on file, left out of every total)."""
    spend = PpPlusSpend.objects.select_for_update().select_related("allocation__pupil").get(pk=spend.pk)
    if spend.is_withdrawn:
        raise ValidationError("This spend is already withdrawn.")
    spend.withdrawn_reason = spend._change_reason = _reason(reason)
    spend.withdrawn_at = timezone.now()
    spend.save()
    _log(by, spend.allocation, "PP+ spend withdrawn")
    return spend


@transaction.atomic
def exclusion_save(*, exclusion: ExclusionConsultation, by: Any) -> ExclusionConsultation:
    """Record an incident, the Virtual School consultation, the decision and the notifications.

    The pupil's row is locked first, so two suspensions saved at once are checked against
    the 45-day cap one after the other.
    """
    Pupil.objects.select_for_update().filter(pk=exclusion.pupil_id).first()
    _save(exclusion, pupil=exclusion.pupil, by=by, detail="Exclusion record")
    return exclusion
