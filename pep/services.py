"""Every write to the casework: each checks its rule, saves, and writes the access log.

Views validate a form, call one of these and redirect.
"""

from __future__ import annotations

import datetime as dt
import math
import smtplib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.emails import send_templated
from cwsw.failures import queue_after_commit
from cwsw.models import AccessLog, SchoolProfile, Term
from pupils.models import Pupil

from . import contributions as rules
from .models import (
    ACCEPTED,
    ADVISER,
    CARRIED_FORWARD,
    COMPLETE,
    CONTRIBUTION,
    HELD,
    OPEN,
    PENDING,
    PLANNED,
    QUALITY,
    RED,
    SET_ASIDE,
    Contribution,
    ExclusionConsultation,
    Invitation,
    PepMeeting,
    PepReopening,
    PepTarget,
    PpPlusAllocation,
    PpPlusRate,
    PpPlusSpend,
    Provision,
    QualityReview,
    TransferPack,
)
from .tasks import build_transfer_pack


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
        PepMeeting.objects.filter(pupil_id=pep.pupil_id, status__in=[HELD, COMPLETE], meeting_date__lt=pep.meeting_date)
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


def completion_blockers(pep: PepMeeting, *, previous: PepMeeting | None) -> list[str]:
    """What stops a held PEP being completed, in words (empty when it can be): the page lists these
    instead of offering a button that would only refuse. `previous` is `previous_pep(pep)`, which the
    PEP page has read already."""
    blockers = []
    if pep.vs_rating == RED:
        blockers.append(
            "The Virtual School rated this PEP red. Improve it and get a new rating before completing it."
        )
    if not pep.targets.exists():
        blockers.append("Add at least one SMART target before completing the PEP.")
    if previous and any(target.awaiting_review for target in previous.targets.all()):
        blockers.append("Review every target from the previous PEP before completing this one.")
    return blockers


@transaction.atomic
def pep_complete(*, pep: PepMeeting, by: Any) -> PepMeeting:
    """Sign off a held PEP; it is then locked."""
    pep = _locked(pep)
    if pep.status != HELD:
        raise ValidationError("Only a PEP that has been held can be completed.")
    if blockers := completion_blockers(pep, previous=previous_pep(pep)):
        raise ValidationError(blockers[0])
    pep.status = COMPLETE
    pep.completed_by = by
    pep.completed_at = timezone.now()
    pep.save(update_fields=["status", "completed_by", "completed_at"])
    # Links to a completed PEP end now, and stay ended if it is reopened.
    pep.invitations.working(pep.completed_at).update(expires_at=pep.completed_at)
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
    if pep.quality_reviews.exists():
        raise ValidationError(
            "The Virtual School adviser rated this PEP through its quality check; their rating stands. "
            "Send it to them again for a new one."
        )
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


@transaction.atomic
def provision_save(*, provision: Provision, by: Any) -> Provision:
    """Record or update alternative provision or a part-time timetable (a review moves its next date on)."""
    _save(provision, pupil=provision.pupil, by=by, detail="Alternative provision or part-time timetable")
    return provision


# --- Contributions from outside the school ------------------------------------------------
# Someone with no account acts through their invitation, and is logged under its address.

LINK_GONE = "This link no longer works."
QUALITY_ONLY_WHEN_HELD = "Only a PEP that has been held, and is not yet signed off, can be quality checked."


def _mail(*, to: str, template: str, context: dict) -> None:
    """Send now, inside the write: if the mail server refuses, nothing is saved and the person is told."""
    try:
        send_templated(to=[to], template=template, context=context)
    except (OSError, smtplib.SMTPException) as failure:
        raise ValidationError("The e-mail could not be sent just now, so nothing was saved. Try again in a "
                              "few minutes.") from failure


