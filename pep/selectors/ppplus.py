"""Reads about Pupil Premium Plus: a year's totals, for the school or one pupil."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Sum

from cwsw.terms import financial_year_label
from pupils.models import Pupil

from ..models import SPEND_CATEGORIES, ZERO, PpPlusAllocation, PpPlusSpend


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
    allocations = PpPlusAllocation.objects.live().filter(financial_year=financial_year)
    spends = PpPlusSpend.objects.live().filter(allocation__financial_year=financial_year)
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
