"""Flags derived from a pupil's suspensions and exclusions (never stored)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from cwsw.terms import SchoolCalendar
from pupils import cohort

from .models import (
    ALTERNATIVE_PROVISION_FROM_DAY,
    EXCLUDING,
    PERMANENT_EXCLUSION,
    REINSTATEMENT_TERM_DAYS,
    SUSPENSION,
    ExclusionConsultation,
)

HAS_SOCIAL_WORKER = (cohort.CLA, cohort.CWSW)


@dataclass
class ExclusionFlags:
    consult_first: bool = False
    reinstatement_review: bool = False
    alternative_provision: bool = False
    different_intervention: bool = False
    notifications_due: list[str] = field(default_factory=list)
    term_days: Decimal = Decimal("0")
    last_day: dt.date | None = None

    def awaiting_action(self, *, consults: bool) -> bool:
        """Waiting for the Virtual School consultation (for those who consult) or for notifications."""
        return bool(self.notifications_due or (consults and self.consult_first))

    @property
    def any(self) -> bool:
        return bool(self.consult_first or self.reinstatement_review or self.alternative_provision
                    or self.different_intervention or self.notifications_due)


def exclusion_flags(
    exclusion: ExclusionConsultation,
    *,
    pupil_exclusions: Iterable[ExclusionConsultation],
    category: str | None,
    calendar: SchoolCalendar,
) -> ExclusionFlags:
    """Work out what needs doing about one exclusion, given the pupil's others and category."""
    flags = ExclusionFlags()
    if not exclusion.decision:
        flags.consult_first = category == cohort.CLA and exclusion.consulted_on is None
        return flags
    if exclusion.decision not in EXCLUDING:
        return flags
    day = exclusion.first_day or exclusion.decision_date
    term = calendar.term_of(day)
    if term:
        in_term = [
            e for e in pupil_exclusions
            if e.decision == SUSPENSION and term.start <= (e.first_day or e.decision_date) <= term.end
        ]
        flags.term_days = sum((e.days or Decimal("0") for e in in_term), Decimal("0"))
        earlier = [e for e in in_term if (e.decision_date, e.pk) < (exclusion.decision_date, exclusion.pk)]
        flags.different_intervention = exclusion.decision == SUSPENSION and bool(earlier)
    flags.reinstatement_review = (
        exclusion.decision == PERMANENT_EXCLUSION
        or flags.term_days > REINSTATEMENT_TERM_DAYS
        or exclusion.public_exam_missed
    )
    flags.alternative_provision = exclusion.decision == PERMANENT_EXCLUSION or (
        exclusion.days is not None and exclusion.days > ALTERNATIVE_PROVISION_FROM_DAY - 1
    )
    if category in HAS_SOCIAL_WORKER and not exclusion.social_worker_notified_on:
        flags.notifications_due.append("social worker")
    if category == cohort.CLA and not exclusion.vsh_notified_on:
        flags.notifications_due.append("Virtual School Head")
    if exclusion.decision == SUSPENSION and exclusion.first_day and exclusion.days:
        whole_days = math.ceil(exclusion.days)
        start = exclusion.first_day
        flags.last_day = start if whole_days <= 1 else calendar.add_school_days(start, whole_days - 1)
    return flags
