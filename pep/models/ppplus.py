"""Pupil Premium Plus: the rate per pupil, allocations received and what they were spent on.

Money is Decimal. A correction or withdrawal keeps the history; nothing is deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw.terms import financial_year_bounds, financial_year_label, financial_year_of
from pupils import cohort
from pupils.models import Pupil

from .meetings import PepTarget
from .money import MONEY, ZERO


class PpPlusRate(models.Model):
    """The PP+ rate per pupil for one financial year: the one table of rates."""

    financial_year = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(2010), MaxValueValidator(2100)],
        help_text="The April it starts: 2025 for 2025-26.",
    )
    amount = models.DecimalField("rate per pupil (£)", **MONEY, validators=[MinValueValidator(Decimal("1"))])

    class Meta:
        ordering = ["-financial_year"]

    def __str__(self) -> str:
        return f"{financial_year_label(self.financial_year)}: £{self.amount:,}"

    @classmethod
    def rate_for(cls, financial_year: int) -> Decimal | None:
        return cls.objects.filter(financial_year=financial_year).values_list("amount", flat=True).first()


VIRTUAL_SCHOOL, DIRECT = "virtual_school", "direct"
SOURCES = [(VIRTUAL_SCHOOL, "Virtual School (looked after)"), (DIRECT, "Paid to the school (previously looked after)")]


class AllocationQuerySet(models.QuerySet):
    def live(self) -> AllocationQuerySet:
        """Allocations not withdrawn (a withdrawn one stays on file, with its reason)."""
        return self.filter(withdrawn_at__isnull=True)

    def with_spent(self) -> AllocationQuerySet:
        return self.annotate(spent=models.functions.Coalesce(
            Sum("spends__amount", filter=Q(spends__withdrawn_at__isnull=True)), ZERO))


class Withdrawable(models.Model):
    """A money record that is corrected or withdrawn with a reason, never deleted."""

    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField("reason for withdrawing", blank=True)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class PpPlusAllocation(Withdrawable):
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="pp_allocations")
    financial_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2010), MaxValueValidator(2100)],
        help_text="The April it starts: 2025 for 2025-26.",
    )
    amount = models.DecimalField(
        "amount (£)", **MONEY, validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("20000"))],
    )
    source = models.CharField(max_length=15, choices=SOURCES)
    received_on = models.DateField()
    note = models.CharField(max_length=200, blank=True, help_text="E.g. 'Autumn release, tied to the PEP'.")

    history = HistoricalRecords()
    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["-financial_year", "received_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")]

    def __str__(self) -> str:
        return f"£{self.amount:,} {financial_year_label(self.financial_year)} ({self.get_source_display()})"

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    def clean(self) -> None:
        today = timezone.localdate()
        if self.financial_year and self.financial_year > financial_year_of(today) + 1:
            raise ValidationError({"financial_year": "That financial year has not started yet."})
        if self.received_on and self.financial_year:
            if self.received_on > today:
                raise ValidationError({"received_on": "The date received cannot be in the future."})
            if self.received_on < financial_year_bounds(self.financial_year - 1)[0]:
                raise ValidationError({"received_on": "That is long before the financial year starts."})
        if self.financial_year and self.pupil_id:
            first, last = financial_year_bounds(self.financial_year)
            if cohort.category_during(self.pupil.episodes.all(), first, last) not in (cohort.CLA, cohort.PLA):
                raise ValidationError({"financial_year": (
                    f"This pupil was neither looked after nor previously looked after in "
                    f"{financial_year_label(self.financial_year)}: PP+ is only for them."
                )})
        if self.pk and self.amount is not None and not self.is_withdrawn:
            spent = self.spends.live().aggregate(total=Sum("amount"))["total"] or ZERO
            if self.amount < spent:
                raise ValidationError({"amount": (
                    f"£{spent:,.2f} is already spent from this allocation; it cannot be less than that."
                )})

    @property
    def default_source(self) -> str:
        """Where PP+ comes from: the Virtual School for a looked-after child, else paid to the school."""
        if self.financial_year and self.pupil_id:
            first, last = financial_year_bounds(self.financial_year)
            if cohort.category_during(self.pupil.episodes.all(), first, last) == cohort.CLA:
                return VIRTUAL_SCHOOL
        return DIRECT

    def spent_total(self) -> Decimal:
        spent = getattr(self, "spent", None)
        if spent is None:
            spent = self.spends.live().aggregate(total=Sum("amount"))["total"] or ZERO
        return spent

    def remaining(self) -> Decimal:
        return self.amount - self.spent_total()


SPEND_CATEGORIES = [
    ("tuition", "Tuition and catch-up"),
    ("mentoring", "Mentoring and key adult time"),
    ("therapy", "Therapeutic support"),
    ("resources", "Resources and equipment"),
    ("enrichment", "Trips, clubs and enrichment"),
    ("attendance", "Attendance support"),
    ("training", "Staff training"),
    ("other", "Other"),
]


class SpendQuerySet(models.QuerySet):
    def live(self) -> SpendQuerySet:
        """Spends not withdrawn, from allocations not withdrawn."""
        return self.filter(withdrawn_at__isnull=True, allocation__withdrawn_at__isnull=True)


class PpPlusSpend(Withdrawable):
    allocation = models.ForeignKey(PpPlusAllocation, on_delete=models.PROTECT, related_name="spends")
    spent_on = models.DateField()
    amount = models.DecimalField(
        "amount (£)", **MONEY, validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("20000"))],
    )
    category = models.CharField(max_length=12, choices=SPEND_CATEGORIES)
    description = models.CharField("what it bought", max_length=300)
    target = models.ForeignKey(
        PepTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="spends",
        verbose_name="PEP target it serves",
    )
    impact = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = SpendQuerySet.as_manager()

    class Meta:
        ordering = ["spent_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spend_positive")]

    def __str__(self) -> str:
        return f"£{self.amount:,} on {self.spent_on:%-d %b %Y}: {self.description[:40]}"

    @property
    def carried_forward(self) -> bool:
        """Spent after its allocation's financial year ended (the money was carried forward)."""
        return bool(self.spent_on and self.allocation_id
                    and self.spent_on > financial_year_bounds(self.allocation.financial_year)[1])

    def clean(self) -> None:
        if self.target_id and self.allocation_id and self.target.pep.pupil_id != self.allocation.pupil_id:
            raise ValidationError({"target": "Choose one of this pupil's PEP targets: a spend serves a target of "
                                             "the pupil whose PP+ it is."})
        if self.spent_on:
            if self.spent_on > timezone.localdate():
                raise ValidationError({"spent_on": "The date of a spend cannot be in the future."})
            if self.allocation_id and self.spent_on < financial_year_bounds(self.allocation.financial_year)[0]:
                raise ValidationError(
                    {"spent_on": "The spend is dated before this allocation's financial year starts."}
                )
        if self.allocation_id and self.amount is not None and not self.is_withdrawn:
            self._check_overspend()

    def _check_overspend(self) -> None:
        """A spend may not take its allocation below zero (spend_record also locks the allocation)."""
        allocation = self.allocation
        if allocation.is_withdrawn:
            raise ValidationError("This allocation was withdrawn; nothing can be spent from it.")
        spent = allocation.spends.live().exclude(pk=self.pk).aggregate(total=Sum("amount"))["total"] or ZERO
        remaining = allocation.amount - spent
        if self.amount > remaining:
            raise ValidationError({"amount": (
                f"This would overspend the allocation: £{remaining:,.2f} of £{allocation.amount:,.2f} "
                f"remains, and this spend is £{self.amount:,.2f}."
            )})
