"""Reads for the casework pages: each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Sum

from cwsw.models import SchoolProfile, Term
from cwsw.terms import academic_year_bounds
from pupils import cohort
from pupils.models import CareEpisode, Pupil

from . import compliance
from .exclusions import ExclusionFlags, exclusion_flags
from .models import (
    SPEND_CATEGORIES,
    ZERO,
    ExclusionConsultation,
    PepMeeting,
    PpPlusAllocation,
    PpPlusSpend,
    financial_year_label,
)


def _cla_prefetch() -> Prefetch:
    return Prefetch(
        "episodes", queryset=CareEpisode.objects.filter(kind=cohort.CLA).order_by("start_date"),
        to_attr="cla_episodes",
    )


def _slots_for(pupil: Pupil, terms: list, peps: list[PepMeeting], school_days: int, calendar: Any,
               today: dt.date) -> list[compliance.Slot]:
    return compliance.pep_slots(
        cla_periods=[compliance.Period(e.start_date, e.end_date) for e in pupil.cla_episodes],
        on_roll=compliance.Period(pupil.admission_date, pupil.leaving_date and pupil.leaving_date - dt.timedelta(1)),
        terms=terms, peps=peps, school_days=school_days, calendar=calendar, today=today,
    )


@dataclass
class GridRow:
    pupil: Pupil
    slots: list[compliance.Slot]
    held: int


@dataclass
class Grid:
    academic_year: int
    terms: list
    rows: list[GridRow]
    counts: list


def compliance_grid(*, user: Any, academic_year: int, today: dt.date) -> Grid:
    """Every looked-after child on roll in the year (that the user may see), by term."""
    return school_compliance_grid(pupils=Pupil.objects.visible_to(user), academic_year=academic_year, today=today)


def school_compliance_grid(*, pupils: Any, academic_year: int, today: dt.date) -> Grid:
    """The compliance grid over the given pupils: on time, late, missing, due soon."""
    first, last = academic_year_bounds(academic_year)
    calendar = Term.calendar(academic_year - 1, academic_year + 1)
    terms = [t for t in calendar.terms if t.academic_year == academic_year]
    school_days = SchoolProfile.load().initial_pep_school_days
    peps = PepMeeting.objects.filter(academic_year=academic_year).order_by("meeting_date")
    pupils = (
        pupils.looked_after_during(first, last)
        .prefetch_related(_cla_prefetch(), Prefetch("peps", queryset=peps, to_attr="year_peps"))
        .order_by("last_name", "first_name", "pk")
    )
    rows = []
    for pupil in pupils:
        slots = _slots_for(pupil, terms, pupil.year_peps, school_days, calendar, today)
        held = sum(1 for p in pupil.year_peps if p.status in ("held", "complete"))
        rows.append(GridRow(pupil, slots, held))
    return Grid(academic_year, terms, rows, compliance.term_counts([r.slots for r in rows], terms))


def pupil_slots(*, pupil: Pupil, academic_year: int, today: dt.date) -> list[compliance.Slot]:
    calendar = Term.calendar(academic_year - 1, academic_year + 1)
    terms = [t for t in calendar.terms if t.academic_year == academic_year]
    pupil.cla_episodes = list(pupil.episodes.filter(kind=cohort.CLA).order_by("start_date"))
    peps = list(pupil.peps.filter(academic_year=academic_year))
    return _slots_for(pupil, terms, peps, SchoolProfile.load().initial_pep_school_days, calendar, today)


def pupil_exclusions(*, pupil: Pupil, today: dt.date) -> list[tuple[ExclusionConsultation, ExclusionFlags]]:
    exclusions = list(pupil.exclusions.all())
    if not exclusions:
        return []
    years = [e.incident_date.year for e in exclusions]
    calendar = Term.calendar(min(years) - 1, max(years) + 1)
    episodes = list(pupil.episodes.all())
    return [
        (e, exclusion_flags(
            e, pupil_exclusions=exclusions, calendar=calendar,
            category=cohort.category_from_episodes(episodes, e.decision_date or today),
        ))
        for e in exclusions
    ]


@dataclass
class PpSummary:
    financial_year: int
    allocated: Decimal
    spent: Decimal
    by_category: list[tuple[str, Decimal]]
    pupils: int

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.spent

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


def pp_summary(*, financial_year: int, pupil: Pupil | None = None) -> PpSummary:
    """Allocated, spent and spent by category in a financial year, for the school or one pupil."""
    allocations = PpPlusAllocation.objects.filter(financial_year=financial_year)
    spends = PpPlusSpend.objects.filter(allocation__financial_year=financial_year)
    if pupil is not None:
        allocations = allocations.filter(pupil=pupil)
        spends = spends.filter(allocation__pupil=pupil)
    totals = allocations.aggregate(total=Sum("amount"), pupils=Count("pupil", distinct=True))
    by_category = dict(spends.values_list("category").annotate(total=Sum("amount")).order_by())
    labels = dict(SPEND_CATEGORIES)
    return PpSummary(
        financial_year=financial_year,
        allocated=totals["total"] or ZERO,
        spent=sum(by_category.values(), ZERO),
        by_category=[(labels[c], by_category[c]) for c, _ in SPEND_CATEGORIES if c in by_category],
        pupils=totals["pupils"],
    )


def pupil_allocations(*, pupil: Pupil) -> list[PpPlusAllocation]:
    return list(
        pupil.pp_allocations.with_spent().prefetch_related(
            Prefetch("spends", queryset=PpPlusSpend.objects.select_related("target__pep"))
        )
    )


def exclusions_overview(*, user: Any, academic_year: int, today: dt.date) -> list:
    """The year's exclusion records with their flags, school-wide."""
    first, last = academic_year_bounds(academic_year)
    pupils = (
        Pupil.objects.visible_to(user)
        .filter(exclusions__incident_date__range=(first, last)).distinct()
        .prefetch_related("exclusions", "episodes")
    )
    calendar = Term.calendar(academic_year - 1, academic_year + 1)
    rows = []
    for pupil in pupils:
        all_exclusions = list(pupil.exclusions.all())
        episodes = list(pupil.episodes.all())
        for e in all_exclusions:
            if first <= e.incident_date <= last:
                category = cohort.category_from_episodes(episodes, e.decision_date or today)
                rows.append((e, category, exclusion_flags(
                    e, pupil_exclusions=all_exclusions, calendar=calendar, category=category)))
    rows.sort(key=lambda r: (r[0].incident_date, r[0].pk), reverse=True)
    return rows
