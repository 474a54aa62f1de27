"""Casework for children looked after: PEPs and targets, Pupil Premium Plus, suspensions."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw.models import AccessLog, BackgroundBuild, Term
from cwsw.terms import (
    TERM_CHOICES,
    SchoolCalendar,
    academic_year_label,
    academic_year_of,
    financial_year_bounds,
    financial_year_label,
    financial_year_of,
)
from pupils import cohort
from pupils.models import Pupil

MONEY = {"max_digits": 9, "decimal_places": 2}
ZERO = Decimal("0.00")


# --- PEP meetings -------------------------------------------------------------------

PLANNED, HELD, COMPLETE = "planned", "held", "complete"
PEP_STATUSES = [(PLANNED, "Planned"), (HELD, "Held"), (COMPLETE, "Complete")]
RED, AMBER, GREEN = "red", "amber", "green"
RATINGS = [(RED, "Red"), (AMBER, "Amber"), (GREEN, "Green")]
ATTENDEES = [
    ("child", "Child"),
    ("carer", "Carer"),
    ("social_worker", "Social worker"),
    ("dt", "Designated teacher"),
    ("vs_adviser", "Virtual School adviser"),
    ("parent", "Parent"),
]
SDQ_BANDS = [(13, "Normal"), (16, "Borderline"), (40, "Cause for concern")]
# Every looked-after child on roll has a PEP review every term: at least this many a year.
PEPS_A_YEAR = 3


def sdq_band(total: int | None) -> str:
    """Return the band of an SDQ total: 0-13 normal, 14-16 borderline, 17-40 cause for concern."""
    if total is None:
        return ""
    return next(label for upper, label in SDQ_BANDS if total <= upper)


class PepMeeting(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="peps")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=TERM_CHOICES)
    is_initial = models.BooleanField("initial PEP", default=False)
    meeting_date = models.DateField(help_text="Planned date, then the date it was held.")
    status = models.CharField(max_length=8, choices=PEP_STATUSES, default=PLANNED)

    attendees = models.JSONField(default=list, blank=True)
    other_attendees = models.CharField(max_length=200, blank=True)
    child_views = models.TextField("the child's views", blank=True)
    attendance_percent = models.DecimalField(
        "attendance this term (%)", max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    attainment = models.TextField("current attainment", blank=True)
    sdq_total = models.PositiveSmallIntegerField(
        "SDQ total", null=True, blank=True, validators=[MaxValueValidator(40)],
        help_text="Strengths and Difficulties Questionnaire, 0 to 40.",
    )

    vs_rating = models.CharField("Virtual School rating", max_length=5, choices=RATINGS, blank=True)
    vs_feedback = models.TextField("Virtual School feedback", blank=True)

    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_date", "id"]
        indexes = [models.Index(fields=["academic_year", "term", "status"])]

    def __str__(self) -> str:
        kind = "Initial PEP" if self.is_initial else "PEP"
        return f"{kind} {self.get_term_display()} {academic_year_label(self.academic_year)}"

    def get_absolute_url(self) -> str:
        return reverse("pep:pep_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status == COMPLETE

    def refuse_if_locked(self, to: str = "change it") -> None:
        """The one home of the rule that a completed PEP (and its targets) cannot be changed."""
        if self.is_locked:
            raise ValidationError(f"This PEP is complete and locked. Reopen it to {to}.")

    @property
    def sdq_band(self) -> str:
        return sdq_band(self.sdq_total)

    @property
    def attendee_labels(self) -> list[str]:
        names = dict(ATTENDEES)
        labels = [names[a] for a in self.attendees if a in names]
        return labels + ([self.other_attendees] if self.other_attendees else [])

    @property
    def term_label(self) -> str:
        return f"{self.get_term_display()} {academic_year_label(self.academic_year)}"

    def clean(self) -> None:
        if self.meeting_date:
            today = timezone.localdate()
            if self.meeting_date < dt.date(2000, 1, 1) or self.meeting_date > today + dt.timedelta(days=400):
                raise ValidationError({"meeting_date": "Enter a meeting date within the next year."})
            if self.status in (HELD, COMPLETE) and self.meeting_date > today:
                raise ValidationError({"meeting_date": "A PEP cannot be held on a date still to come."})
        unknown = set(self.attendees or []) - {a for a, _ in ATTENDEES}
        if unknown:
            raise ValidationError({"attendees": "Choose attendees from the list."})
        if self.meeting_date and self.pupil_id and self.pupil.cohort_category(self.meeting_date) != cohort.CLA:
            raise ValidationError({"meeting_date": (
                f"This pupil is not looked after on {self.meeting_date:%-d %b %Y}: a PEP is for a looked-after "
                "child, on a date they are in care."
            )})

    def count_for_term_of_meeting(self, calendar: SchoolCalendar) -> None:
        """Set the academic year and term this PEP counts for: those of its meeting date."""
        term = calendar.term_for_meeting(self.meeting_date)
        if term is not None:
            self.academic_year, self.term = term.academic_year, term.name


class PepSlotQuerySet(models.QuerySet):
    def overdue(self, today: dt.date) -> PepSlotQuerySet:
        """Owed, not held, its due date passed, the child still in that care period and on roll, and no PEP
        held since: what `compliance.Slot.overdue` says, in the database."""
        return self.filter(held_on__isnull=True, held_after__isnull=True, due__lt=today).filter(
            Q(owed_until__isnull=True) | Q(owed_until__gte=today))

    def due_soon(self, today: dt.date, days: int) -> PepSlotQuerySet:
        """Owed, not held, due today or within `days` days (`compliance.DUE_SOON`)."""
        return self.filter(held_on__isnull=True, due__gte=today, due__lte=today + dt.timedelta(days=days))


class PepSlot(models.Model):
    """A term in which a looked-after child's PEP is owed, stored so "what is due" is an indexed lookup.

    Derived from the care episodes, the dates on roll, the term dates and the PEPs by the rule in
    `compliance.pep_slots` (slots.py keeps them in step); never edited by hand. Terms in which
    nothing is owed have no row.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="pep_slots")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=TERM_CHOICES)
    due = models.DateField()
    is_initial = models.BooleanField(default=False)
    owed_until = models.DateField(null=True, blank=True,
                                  help_text="The last day in this care period and on roll; empty while open.")
    held_on = models.DateField(null=True, blank=True, help_text="The first PEP held for the term, if any.")
    held_after = models.DateField(null=True, blank=True,
                                  help_text="The first PEP held after the due date, in any term: none held since.")
    planned = models.BooleanField(default=False, help_text="A PEP is recorded for the term (not yet held).")

    objects = PepSlotQuerySet.as_manager()
    # Set by a reader that found the slot overdue on its day (not stored: it depends on the day).
    overdue = False

    class Meta:
        ordering = ["pupil_id", "due"]  # by id: "pupil" would sort (and join) by the pupil's name
        constraints = [models.UniqueConstraint(fields=["pupil", "academic_year", "term"], name="one_slot_a_term")]
        # "Not held, due before (or soon after) a day": the dashboard's, the digest's and the grid's question.
        indexes = [
            models.Index(fields=["held_on", "held_after", "due"]),
            # Each term's counts under the grid and in the report: the year's slots, read from the index alone.
            models.Index(fields=["academic_year", "term", "held_on", "due"], name="slots_by_term"),
        ]

    def __str__(self) -> str:
        return f"PEP due {self.due:%-d %b %Y}"

    @property
    def term_label(self) -> str:
        return f"{self.get_term_display()} {academic_year_label(self.academic_year)}"


