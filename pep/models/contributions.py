"""Contributions from outside the school to a PEP: invitations, the parts sent, the quality reviews.

The rules of the links and codes are in `pep.invitation_rules`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw.models import AccessLog

from .meetings import COMPLETE, RATINGS, PepMeeting

SOCIAL_WORKER, ADVISER, CARER, CHILD = "social_worker", "vs_adviser", "carer", "child"
CONTRIBUTORS = [
    (SOCIAL_WORKER, "Social worker"),
    (ADVISER, "Virtual School adviser"),
    (CARER, "Carer"),
    (CHILD, "Child"),
]
CONTRIBUTION, QUALITY = "contribution", "quality"
PURPOSES = [(CONTRIBUTION, "Their part of the PEP"), (QUALITY, "Quality assurance")]
# What an invitation link is, for the page and for the rules: only OPEN shows anything.
OPEN, ANSWERED, EXPIRED, WITHDRAWN, LOCKED, CLOSED = "open", "answered", "expired", "withdrawn", "locked", "closed"
INVITATION_STATES = {
    OPEN: "Waiting for their answer",
    ANSWERED: "Answered",
    EXPIRED: "Expired",
    WITHDRAWN: "Withdrawn",
    LOCKED: "Locked after wrong codes",
    CLOSED: "Closed: the PEP is complete",
}


class InvitationQuerySet(models.QuerySet):
    def by_token_hash(self, token_hash: str) -> Invitation | None:
        return self.select_related("pep__pupil").filter(token_hash=token_hash).first()

    def working(self, now: dt.datetime) -> InvitationQuerySet:
        """Links that still work at `now` (`Invitation.state` is OPEN), as far as the invitation itself says."""
        return self.filter(answered_at=None, withdrawn_at=None, locked_at=None, expires_at__gt=now)


class Invitation(models.Model):
    """A link for one contributor from outside the school to one PEP: their part, or its quality check.

    Only hashes of the link's token and of the code are kept; see `pep.contributions`.
    """

    pep = models.ForeignKey(PepMeeting, on_delete=models.CASCADE, related_name="invitations")
    purpose = models.CharField(max_length=12, choices=PURPOSES, default=CONTRIBUTION)
    role = models.CharField(max_length=13, choices=CONTRIBUTORS)
    name = models.CharField("their name", max_length=100)
    email = models.EmailField("their e-mail address")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    failed_codes = models.PositiveSmallIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # What the contributor has typed so far (question key -> answer), kept as they write and after their
    # session ends, shown again when they come back through the link; emptied once they send their part.
    draft = models.JSONField(default=dict, blank=True, editable=False)
    draft_saved_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.get_purpose_display().lower()}), sent {self.created_at:%-d %b %Y}"

    def state(self, now: dt.datetime | None = None) -> str:
        """Whether the link still works, and if not, why (for the DT; the link's page never says)."""
        now = now or timezone.now()
        if self.withdrawn_at:
            return WITHDRAWN
        if self.answered_at:
            return ANSWERED
        if self.locked_at:
            return LOCKED
        if self.pep.status == COMPLETE:
            return CLOSED
        if now >= self.expires_at:
            return EXPIRED
        return OPEN

    @property
    def state_label(self) -> str:
        return INVITATION_STATES[self.state()]

    def log(self, code: str, *, about: Any = None, data: dict | None = None) -> None:
        """An access-log row under the contributor's address (they have no account) for the child."""
        AccessLog.record(user=None, contributor=self.email, code=code, pupils=[self.pep.pupil_id],
                         about=about or self, data=data)


PENDING, ACCEPTED, SET_ASIDE = "pending", "accepted", "set_aside"
CONTRIBUTION_STATUSES = [(PENDING, "Waiting for the DT"), (ACCEPTED, "Accepted into the PEP"), (SET_ASIDE, "Set aside")]


class ContributionQuerySet(models.QuerySet):
    def pending(self) -> ContributionQuerySet:
        return self.filter(status=PENDING)


class Contribution(models.Model):
    """What one contributor wrote for their part of a PEP: a draft until the DT accepts or sets it aside."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="contribution")
    pep = models.ForeignKey(PepMeeting, on_delete=models.CASCADE, related_name="contributions")
    # The questions asked and the answers given, in order: [[question, answer], ...], so the record
    # reads the same whatever the form asks later.
    answers = models.JSONField(default=list)
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=9, choices=CONTRIBUTION_STATUSES, default=PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.invitation.get_role_display()}'s part, {self.submitted_at:%-d %b %Y}"

    @property
    def by(self) -> str:
        """Who wrote it, as the PEP and its PDF say: the child's part names the adult who helped."""
        if self.invitation.role == CHILD:
            return f"the child (helped by {self.invitation.name})"
        return f"{self.invitation.name} ({self.invitation.get_role_display().lower()})"


class QualityReview(models.Model):
    """The Virtual School adviser's rating of a held PEP, section by section against the school's checklist."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="quality_review")
    pep = models.ForeignKey(PepMeeting, on_delete=models.CASCADE, related_name="quality_reviews")
    # [[section, rating], ...] in the checklist's order.
    sections = models.JSONField(default=list)
    rating = models.CharField(max_length=5, choices=RATINGS)
    feedback = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"Rated {self.get_rating_display().lower()} by {self.invitation.name}, {self.submitted_at:%-d %b %Y}"

    @property
    def section_rows(self) -> list[tuple[str, str]]:
        labels = dict(RATINGS)
        return [(section, labels.get(rating, rating)) for section, rating in self.sections]
