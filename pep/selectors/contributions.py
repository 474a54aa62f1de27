"""Reads about what people outside the school were asked for and sent about a PEP."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from pupils import cohort

from ..models import Contribution, Invitation, PepMeeting, QualityReview


@dataclass(frozen=True)
class OutsideParts:
    """What people outside the school were asked for and sent about one PEP, as its page shows them."""

    invitations: list[Invitation]
    contributions: list[Contribution]  # oldest first
    quality_review: QualityReview | None  # the latest


def outside_parts(pep: PepMeeting) -> OutsideParts:
    """A PEP's invitations with the contribution or quality review each brought back, in one query: both
    answer an invitation, so a PEP nobody was invited to costs one empty read."""
    invitations = list(pep.invitations.select_related("contribution__decided_by", "quality_review"))
    answers = [(getattr(i, "contribution", None), getattr(i, "quality_review", None)) for i in invitations]
    contributions = sorted((c for c, _ in answers if c), key=lambda c: (c.submitted_at, c.pk))
    reviews = [r for _, r in answers if r]
    return OutsideParts(invitations=invitations, contributions=contributions,
                        quality_review=max(reviews, key=lambda r: (r.submitted_at, r.pk), default=None))


def social_worker_on_record(pep: PepMeeting) -> dict[str, str] | None:
    """The social worker named on the care episode in force on the PEP's date: their name, and their e-mail
    address when the contact recorded is one (else empty, for the DT to fill in); None when none is named."""
    episode = (pep.pupil.episodes.filter(kind=cohort.CLA, start_date__lte=pep.meeting_date)
               .filter(Q(end_date__isnull=True) | Q(end_date__gte=pep.meeting_date))
               .exclude(social_worker_name="").order_by("-start_date").first())
    if episode is None:
        return None
    contact = episode.social_worker_contact.strip()
    try:
        validate_email(contact)
    except ValidationError:
        contact = ""
    return {"name": episode.social_worker_name, "email": contact}
