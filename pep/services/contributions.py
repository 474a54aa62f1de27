"""Writes about contributions from outside the school: invitations, codes, the parts sent, decisions.

Someone with no account acts through their invitation, and is logged under its address.
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

from cwsw.emails import send_templated
from cwsw.models import SchoolProfile
from pupils.derived import derived_rebuild

from .. import invitation_rules as rules
from ..models import (
    ACCEPTED,
    ADVISER,
    CONTRIBUTION,
    HELD,
    OPEN,
    PENDING,
    QUALITY,
    SET_ASIDE,
    Contribution,
    Invitation,
    PepMeeting,
    QualityReview,
)
from .common import changed, lock_pupil, locked

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
    lock_pupil(invitation.pep.pupil_id)
    return locked(Invitation, invitation.pk, "pep__pupil")


def _locked_pep(pep: PepMeeting) -> PepMeeting:
    lock_pupil(pep.pupil_id)
    return locked(PepMeeting, pep.pk, "pupil")


@transaction.atomic
def invitation_send(*, pep: PepMeeting, purpose: str = CONTRIBUTION, role: str = "", name: str, email: str,
                    by: Any) -> Invitation:
    """Invite someone from outside the school to a PEP and e-mail them its link (which names no pupil).

    Their part of a PEP not yet complete, or (`purpose=QUALITY`, to the adviser) the quality check
    of a held PEP.
    """
    pep = _locked_pep(pep)
    invitation = Invitation(pep=pep, purpose=purpose, role=role, name=name, email=email)
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
    changed(by, pep.pupil_id, "invitation.sent", about=invitation, data={"role": invitation.role,
                                                                     "purpose": invitation.purpose})
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
    changed(by, invitation.pep.pupil_id, "invitation.withdrawn", about=invitation)
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
    invitation.log("invitation.code_sent")
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
            # Refused unread, but still logged: a burst of guesses during the wait shows in the trail.
            invitation.log("invitation.code_refused", data={"refused": "during the wait"})
            seconds = math.ceil((ready - now).total_seconds())
            return f"Too many wrong codes. Wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
    if not invitation.code_sent_at or now > invitation.code_sent_at + dt.timedelta(minutes=rules.CODE_MINUTES):
        invitation.log("invitation.code_refused", data={"refused": "no code in date"})
        return "This code has run out. Send yourself a new one."
    if rules.code_matches(invitation.pk, code, invitation.code_hash):
        invitation.verified_at, invitation.code_hash = now, ""  # a code works once
        invitation.save(update_fields=["verified_at", "code_hash"])
        invitation.log("invitation.code_accepted")
        return ""
    invitation.failed_codes += 1
    invitation.last_failed_at = now
    if invitation.failed_codes >= rules.MAX_FAILED_CODES:
        invitation.locked_at = now
    invitation.save(update_fields=["failed_codes", "last_failed_at", "locked_at"])
    invitation.log("invitation.code_refused", data={"refused": "wrong"})
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
def contribution_draft_save(*, invitation: Invitation, draft: dict[str, str]) -> dt.datetime:
    """Keep what the contributor has typed so far, to show again when they come back through the link.

    The link must have passed its code once. Answers sent after the session ended (Send pressed 30 idle
    minutes on) are kept this way too: nothing is shown in return, and what is kept is shown only after
    a new code. Returns when it was saved.
    """
    invitation = _locked_invitation(invitation)
    if invitation.state() != OPEN or invitation.purpose != CONTRIBUTION or invitation.verified_at is None:
        raise ValidationError(LINK_GONE)
    invitation.draft, invitation.draft_saved_at = draft, timezone.now()
    invitation.save(update_fields=["draft", "draft_saved_at"])
    return invitation.draft_saved_at


@transaction.atomic
def contribution_submit(*, invitation: Invitation, answers: list[list[str]]) -> Contribution:
    """Keep a contributor's part for the DT to accept; the link is then used up (and the draft emptied)."""
    invitation = _refuse_unless_verified(invitation, CONTRIBUTION)
    now = timezone.now()
    contribution = Contribution.objects.create(invitation=invitation, pep=invitation.pep, answers=answers,
                                               submitted_at=now)
    invitation.answered_at = now
    invitation.draft, invitation.draft_saved_at = {}, None
    invitation.save(update_fields=["answered_at", "draft", "draft_saved_at"])
    derived_rebuild([invitation.pep.pupil_id])  # a part now waits for the DT
    invitation.log("contribution.sent", about=contribution)
    return contribution


@transaction.atomic
def quality_submit(*, invitation: Invitation, sections: list[list[str]], feedback: str) -> QualityReview:
    """Keep the adviser's section-by-section rating; the PEP takes its weakest section's rating,
    which replaces any typed in by hand. A red PEP cannot be signed off until rated again."""
    invitation = _refuse_unless_verified(invitation, QUALITY)
    pep = locked(PepMeeting, invitation.pep_id, "pupil")
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
    derived_rebuild([pep.pupil_id])  # a red rating sends it back to the DT
    invitation.log("quality.sent", about=review, data={"rating": rating})
    return review


@transaction.atomic
def contribution_decide(*, contribution: Contribution, accept: bool, by: Any) -> Contribution:
    """The DT accepts a contribution into the PEP, or sets it aside (it stays on record)."""
    lock_pupil(contribution.pep.pupil_id)
    contribution = locked(Contribution, contribution.pk, "pep__pupil", "invitation")
    contribution.pep.refuse_if_locked("decide on contributions")
    if contribution.status != PENDING:
        raise ValidationError("This contribution has already been decided on.")
    contribution.status = ACCEPTED if accept else SET_ASIDE
    contribution.decided_by, contribution.decided_at = by, timezone.now()
    contribution.save(update_fields=["status", "decided_by", "decided_at"])
    changed(by, contribution.pep.pupil_id, "contribution.accepted" if accept else "contribution.set_aside",
        about=contribution)
    return contribution