class SlotsBuilt(models.Model):
    """How far the stored PEP slots reach (one row): through which academic year, with which count of school
    days for an initial PEP. A reader that needs more, or a change of term dates (which deletes the row),
    rebuilds every child's slots (slots.py)."""

    through_year = models.PositiveSmallIntegerField()
    school_days = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"PEP slots through {self.through_year}"


TARGET_AREAS = [
    ("attendance", "Attendance"),
    ("reading", "Reading"),
    ("writing", "Writing"),
    ("maths", "Maths"),
    ("semh", "Social, emotional and mental health"),
    ("behaviour", "Behaviour for learning"),
    ("transition", "Transition"),
    ("other", "Other"),
]
MET, PARTLY, NOT_MET, CARRIED_FORWARD = "met", "partly", "not_met", "carried_forward"
REVIEWS = [(MET, "Met"), (PARTLY, "Partly met"), (NOT_MET, "Not met"), (CARRIED_FORWARD, "Carried forward")]


class PepTarget(models.Model):
    pep = models.ForeignKey(PepMeeting, on_delete=models.CASCADE, related_name="targets")
    area = models.CharField(max_length=12, choices=TARGET_AREAS)
    description = models.TextField(
        "SMART target", help_text="Specific, measurable, achievable, relevant and time-bound.",
    )
    success_criteria = models.TextField()
    owner = models.CharField(max_length=100, help_text="Who makes it happen.")
    pp_plus_needed = models.DecimalField(
        "PP+ needed (£)", **MONEY, default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("10000"))],
    )
    review = models.CharField(max_length=15, choices=REVIEWS, blank=True)
    review_notes = models.TextField(blank=True)
    reviewed_in = models.ForeignKey(
        PepMeeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviewed_targets",
    )
    carried_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.description[:60]}"

    @property
    def awaiting_review(self) -> bool:
        """Not yet reviewed at the next PEP (met, partly met, not met or carried forward)."""
        return not self.review


