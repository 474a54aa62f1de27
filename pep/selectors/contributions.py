"""Reads about what people outside the school were asked for and sent about a PEP."""

from __future__ import annotations

from dataclasses import dataclass

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
