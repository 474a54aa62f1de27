"""The annual Report to Governors, what goes into it, and the record of e-mails sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw.builds import BackgroundBuild
from cwsw.terms import TERM_CHOICES, academic_year_label

PERCENT = {"max_digits": 4, "decimal_places": 1,
           "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


class GovernorReport(BackgroundBuild):
    """One academic year's anonymised report, built as a PDF by a Celery task."""

    noun = "report"
    upload_dir = "reports"

    academic_year = models.PositiveSmallIntegerField(unique=True)
    # The PDF's charts (SVG, anonymised and suppressed like the PDF), shown on the report's page too.
    charts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-academic_year"]

    def __str__(self) -> str:
        return f"Report to Governors {academic_year_label(self.academic_year)}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:governor_report", args=[self.pk])

    @property
    def year_label(self) -> str:
        return academic_year_label(self.academic_year)


class ReportNarrative(models.Model):
    """The designated teacher's own words for the year's report."""

    academic_year = models.PositiveSmallIntegerField(unique=True)
    strengths = models.TextField(blank=True, help_text="What went well. Do not name pupils.")
    priorities = models.TextField("priorities for next year", blank=True, help_text="Do not name pupils.")

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Narrative {academic_year_label(self.academic_year)}"


class SchoolFigures(models.Model):
    """Whole-school figures for one term, to compare the cohort against."""

    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=TERM_CHOICES)
    pupils_on_roll = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5000)])
    attendance_percent = models.DecimalField("attendance (%)", **PERCENT)
    persistent_absence_percent = models.DecimalField("persistently absent (%)", **PERCENT)
    suspensions = models.PositiveIntegerField("suspensions (number)")
    suspension_days = models.DecimalField("days lost to suspension", max_digits=7, decimal_places=1,
                                          validators=[MinValueValidator(Decimal("0"))])
    permanent_exclusions = models.PositiveIntegerField()
    reading_expected_percent = models.DecimalField("reading at expected or above (%)", **PERCENT)
    writing_expected_percent = models.DecimalField("writing at expected or above (%)", **PERCENT)
    maths_expected_percent = models.DecimalField("maths at expected or above (%)", **PERCENT)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "term"], name="one_school_figures_per_term"),
        ]
        ordering = ["academic_year", "term"]

    def __str__(self) -> str:
        return f"Whole-school figures, {self.get_term_display()} {academic_year_label(self.academic_year)}"

    def clean(self) -> None:
        if self.suspensions == 0 and self.suspension_days:
            raise ValidationError({"suspension_days": "There are days lost but no suspensions."})


class TrainingRecord(models.Model):
    DT, DSL, WHOLE_STAFF = "dt", "dsl", "whole_staff"
    AUDIENCES = [(DT, "Designated teacher"), (DSL, "Designated safeguarding lead"), (WHOLE_STAFF, "Whole staff")]

    attended_by = models.CharField(max_length=11, choices=AUDIENCES)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))])

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_attended_by_display()}, {self.date:%-d %b %Y})"

    def clean(self) -> None:
        if self.date and not (dt.date(2000, 1, 1) <= self.date <= timezone.localdate()):
            raise ValidationError({"date": "Enter the date the training took place (not in the future)."})


class DigestSent(models.Model):
    """A user's daily reminder e-mail: the unique key makes a second one that day impossible."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    items = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_per_day")]

    def __str__(self) -> str:
        return f"Digest to {self.user} on {self.day}"


class FlagNotice(models.Model):
    """The designated teachers were told at once about this new CWSW flag (once only)."""

    episode = models.OneToOneField("pupils.CareEpisode", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Flag notice for episode {self.episode_id}"