class PepReopening(models.Model):
    """Why a completed PEP was opened again, and by whom."""

    pep = models.ForeignKey(PepMeeting, on_delete=models.CASCADE, related_name="reopenings")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Reopened {self.at:%-d %b %Y}: {self.reason[:60]}"


# --- Pupil Premium Plus -------------------------------------------------------------


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


# --- Suspensions, exclusions and the consultation ----------------------------------

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
        mine = days_by_academic_year(my_days)
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
        served = days_by_academic_year(others_days)
        for year in sorted(mine):
            already = served.get(year, Decimal("0"))
            if already + mine[year] > MAX_SUSPENSION_DAYS_A_YEAR:
                left = max(MAX_SUSPENSION_DAYS_A_YEAR - already, Decimal("0"))
                errors["days"] = (
                    f"A pupil can be suspended for at most 45 school days in an academic year. "
                    f"{already.normalize():f} days are already served in {academic_year_label(year)}, "
                    f"so at most {left.normalize():f} more can be served in it."
                )
                return


def days_by_academic_year(served: list[tuple[dt.date, Decimal]]) -> dict[int, Decimal]:
    """Add up days served by the academic year each day falls in."""
    totals: dict[int, Decimal] = {}
    for day, part in served:
        year = academic_year_of(day)
        totals[year] = totals.get(year, Decimal("0")) + part
    return totals


# --- Contributions from outside the school (the multi-agency PEP) -------------------

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

    def log(self, action: str, detail: str) -> None:
        """An access-log row under the contributor's address (they have no account) for the child."""
        AccessLog.record(
            user=None, contributor=self.email, action=action, pupils=[self.pep.pupil_id],
            detail=f"Invitation {self.pk} ({self.get_role_display().lower()}): {detail}",
        )


PENDING, ACCEPTED, SET_ASIDE = "pending", "accepted", "set_aside"
DECISIONS = [(PENDING, "Waiting for the DT"), (ACCEPTED, "Accepted into the PEP"), (SET_ASIDE, "Set aside")]


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
    status = models.CharField(max_length=9, choices=DECISIONS, default=PENDING)
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


# --- The transfer pack ----------------------------------------------------------------

# A build that has not moved for this long has lost its worker: it is marked failed and can be asked for again.
class TransferPack(BackgroundBuild):
    """One PDF about a leaving pupil for the next school's DT and DSL, built by a Celery task.

    Safeguarding notes go in only when the DSL or the head asks for it; only they can download
    such a pack.
    """

    noun = "pack"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="transfer_packs")
    with_safeguarding = models.BooleanField("with safeguarding notes", default=False)
    pdf = models.FileField(upload_to="transfer-packs/", blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Transfer pack of {self.requested_at:%-d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("pep:transfer_pack", args=[self.pk])

    @property
    def log_detail(self) -> str:
        """What the access log says of building or downloading it."""
        return "Transfer pack" + (" with safeguarding notes" if self.with_safeguarding else "")


# --- Alternative provision and part-time timetables ----------------------------------

FULL_TIME_HOURS = Decimal("25")
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
        "full time (hours a week)", max_digits=3, decimal_places=1, default=FULL_TIME_HOURS,
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
