"""A pupil's records term by term: attendance, attainment (primary judgements and KS2 scores), GCSE grades;
and the attendance contact log and SDQ scores."""

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

from cwsw.terms import TERM_CHOICES, academic_year_bounds, academic_year_label

from .. import years
from .pupils import Pupil


class TermRecord(models.Model):
    """A record about one pupil for one term of one academic year."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE)
    academic_year = models.PositiveSmallIntegerField(
        help_text="The calendar year of the September the academic year starts in.",
    )
    term = models.CharField(max_length=6, choices=TERM_CHOICES)

    class Meta:
        abstract = True
        ordering = ["academic_year", "term"]

    @property
    def term_label(self) -> str:
        return f"{self.get_term_display()} {academic_year_label(self.academic_year)}"


# Persistent absence (the DfE measure): missing 10% or more of possible sessions; severe absence: 50% or more.
PERSISTENT_ABSENCE_MISSED_PERCENT = 10
SEVERE_ABSENCE_MISSED_PERCENT = 50


def attendance_percentage(*, attended: int, possible: int) -> Decimal | None:
    """Sessions attended as a percentage of those possible, to one decimal place, as shown."""
    if not possible:
        return None
    return (Decimal(attended) * 100 / possible).quantize(Decimal("0.1"))


def is_persistently_absent(*, attended: int, possible: int) -> bool:
    """The one rule for persistent absence: 10% or more of sessions missed (attendance of 90.0% or lower).

    Worked in whole numbers, so 126 of 140 sessions (exactly 90.0%) counts and rounding cannot move it.
    """
    return bool(possible) and (possible - attended) * 100 >= PERSISTENT_ABSENCE_MISSED_PERCENT * possible


def is_severely_absent(*, attended: int, possible: int) -> bool:
    """Severe absence: 50% or more of sessions missed, in whole numbers (exactly half counts)."""
    return bool(possible) and (possible - attended) * 100 >= SEVERE_ABSENCE_MISSED_PERCENT * possible


class AttendanceRecord(TermRecord):
    possible_sessions = models.PositiveSmallIntegerField(
        help_text="Sessions (half days) the pupil could have attended this term.",
    )
    attended_sessions = models.PositiveSmallIntegerField()
    # Derived, kept in step by attendance.concerns_sync: 90% or lower this term, or down 5 points or more on
    # the pupil's record of the term before. The dashboard and digest count on it; never edited by hand.
    concern = models.BooleanField(default=False, editable=False)
    # Worked out from the term's daily marks (pupils/marks.py), not typed in: the marks are the record.
    from_marks = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords(excluded_fields=["concern"])

    class Meta(TermRecord.Meta):
        default_related_name = "attendance_records"
        # Only the concerns: the few records the dashboard and digest look for each term.
        indexes = [models.Index(fields=["academic_year", "term", "pupil"], condition=Q(concern=True),
                                name="attendance_concerns")]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "academic_year", "term"], name="one_attendance_per_term"),
            models.CheckConstraint(
                condition=Q(attended_sessions__lte=models.F("possible_sessions")),
                name="attended_at_most_possible",
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance {self.term_label}: {self.percentage}%"

    def clean(self) -> None:
        if self.possible_sessions is not None and self.possible_sessions > 200:
            raise ValidationError({"possible_sessions": "A term has at most about 200 sessions (half days)."})
        if (self.possible_sessions is not None and self.attended_sessions is not None
                and self.attended_sessions > self.possible_sessions):
            raise ValidationError({"attended_sessions": "Attended sessions cannot be more than possible sessions."})

    @property
    def percentage(self) -> Decimal | None:
        return attendance_percentage(attended=self.attended_sessions, possible=self.possible_sessions)

    @property
    def persistently_absent(self) -> bool:
        return is_persistently_absent(attended=self.attended_sessions, possible=self.possible_sessions)

    @property
    def severely_absent(self) -> bool:
        return is_severely_absent(attended=self.attended_sessions, possible=self.possible_sessions)


SESSIONS = [("am", "Morning"), ("pm", "Afternoon")]


class AttendanceMark(models.Model):
    """One session's register mark from the MIS: a DfE attendance code (pupils/attendance_codes.py)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="attendance_marks")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=SESSIONS)
    code = models.CharField(max_length=2)

    class Meta:
        ordering = ["pupil_id", "date", "session"]
        constraints = [models.UniqueConstraint(fields=["pupil", "date", "session"], name="one_mark_a_session")]

    def __str__(self) -> str:
        return f"{self.date:%-d %b %Y} {self.session}: {self.code}"


ATTAINMENT_CHOICES = [
    ("below", "Below"),
    ("wts", "Working towards"),
    ("exp", "Expected"),
    ("gds", "Greater depth"),
]


# KS2 national tests: scaled scores from 80 to 120, 100 being the expected standard.
SCALED_SCORE = {"null": True, "blank": True,
                "validators": [MinValueValidator(80), MaxValueValidator(120)], "help_text": "80 to 120."}
EXPECTED_SCALED_SCORE = 100
KS2_YEAR = 6


