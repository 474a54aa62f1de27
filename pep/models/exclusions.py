"""Suspensions, permanent exclusions and the Virtual School consultation before them.

The flags worked out from a pupil's suspensions are in `pep.exclusion_flags`.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw.models import Term
from cwsw.terms import SchoolCalendar, academic_year_label
from pupils import cohort
from pupils.models import Pupil

NO_EXCLUSION, SUSPENSION, PERMANENT_EXCLUSION = "no_exclusion", "suspension", "permanent_exclusion"
DECISIONS = [
    (NO_EXCLUSION, "No exclusion (another intervention)"),
    (SUSPENSION, "Suspension"),
    (PERMANENT_EXCLUSION, "Permanent exclusion"),
]
EXCLUDING = (SUSPENSION, PERMANENT_EXCLUSION)
MAX_SUSPENSION_DAYS_A_YEAR = Decimal("45")
REINSTATEMENT_TERM_DAYS = Decimal("15")
ALTERNATIVE_PROVISION_FROM_DAY = 6


class ExclusionQuerySet(models.QuerySet):
    def suspensions(self) -> ExclusionQuerySet:
        return self.filter(decision=SUSPENSION)


class ExclusionConsultation(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="exclusions")
    incident_date = models.DateField()
    incident = models.TextField("what happened")
    proposed_action = models.CharField(max_length=20, choices=DECISIONS)

    consulted_on = models.DateField(
        "Virtual School consulted on", null=True, blank=True,
        help_text="For a looked-after child, before any decision to suspend or exclude.",
    )
    vs_adviser = models.CharField("Virtual School adviser", max_length=100, blank=True)
    vs_advice = models.TextField("advice given", blank=True)
    alternatives_considered = models.TextField(blank=True)

    decision = models.CharField(max_length=20, choices=DECISIONS, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    first_day = models.DateField("first day of the suspension", null=True, blank=True)
    days = models.DecimalField(
        "school days", max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(MAX_SUSPENSION_DAYS_A_YEAR)],
        help_text="Halves allowed: a lunchtime suspension is half a day.",
    )
    public_exam_missed = models.BooleanField(default=False)
    pla_parent_consent = models.BooleanField(
        "parents agreed to the Virtual School being consulted", default=False,
        help_text="Previously looked-after children only: the Virtual School is consulted with the parents' consent.",
    )

    social_worker_notified_on = models.DateField(null=True, blank=True)
    vsh_notified_on = models.DateField("Virtual School Head notified on", null=True, blank=True)
    reintegration_meeting_on = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    objects = ExclusionQuerySet.as_manager()

    class Meta:
        ordering = ["-incident_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__gt=0), name="exclusion_days_positive",
            ),
        ]

    def __str__(self) -> str:
        what = self.get_decision_display() if self.decision else f"Proposed {self.get_proposed_action_display()}"
        return f"{what}, incident {self.incident_date:%-d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("pep:exclusion_edit", args=[self.pk])

    def served_days(self, calendar: SchoolCalendar) -> list[tuple[dt.date, Decimal]]:
        """The school days a suspension covers, each with the part of a day served (a lunchtime is half).

        The first n school days from its first day (the decision date if none is given).
        A permanent exclusion has no count of days.
        """
        if self.decision != SUSPENSION or not self.days:
            return []
        start = self.first_day or self.decision_date
        if start is None:
            return []
        whole = math.ceil(self.days)
        days = calendar.school_days_from(start, whole)
        served = [(day, Decimal("1")) for day in days]
        if served and len(served) == whole and self.days != whole:
            served[-1] = (served[-1][0], self.days - (whole - 1))
        return served

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        for name in ("incident_date", "consulted_on", "decision_date", "first_day",
                     "social_worker_notified_on", "vsh_notified_on"):
            value = getattr(self, name)
            if value and value > today + dt.timedelta(days=1) and name != "first_day":
                errors[name] = "This date is still to come."
            if value and value < dt.date(2000, 1, 1):
                errors[name] = "Enter a date from 2000 onwards."
        if errors:
            raise ValidationError(errors)
        if self.incident_date:
            for name in ("consulted_on", "decision_date"):
                value = getattr(self, name)
                if value and value < self.incident_date:
                    errors[name] = "This cannot be before the incident."
        if bool(self.decision) != bool(self.decision_date):
            errors["decision_date" if self.decision else "decision"] = (
                "Record the decision and its date together."
            )
        if self.decision == SUSPENSION and not self.days:
            errors["days"] = "Enter how many school days the suspension lasts (halves allowed)."
        if self.decision != SUSPENSION and self.days:
            errors["days"] = "Only a suspension has a number of days."
        if self.days and (self.days * 2) % 1:
            errors["days"] = "Days are whole or half days (e.g. 1 or 0.5)."
        calendar = None
        if self.decision in EXCLUDING and self.first_day and self.decision_date:
            if self.first_day < self.decision_date:
                errors["first_day"] = "The suspension cannot start before the decision."
            elif self.first_day > self.decision_date + dt.timedelta(days=365):
                errors["first_day"] = "The first day must be within a year of the decision."
            else:
                calendar = Term.calendar()
                if not calendar.is_school_day(self.first_day):
                    errors["first_day"] = (
                        f"{self.first_day:%-d %b %Y} is not a school day (a weekend, holiday, closure or bank "
                        f"holiday); the next school day is {calendar.next_school_day(self.first_day):%-d %b %Y}."
                    )
        if self.decision_date:
            for name in ("social_worker_notified_on", "vsh_notified_on"):
                value = getattr(self, name)
                if value and value < self.decision_date:
                    errors[name] = "Notification comes after the decision."
        if not errors and self.decision in EXCLUDING and self.pupil_id and self.decision_date:
            self._check_consultation(errors)
        if not errors and self.decision == SUSPENSION and self.pupil_id:
            self._check_yearly_cap(errors, calendar or Term.calendar())
        if errors:
            raise ValidationError(errors)

    def _check_consultation(self, errors: dict[str, str]) -> None:
        """A looked-after child's suspension or exclusion needs the Virtual School consulted first."""
        category = self.pupil.cohort_category(self.decision_date)
        if category == cohort.PLA and self.consulted_on and not self.pla_parent_consent:
            errors["pla_parent_consent"] = (
                "This pupil was previously looked after: the Virtual School is consulted only with the parents' "
                "consent. Tick to record that they agreed, or leave the consultation date empty."
            )
        if category != cohort.CLA:
            return
        if not self.consulted_on:
            errors["consulted_on"] = (
                "This pupil is looked after: consult the Virtual School before deciding to "
                f"{'suspend' if self.decision == SUSPENSION else 'exclude'}, and record the date."
            )
        elif self.consulted_on > self.decision_date:
            errors["consulted_on"] = "The Virtual School must be consulted on or before the decision date."

    def _check_yearly_cap(self, errors: dict[str, str], calendar: SchoolCalendar) -> None:
        """At most 45 days of suspension served in an academic year, counted where each day is served."""
        my_days = self.served_days(calendar)
        mine = days_by_academic_year(my_days, calendar)
        if not mine:
            return
        others = ExclusionConsultation.objects.suspensions().filter(pupil_id=self.pupil_id).exclude(pk=self.pk)
        others_days = [d for other in others for d in other.served_days(calendar)]
        clash = sorted({day for day, _ in others_days} & {day for day, _ in my_days})
        if clash:
            errors["first_day"] = (
                f"This pupil is already suspended on {clash[0]:%-d %b %Y}: a day can be served only once."
            )
            return
        served = days_by_academic_year(others_days, calendar)
        for year in sorted(mine):
            already = served.get(year, Decimal("0"))
            if already + mine[year] > MAX_SUSPENSION_DAYS_A_YEAR:
                left = max(MAX_SUSPENSION_DAYS_A_YEAR - already, Decimal("0"))
                errors["days"] = (
                    f"A pupil can be suspended for at most {MAX_SUSPENSION_DAYS_A_YEAR.normalize():f} school days "
                    "in an academic year. "
                    f"{already.normalize():f} days are already served in {academic_year_label(year)}, "
                    f"so at most {left.normalize():f} more can be served in it."
                )
                return


def days_by_academic_year(served: list[tuple[dt.date, Decimal]], calendar: SchoolCalendar) -> dict[int, Decimal]:
    """Add up days served by the school's academic year each day falls in (an academy's August days count
    in the year its autumn term begins)."""
    totals: dict[int, Decimal] = {}
    for day, part in served:
        year = calendar.academic_year_of(day)
        totals[year] = totals.get(year, Decimal("0")) + part
    return totals
