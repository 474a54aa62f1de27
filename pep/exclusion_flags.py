"""Flags derived from a pupil's suspensions and exclusions (never stored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from cwsw.terms import SchoolCalendar, TermDates
from pupils import cohort
from pupils.models import spell_holds_on

from .models import (
    ALTERNATIVE_PROVISION_FROM_DAY,
    EXCLUDING,
    PERMANENT_EXCLUSION,
    REINSTATEMENT_TERM_DAYS,
    SUSPENSION,
    ExclusionConsultation,
)

HAS_SOCIAL_WORKER = cohort.HAS_SOCIAL_WORKER
# SEN support (K) or an EHC plan (E): suspending such a pupil calls for a warning.
SEN_WARNING_CODES = ("K", "E")


@dataclass
class ExclusionFlags:
    consult_first: bool = False
    reinstatement_review: bool = False
    alternative_provision: bool = False
    # A looked-after child: agree provision with the Virtual School from the first day.
    agree_provision_with_virtual_school: bool = False
    different_intervention: bool = False
    sen_warning: bool = False
    notifications_due: list[str] = field(default_factory=list)
    term_days: Decimal = Decimal("0")
    last_day: dt.date | None = None
    # Days served in each term (a suspension over a holiday is served in two terms or years).
    days_by_term: list[tuple[TermDates, Decimal]] = field(default_factory=list)

    def awaiting_action(self, *, consults: bool) -> bool:
        """Waiting for the Virtual School consultation (for those who consult) or for notifications."""
        return bool(self.notifications_due or (consults and self.consult_first))

    def to_do(self) -> list[tuple[str, str]]:
        """What the record calls for, in words, each with how urgent ("danger" or "warning"): the page's badges
        and the export's column both read this."""
        items = [
            (self.consult_first, "Consult the Virtual School first", "danger"),
            (bool(self.notifications_due), f"Tell the {' and the '.join(self.notifications_due)}", "danger"),
            (self.reinstatement_review, "Governors must consider reinstatement", "danger"),
            (self.alternative_provision, "Full-time alternative provision from day 6", "warning"),
            (self.different_intervention, "Second suspension this term: different intervention needed", "warning"),
            (self.agree_provision_with_virtual_school,
             "Looked after: agree provision with the Virtual School from the first day", "warning"),
            (self.sen_warning, "Has SEN support or an EHC plan: check the suspension is lawful and reasonable",
             "warning"),
        ]
        return [(words, level) for shown, words, level in items if shown]

    @property
    def any(self) -> bool:
        return bool(self.consult_first or self.reinstatement_review or self.alternative_provision
                    or self.different_intervention or self.notifications_due
                    or self.agree_provision_with_virtual_school)


def with_category(exclusions: QuerySet, *, today: dt.date) -> QuerySet:
    """Annotate `category`: the pupil's category on the decision date (today while undecided), as the
    flags take it, read from the stored category spells."""
    # A join on the pupil's spell that holds that day (at most one): the filters read it once a row, where a
    # subquery would be written out, and run, for each place they name the category.
    day = Coalesce(F("decision_date"), Value(today))
    spell = FilteredRelation("pupil__category_spells", condition=spell_holds_on(day, via="pupil__category_spells__"))
    return exclusions.annotate(decision_day_spell=spell).annotate(category=F("decision_day_spell__category"))


def awaiting_action(exclusions: QuerySet, *, today: dt.date, consults: bool) -> QuerySet:
    """The exclusions whose flags say `awaiting_action`, found by the database instead of by
    working out every flag (the tests hold the two to the same answer)."""
    notify = Q(decision__in=EXCLUDING) & (
        Q(category__in=HAS_SOCIAL_WORKER, social_worker_notified_on__isnull=True)
        | Q(category=cohort.CLA, vsh_notified_on__isnull=True)
    )
    consult = Q(decision="", category=cohort.CLA, consulted_on__isnull=True)
    return with_category(exclusions, today=today).filter(notify | consult if consults else notify)


def _run_positions(days: list[dt.date], calendar: SchoolCalendar) -> dict[dt.date, int]:
    """For each day served, which day it is (1, 2, ...) of its run of consecutive school days out."""
    positions: dict[dt.date, int] = {}
    previous = None
    for day in sorted(set(days)):
        run_on = previous is not None and calendar.add_school_days(previous, 1) == day
        positions[day] = positions[previous] + 1 if run_on else 1
        previous = day
    return positions


def exclusion_flags(
    exclusion: ExclusionConsultation,
    *,
    pupil_exclusions: Iterable[ExclusionConsultation],
    category: str | None,
    calendar: SchoolCalendar,
    sen_status: str = "",
) -> ExclusionFlags:
    """Work out what needs doing about one exclusion, given the pupil's others and category.

    Days are counted where they are served, on the school calendar; whatever dates are
    stored, this answers (a date far away simply has no school days near it).
    """
    flags = ExclusionFlags()
    if not exclusion.decision:
        flags.consult_first = category == cohort.CLA and exclusion.consulted_on is None
        return flags
    if exclusion.decision not in EXCLUDING:
        return flags
    suspensions = [e for e in pupil_exclusions if e.decision == SUSPENSION]
    served = {e.pk: e.served_days(calendar) for e in suspensions}
    mine = exclusion.served_days(calendar) if exclusion.pk not in served else served[exclusion.pk]
    by_term: dict[TermDates, Decimal] = {}
    for other in suspensions:
        for day, part in served[other.pk]:
            term = calendar.term_of(day)
            if term is not None:
                by_term[term] = by_term.get(term, Decimal("0")) + part
    my_terms: dict[TermDates, Decimal] = {}
    for day, part in mine:
        term = calendar.term_of(day)
        if term is not None:
            my_terms[term] = my_terms.get(term, Decimal("0")) + part
    flags.days_by_term = sorted(my_terms.items(), key=lambda item: item[0].start)
    first_term = calendar.term_of(mine[0][0] if mine else (exclusion.first_day or exclusion.decision_date))
    if first_term is not None:
        flags.term_days = by_term.get(first_term, Decimal("0"))
        earlier = [
            e for e in suspensions
            if (e.decision_date, e.pk or 0) < (exclusion.decision_date, exclusion.pk or 0)
            and served[e.pk] and calendar.term_of(served[e.pk][0][0]) == first_term
        ]
        flags.different_intervention = exclusion.decision == SUSPENSION and bool(earlier)
    flags.reinstatement_review = (
        exclusion.decision == PERMANENT_EXCLUSION
        or any(by_term.get(term, Decimal("0")) > REINSTATEMENT_TERM_DAYS for term in my_terms)
        or exclusion.public_exam_missed
    )
    # Back-to-back suspensions count as one run of days out of school.
    # The duty starts on the sixth consecutive day: the suspension that day falls in carries the flag.
    runs = _run_positions([day for days in served.values() for day, _ in days] + [d for d, _ in mine], calendar)
    flags.alternative_provision = exclusion.decision == PERMANENT_EXCLUSION or any(
        runs.get(day, 0) >= ALTERNATIVE_PROVISION_FROM_DAY for day, _ in mine
    )
    flags.agree_provision_with_virtual_school = category == cohort.CLA
    flags.sen_warning = sen_status in SEN_WARNING_CODES
    if category in HAS_SOCIAL_WORKER and not exclusion.social_worker_notified_on:
        flags.notifications_due.append("social worker")
    if category == cohort.CLA and not exclusion.vsh_notified_on:
        flags.notifications_due.append("Virtual School Head")
    if mine:
        flags.last_day = mine[-1][0]
    return flags