class AttainmentRecord(TermRecord):
    """Primary attainment: teacher judgements in a term, and the KS2 test scores (summer of Year 6)."""

    reading = models.CharField(max_length=5, choices=ATTAINMENT_CHOICES, blank=True)
    writing = models.CharField(max_length=5, choices=ATTAINMENT_CHOICES, blank=True)
    maths = models.CharField(max_length=5, choices=ATTAINMENT_CHOICES, blank=True)
    reading_score = models.PositiveSmallIntegerField("KS2 reading scaled score", **SCALED_SCORE)
    maths_score = models.PositiveSmallIntegerField("KS2 maths scaled score", **SCALED_SCORE)
    gps_score = models.PositiveSmallIntegerField("KS2 grammar, punctuation and spelling scaled score",
                                                 **SCALED_SCORE)

    history = HistoricalRecords()

    class Meta(TermRecord.Meta):
        default_related_name = "attainment_records"
        constraints = [
            models.UniqueConstraint(fields=["pupil", "academic_year", "term"], name="one_attainment_per_term"),
        ]

    def __str__(self) -> str:
        return f"Attainment {self.term_label}"

    SCORES = ("reading_score", "maths_score", "gps_score")

    @property
    def has_scores(self) -> bool:
        return any(getattr(self, name) is not None for name in self.SCORES)

    def clean(self) -> None:
        if not (self.reading or self.writing or self.maths or self.has_scores):
            raise ValidationError("Enter at least one of reading, writing or maths, or a KS2 scaled score.")
        if self.has_scores and self.term and self.term != "summer":
            raise ValidationError({self._first_score(): "KS2 tests are taken in May: enter the scores against the "
                                                        "summer term."})
        if self.has_scores and self.academic_year and self.pupil_id:
            group = years.year_group(self.pupil.date_of_birth, academic_year_bounds(self.academic_year)[0])
            if group != KS2_YEAR:
                taken = self.academic_year + KS2_YEAR - group
                raise ValidationError({self._first_score(): (
                    f"In {academic_year_label(self.academic_year)} this pupil was in "
                    f"{years.year_group_label(group)}; their KS2 tests were in Year 6, "
                    f"{academic_year_label(taken)}.")})

    def _first_score(self) -> str:
        return next(name for name in self.SCORES if getattr(self, name) is not None)


# GCSE grades 9 (highest) to 1, and U (ungraded), stored as 0.
GCSE_GRADES = [(g, str(g)) for g in range(9, 0, -1)] + [(0, "U")]
STANDARD_PASS = 4
GCSE_SUBJECTS = [
    ("english_language", "English language"), ("english_literature", "English literature"), ("maths", "Maths"),
    ("combined_science", "Combined science"), ("biology", "Biology"), ("chemistry", "Chemistry"),
    ("physics", "Physics"), ("computer_science", "Computer science"), ("geography", "Geography"),
    ("history", "History"), ("french", "French"), ("german", "German"), ("spanish", "Spanish"),
    ("religious_studies", "Religious studies"), ("art", "Art and design"),
    ("design_technology", "Design and technology"),
    ("drama", "Drama"), ("music", "Music"), ("pe", "Physical education"), ("business", "Business"),
    ("food", "Food preparation and nutrition"), ("media", "Media studies"), ("sociology", "Sociology"),
    ("citizenship", "Citizenship"),
]
ENGLISH = ("english_language", "english_literature")


class SubjectGrade(TermRecord):
    """Secondary attainment: one subject's GCSE grades in a term (working at now, predicted, target)."""

    subject = models.CharField(max_length=20, choices=GCSE_SUBJECTS)
    current = models.PositiveSmallIntegerField("working at", choices=GCSE_GRADES, null=True, blank=True)
    predicted = models.PositiveSmallIntegerField(choices=GCSE_GRADES, null=True, blank=True)
    target = models.PositiveSmallIntegerField(choices=GCSE_GRADES, null=True, blank=True)

    history = HistoricalRecords()

    class Meta(TermRecord.Meta):
        default_related_name = "subject_grades"
        ordering = ["academic_year", "term", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "academic_year", "term", "subject"],
                                    name="one_grade_per_subject_per_term"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.term_label}"

    def clean(self) -> None:
        if self.current is None and self.predicted is None and self.target is None:
            raise ValidationError("Enter at least one of the grade working at, the predicted grade or the target.")


CONTACTED = [
    ("carer", "Carer"),
    ("parent", "Parent"),
    ("social_worker", "Social worker"),
    ("virtual_school", "Virtual School"),
    ("other", "Someone else"),
]


def _not_in_future(day: dt.date | None, field: str) -> None:
    if day and day > timezone.localdate():
        raise ValidationError({field: "The date cannot be in the future."})
    if day and day < dt.date(2000, 1, 1):
        raise ValidationError({field: "Enter a date from 2000 onwards."})


class AttendanceContact(models.Model):
    """A contact about a pupil's attendance: who was contacted, when, and what was agreed."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="attendance_contacts")
    contacted_on = models.DateField()
    contacted = models.CharField("who was contacted", max_length=14, choices=CONTACTED)
    name = models.CharField("their name", max_length=100, blank=True)
    agreed = models.TextField("what was agreed")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-contacted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_contacted_display()} contacted {self.contacted_on:%-d %b %Y}"

    def clean(self) -> None:
        _not_in_future(self.contacted_on, "contacted_on")


class SdqScore(models.Model):
    """A Strengths and Difficulties Questionnaire total (0-40): one a year for each looked-after child."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="sdq_scores")
    completed_on = models.DateField()
    total = models.PositiveSmallIntegerField(validators=[MaxValueValidator(40)], help_text="0 to 40.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [models.Index(fields=["pupil", "completed_on"])]

    def __str__(self) -> str:
        return f"SDQ {self.total} on {self.completed_on:%-d %b %Y}"

    def clean(self) -> None:
        _not_in_future(self.completed_on, "completed_on")