def _locked_invitation(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("pep__pupil").get(pk=invitation.pk)


@transaction.atomic
def invitation_send(*, invitation: Invitation, by: Any) -> Invitation:
    """Invite someone from outside the school to a PEP and e-mail them its link (which names no pupil).

    Their part of a PEP not yet complete, or (`purpose=QUALITY`, to the adviser) the quality check
    of a held PEP.
    """
    pep = _locked(invitation.pep)
    if invitation.purpose == QUALITY:
        invitation.role = ADVISER
        if pep.status != HELD:
            raise ValidationError(QUALITY_ONLY_WHEN_HELD)
    else:
        invitation.purpose = CONTRIBUTION
        pep.refuse_if_locked("invite anyone to it")
    now = timezone.now()
    still_open = pep.invitations.working(now).filter(
        email__iexact=invitation.email, role=invitation.role, purpose=invitation.purpose,
    )
    if still_open.exists():
        raise ValidationError({"email": "This address already has a working link for this part. "
                                        "Withdraw that one first to send a new one."})
    token, invitation.token_hash = rules.new_token()
    invitation.pep, invitation.created_by, invitation.created_at = pep, by, now
    invitation.expires_at = now + dt.timedelta(days=rules.INVITATION_DAYS)
    invitation.full_clean()
    invitation.save()
    _log(by, pep, f"Invited {invitation.email} ({invitation.get_role_display().lower()}) to the PEP")
    _mail(to=invitation.email, template="invitation", context={
        "invitation": invitation, "link": reverse("contribute:invitation", args=[token]),
        "school": SchoolProfile.load(), "days": rules.INVITATION_DAYS, "by": by,
    })
    return invitation


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, by: Any) -> Invitation:
    invitation = _locked_invitation(invitation)
    if invitation.state() != OPEN:
        raise ValidationError("Only a link that still works can be withdrawn.")
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    _log(by, invitation.pep, f"Withdrew the invitation to {invitation.email}")
    return invitation


@transaction.atomic
def invitation_send_code(*, invitation: Invitation) -> Invitation:
    """E-mail a new six-digit code to the invitation's address (the one before stops working)."""
    invitation = _locked_invitation(invitation)
    if invitation.state() != OPEN:
        raise ValidationError(LINK_GONE)
    if invitation.codes_sent >= rules.MAX_CODES_SENT:
        raise ValidationError("No more codes can be sent for this link. Ask the school to send you a new link.")
    code = rules.new_code()
    invitation.code_hash = rules.hash_code(invitation.pk, code)
    invitation.code_sent_at = timezone.now()
    invitation.codes_sent += 1
    invitation.save(update_fields=["code_hash", "code_sent_at", "codes_sent"])
    invitation.log(AccessLog.VIEW, "code sent")
    _mail(to=invitation.email, template="invitation_code", context={"code": code, "minutes": rules.CODE_MINUTES})
    return invitation


@transaction.atomic
def invitation_check_code(*, invitation: Invitation, code: str) -> str:
    """Check the code given; return "" when it is right, else why not (a wrong code is counted:
    each one after the first makes the next try wait longer, and the fifth locks the invitation)."""
    invitation = _locked_invitation(invitation)
    now = timezone.now()
    if invitation.state(now) != OPEN:
        return LINK_GONE
    if invitation.last_failed_at:
        ready = invitation.last_failed_at + rules.wait_after(invitation.failed_codes)
        if now < ready:
            seconds = math.ceil((ready - now).total_seconds())
            return f"Too many wrong codes. Wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
    if not invitation.code_sent_at or now > invitation.code_sent_at + dt.timedelta(minutes=rules.CODE_MINUTES):
        return "This code has run out. Send yourself a new one."
    if rules.code_matches(invitation.pk, code, invitation.code_hash):
        invitation.verified_at, invitation.code_hash = now, ""  # a code works once
        invitation.save(update_fields=["verified_at", "code_hash"])
        invitation.log(AccessLog.VIEW, "code accepted")
        return ""
    invitation.failed_codes += 1
    invitation.last_failed_at = now
    if invitation.failed_codes >= rules.MAX_FAILED_CODES:
        invitation.locked_at = now
    invitation.save(update_fields=["failed_codes", "last_failed_at", "locked_at"])
    invitation.log(AccessLog.VIEW, "wrong code")
    if invitation.locked_at:
        return LINK_GONE
    left = rules.MAX_FAILED_CODES - invitation.failed_codes
    return f"That code is not right. {left} {'try' if left == 1 else 'tries'} left."


