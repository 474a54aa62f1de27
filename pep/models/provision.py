"""Alternative provision and part-time timetables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pupils import cohort
from pupils.models import Pupil

from .meetings import PepTarget


def school_week_hours() -> Decimal:
    """The school's full-time week (SCHOOL_WEEK_HOURS; 32.5, the minimum the DfE expects since September 2024):
    what a new arrangement's hours are a part of, unless the year group's week differs."""
    return Decimal(str(settings.SCHOOL_WEEK_HOURS))


PROVISION_KINDS = [("alternative", "Alternative provision"), ("part_time", "Part-time timetable")]
# A review is listed from this many days before it is due, and for as long as it is overdue.
PROVISION_REVIEW_SOON_DAYS = 14


class ProvisionQuerySet(models.QuerySet):
    def current(self, day: dt.date) -> ProvisionQuerySet:
        """Started on or before the day and not ended before it."""
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))

    def during(self, first: dt.date, last: dt.date) -> ProvisionQuerySet:
        return self.filter(start_date__lte=last).filter(Q(end_date__isnull=True) | Q(end_date__gte=first))

    def review_due(self, today: dt.date) -> ProvisionQuerySet:
        """Current arrangements whose review is overdue or due within PROVISION_REVIEW_SOON_DAYS days."""
        return self.current(today).filter(review_due__lte=today + dt.timedelta(days=PROVISION_REVIEW_SOON_DAYS))


class Provision(models.Model):
    """Time a pupil spends off the school's full-time timetable: at an alternative provider, or on a
    part-time timetable. Both are meant to be short, reviewed, and (for a looked-after child) agreed
    with the Virtual School."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="provisions")
    kind = models.CharField("what it is", max_length=12, choices=PROVISION_KINDS)
    provider = models.CharField(
        max_length=150, blank=True, help_text="Who provides it. Needed for alternative provision.",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty while it goes on.")
    hours_a_week = models.DecimalField(
        "hours a week", max_digits=3, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))],
        help_text="Hours a week in school or at the provider under this arrangement.",
    )
    full_time_hours = models.DecimalField(
        "full time (hours a week)", max_digits=3, decimal_places=1, default=school_week_hours,
        validators=[MinValueValidator(Decimal("15")), MaxValueValidator(Decimal("40"))],
        help_text="The school's full-time week for this pupil's year group.",
    )
    reason = models.TextField(help_text="Why, and what it is meant to achieve.")
    review_due = models.DateField("next review", help_text="When the arrangement will next be reviewed.")
    vs_agreed_on = models.DateField(
        "Virtual School agreed on", null=True, blank=True,
        help_text="For a looked-after child: the date the Virtual School agreed to it.",
    )
    target = models.ForeignKey(
        PepTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="provisions",
        verbose_name="PEP target it serves",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ProvisionQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["review_due"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="provision_ends_after_start"),
            models.CheckConstraint(condition=Q(hours_a_week__lte=models.F("full_time_hours")),
                                   name="provision_hours_at_most_full_time"),
        ]

    def __str__(self) -> str:
        where = f" at {self.provider}" if self.provider else ""
        return f"{self.get_kind_display()}{where} from {self.start_date:%-d %b %Y}"

    def is_current(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def review_overdue(self, day: dt.date) -> bool:
        return self.is_current(day) and self.review_due < day

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.kind == "alternative" and not self.provider.strip():
            errors["provider"] = "Enter who provides the alternative provision."
        if self.start_date:
            if self.start_date > today + dt.timedelta(days=366):
                errors["start_date"] = "The start is more than a year ahead; check the year."
            elif self.pupil_id and self.start_date < self.pupil.admission_date:
                errors["start_date"] = (f"The pupil was admitted on {self.pupil.admission_date:%-d %b %Y}; "
                                        "the arrangement cannot start before that.")
            if self.end_date and self.end_date < self.start_date:
                errors["end_date"] = "The end cannot be before the start."
            if self.review_due and self.review_due < self.start_date:
                errors["review_due"] = "The review cannot be before the arrangement starts."
            elif self.review_due and self.review_due > self.start_date + dt.timedelta(days=366):
                errors["review_due"] = "Review it within a year of the start (most are reviewed every few weeks)."
            if self.vs_agreed_on and self.vs_agreed_on > today:
                errors["vs_agreed_on"] = "The date of the agreement cannot be in the future."
            elif self.vs_agreed_on and self.vs_agreed_on < self.start_date - dt.timedelta(days=366):
                errors["vs_agreed_on"] = "The agreement is more than a year before the start; check the year."
        if (self.hours_a_week is not None and self.full_time_hours is not None
                and self.hours_a_week > self.full_time_hours):
            errors["hours_a_week"] = (f"That is more than full time ({self.full_time_hours:g} hours); "
                                      "a full-time timetable needs no record here.")
        if self.target_id and self.pupil_id and self.target.pep.pupil_id != self.pupil_id:
            errors["target"] = "Choose one of this pupil's PEP targets."
        if errors:
            raise ValidationError(errors)

    @property
    def share_of_full_time(self) -> Decimal:
        """Hours as a percentage of full time, to a whole number."""
        return (self.hours_a_week * 100 / self.full_time_hours).quantize(Decimal("1"))

    def needs_vs_agreement(self, category: str | None) -> bool:
        """A looked-after child's arrangement with no Virtual School agreement recorded."""
        return category == cohort.CLA and self.vs_agreed_on is None
