"""Reads about Pupil Premium Plus: a year's totals, for the school or one pupil."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cwsw.terms import financial_year_label
from pupils.models import Pupil, PupilQuerySet

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


# How the per-pupil list may be sorted: ?sort= value -> the ordering, and the words for it.
PUPIL_ORDERS = {
    "name": (("last_name", "first_name", "pk"), "Name"),
    "balance": (("-balance", "last_name", "pk"), "Most unspent first"),
    "spent": (("-spent", "last_name", "pk"), "Most spent first"),
}


def _year_total(queryset: object, pupil_path: str) -> Subquery:
    """The sum of `amount` over the rows of one pupil (by `pupil_path`), as a subquery (0 when none)."""
    money = DecimalField(max_digits=9, decimal_places=2)
    totals = (queryset.filter(**{pupil_path: OuterRef("pk")}).order_by().values(pupil_path)
              .annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(totals, output_field=money), Value(ZERO), output_field=money)


def pp_pupils(*, financial_year: int, sort: str = "name") -> PupilQuerySet:
    """Each pupil with PP+ allocated in a financial year: allocated, spent and the balance, as one query (the
    page paginates it); withdrawn allocations and spends count in nothing."""
    allocations = PpPlusAllocation.objects.live().filter(financial_year=financial_year)
    spends = PpPlusSpend.objects.live().filter(allocation__financial_year=financial_year)
    ordering = PUPIL_ORDERS.get(sort, PUPIL_ORDERS["name"])[0]
    # The allocation a new spend goes against: the earliest of the year with money left.
    open_allocation = (allocations.filter(pupil_id=OuterRef("pk")).with_spent().filter(spent__lt=F("amount"))
                       .order_by("received_on", "pk").values("pk")[:1])
    return (Pupil.objects.filter(pk__in=allocations.values("pupil_id")).with_category()
            .annotate(allocated=_year_total(allocations, "pupil_id"),
                      spent=_year_total(spends, "allocation__pupil_id"),
                      open_allocation=Subquery(open_allocation))
            .annotate(balance=F("allocated") - F("spent"))
            .only("pk", "first_name", "last_name", "upn").order_by(*ordering))
