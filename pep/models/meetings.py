"""PEP meetings, their SMART targets and reopenings, and the terms in which a PEP is owed (stored slots).

A PEP moves planned -> held -> complete (signed off and locked). The rule for when a PEP is due is in
`pep.compliance`; the stored slots it gives are kept by `pep.slots`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw.terms import TERM_CHOICES, SchoolCalendar, academic_year_label
from pupils import cohort
from pupils.models import Pupil

from .money import MONEY, ZERO

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


# A PEP is reviewed each term, so the next meeting agreed falls within this of the one agreeing it.
NEXT_MEETING_WITHIN = dt.timedelta(days=183)


class PepMeeting(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="peps")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=TERM_CHOICES)
    is_initial = models.BooleanField("initial PEP", default=False)
    meeting_date = models.DateField(help_text="Planned date, then the date it was held.")
    status = models.CharField(max_length=8, choices=PEP_STATUSES, default=PLANNED)

    attendees = models.JSONField(default=list, blank=True)
    other_attendees = models.CharField(max_length=200, blank=True)
    next_meeting_date = models.DateField(
        "Next PEP meeting", null=True, blank=True,
        help_text="The date agreed at the meeting for the next PEP (needed to sign it off; it plans that PEP).")
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

    def previous(self) -> PepMeeting | None:
        """The pupil's PEP held before this one, whose targets this one reviews."""
        return (
            PepMeeting.objects.filter(pupil_id=self.pupil_id, status__in=[HELD, COMPLETE],
                                      meeting_date__lt=self.meeting_date)
            .order_by("-meeting_date", "-id").first()
        )

    def completion_blockers(self, *, previous: PepMeeting | None) -> list[str]:
        """What stops this held PEP being signed off, in words (empty when it can be).

        The page lists these instead of offering a button that would only refuse; signing off refuses
        with the first. `previous` is `self.previous()`, which the caller has usually read already.
        """
        blockers = []
        if not self.attendees and not self.other_attendees.strip():
            blockers.append("Record who attended the meeting before completing the PEP.")
        if self.next_meeting_date is None:
            blockers.append("Record the date agreed for the next PEP meeting before completing the PEP.")
        if self.vs_rating == RED:
            blockers.append("The Virtual School rated this PEP red. Improve it and get a new rating before "
                            "completing it.")
        if not self.targets.exists():
            blockers.append("Add at least one SMART target before completing the PEP.")
        if previous and any(target.awaiting_review for target in previous.targets.all()):
            blockers.append("Review every target from the previous PEP before completing this one.")
        return blockers

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
        if self.meeting_date and self.next_meeting_date:
            if self.next_meeting_date <= self.meeting_date:
                raise ValidationError({"next_meeting_date": "The next meeting must be after this one."})
            if self.next_meeting_date > self.meeting_date + NEXT_MEETING_WITHIN:
                raise ValidationError({"next_meeting_date": (
                    "A PEP is reviewed every term: agree the next meeting within six months of this one.")})
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
    def owed(self) -> PepSlotQuerySet:
        """Slots whose duty did not end before their due date (the child still in care and on roll then)."""
        return self.filter(reason="")

    def overdue(self, today: dt.date) -> PepSlotQuerySet:
        """Owed, not held, its due date passed, the child still in that care period and on roll, and no PEP
        held since: `compliance.overdue_on`, in the database."""
        return self.owed().filter(held_on__isnull=True, held_after__isnull=True, due__lt=today).filter(
            Q(owed_until__isnull=True) | Q(owed_until__gte=today))

    def due_soon(self, today: dt.date, days: int) -> PepSlotQuerySet:
        """Owed, not held, due today or within `days` days (`compliance.DUE_SOON`)."""
        return self.owed().filter(held_on__isnull=True, due__gte=today, due__lte=today + dt.timedelta(days=days))


class PepSlot(models.Model):
    """A PEP a looked-after child is owed (an initial PEP, or a term's review), stored so that what is due is
    an indexed comparison of dates.

    Derived from the care episodes, the dates on roll, the term dates and the PEPs by the rule in
    `compliance.pep_duties` (slots.py keeps them in step); never edited by hand. A slot whose duty ended
    before its due date (the child left care or the school) is kept with its `reason`, so the grid says so.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="pep_slots")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=TERM_CHOICES, help_text="The term it is shown under.")
    due = models.DateField()
    is_initial = models.BooleanField(default=False)
    owed_until = models.DateField(null=True, blank=True,
                                  help_text="The last day in this care period and on roll; empty while open.")
    held_on = models.DateField(null=True, blank=True, help_text="The PEP held that met it, if any.")
    held_after = models.DateField(null=True, blank=True,
                                  help_text="The first PEP held after the due date, in any term: none held since.")
    planned = models.BooleanField(default=False, help_text="A PEP is planned for it (not yet held).")
    pep = models.ForeignKey("PepMeeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            help_text="The PEP that met it, else one planned for it.")
    reason = models.CharField(max_length=20, blank=True,
                              help_text="Why nothing was due after all: the child left care or the school first.")

    objects = PepSlotQuerySet.as_manager()

    class Meta:
        ordering = ["pupil_id", "due"]  # by id: "pupil" would sort (and join) by the pupil's name
        constraints = [models.UniqueConstraint(fields=["pupil", "academic_year", "term", "is_initial"],
                                               name="one_slot_of_each_kind_a_term")]
        # "Not held, due before (or soon after) a day": the dashboard's, the digest's and the grid's question.
        indexes = [
            models.Index(fields=["held_on", "held_after", "due"]),
            # Each term's counts under the grid and in the report: the year's slots, read from the index alone.
            models.Index(fields=["academic_year", "term", "held_on", "due"], name="slots_by_term"),
        ]

    def __str__(self) -> str:
        return f"{'Initial PEP' if self.is_initial else 'PEP'} due {self.due:%-d %b %Y}"

    @property
    def term_label(self) -> str:
        return f"{self.get_term_display()} {academic_year_label(self.academic_year)}"

    def status(self, today: dt.date) -> str:
        from ..compliance import status_on

        return status_on(self, today)

    def overdue_on(self, today: dt.date) -> bool:
        from ..compliance import overdue_on

        return overdue_on(self, today)

    def label(self, today: dt.date) -> str:
        """In words, for the grid and the pupil's page: "On time", "Overdue", "Not needed (leaving 17 Dec)"..."""
        from ..compliance import LEFT_SCHOOL, MISSING, NOT_REQUIRED, STATUS_LABELS

        status = self.status(today)
        if status == MISSING:
            return "Overdue" if self.overdue_on(today) else "Missed"
        if status == NOT_REQUIRED:
            if self.owed_until is not None and self.owed_until >= today:  # it has not happened yet
                if self.reason == LEFT_SCHOOL:
                    return f"Not needed (leaving {self.owed_until + dt.timedelta(days=1):%-d %b %Y})"
                return f"Not needed (care ends {self.owed_until:%-d %b %Y})"
            return f"Not needed ({self.reason})"
        return STATUS_LABELS[status]


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