def _refuse_unless_verified(invitation: Invitation, purpose: str) -> Invitation:
    invitation = _locked_invitation(invitation)
    if invitation.state() != OPEN or invitation.verified_at is None or invitation.purpose != purpose:
        raise ValidationError(LINK_GONE)
    return invitation


@transaction.atomic
def contribution_submit(*, invitation: Invitation, answers: list[list[str]]) -> Contribution:
    """Keep a contributor's part as a draft for the DT; the link is then used up."""
    invitation = _refuse_unless_verified(invitation, CONTRIBUTION)
    now = timezone.now()
    contribution = Contribution.objects.create(invitation=invitation, pep=invitation.pep, answers=answers,
                                               submitted_at=now)
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    invitation.log(AccessLog.CREATE, "part sent")
    return contribution


@transaction.atomic
def quality_submit(*, invitation: Invitation, sections: list[list[str]], feedback: str) -> QualityReview:
    """Keep the adviser's section-by-section rating; the PEP takes its weakest section's rating,
    which replaces any typed in by hand. A red PEP cannot be signed off until rated again."""
    invitation = _refuse_unless_verified(invitation, QUALITY)
    pep = _locked(invitation.pep)
    if pep.status != HELD:
        raise ValidationError(LINK_GONE)
    rating = rules.overall_rating([rating for _, rating in sections])
    now = timezone.now()
    review = QualityReview.objects.create(invitation=invitation, pep=pep, sections=sections, rating=rating,
                                          feedback=feedback.strip(), submitted_at=now)
    pep.vs_rating, pep.vs_feedback = rating, review.feedback
    pep.save(update_fields=["vs_rating", "vs_feedback"])
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    invitation.log(AccessLog.CHANGE, f"quality check sent, rated {rating}")
    return review


@transaction.atomic
def contribution_decide(*, contribution: Contribution, accept: bool, by: Any) -> Contribution:
    """The DT accepts a contribution into the PEP, or sets it aside (it stays on record)."""
    contribution = Contribution.objects.select_for_update().select_related("pep__pupil", "invitation").get(
        pk=contribution.pk)
    contribution.pep.refuse_if_locked("decide on contributions")
    if contribution.status != PENDING:
        raise ValidationError("This contribution has already been decided on.")
    contribution.status = ACCEPTED if accept else SET_ASIDE
    contribution.decided_by, contribution.decided_at = by, timezone.now()
    contribution.save(update_fields=["status", "decided_by", "decided_at"])
    _log(by, contribution.pep, f"{contribution.get_status_display()}: {contribution.by}'s part")
    return contribution


# --- The transfer pack ----------------------------------------------------------------

@transaction.atomic
def packs_mark_stalled() -> int:
    """Mark failed every pack build that has not moved for 10 minutes, so it can be asked for again."""
    return TransferPack.objects.mark_stalled()


@transaction.atomic
def transfer_pack_request(*, pupil: Pupil, by: Any) -> TransferPack:
    """Queue a transfer pack to be built once the request's transaction commits; logged as an export.

    Safeguarding notes go in only when the DSL or the head asks for it.
    """
    packs_mark_stalled()
    with_notes = roles.can_see_safeguarding_notes(by)
    pack = TransferPack.objects.create(pupil=pupil, requested_by=by, with_safeguarding=with_notes, stage="Queued")
    AccessLog.record(user=by, action=AccessLog.EXPORT, pupils=[pupil], detail=pack.log_detail)
    queue_after_commit(build_transfer_pack, pack.pk, if_down=lambda message: TransferPack.objects.filter(
        pk=pack.pk).update(status=TransferPack.FAILED, stage="Failed", error=message))
    return pack


@transaction.atomic
def transfer_pack_download_log(*, pack: TransferPack, by: Any) -> None:
    AccessLog.record(user=by, action=AccessLog.DOWNLOAD, pupils=[pack.pupil], detail=pack.log_detail)
