"""The register: pupils, their care episodes and the DSL's safeguarding notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw import accesslog, roles
from cwsw.terms import TERM_CHOICES, academic_year_bounds, academic_year_label

from . import cohort, transitions, years
from .validators import validate_upn

SEN_CHOICES = [("N", "No special educational need"), ("K", "SEN support"), ("E", "EHC plan")]

# SSDA903 legal statuses of a child looked after.
LEGAL_STATUSES = [
    ("C1", "C1 Interim care order (s38)"),
    ("C2", "C2 Full care order (s31)"),
    ("D1", "D1 Freeing order"),
    ("E1", "E1 Placement order"),
    ("V2", "V2 Single period of accommodation (s20)"),
    ("V3", "V3 Short breaks, single placement"),
    ("V4", "V4 Short breaks, multiple placements"),
    ("L1", "L1 Police protection (s46)"),
    ("L2", "L2 Emergency protection order (s44)"),
    ("L3", "L3 Child assessment order"),
    ("J1", "J1 Remanded to local authority accommodation"),
    ("J2", "J2 Placed under PACE"),
    ("J3", "J3 Youth rehabilitation order with residence requirement"),
]
PLA_ROUTES = [
    ("adoption", "Adoption order"),
    ("sgo", "Special guardianship order"),
    ("cao", "Child arrangements order"),
    ("residence", "Residence order (former)"),
]
EPISODE_KINDS = [
    (cohort.CLA, "Looked after (CLA)"),
    (cohort.PLA, "Previously looked after (PLA)"),
    (cohort.CIN, "Child in Need plan (s17)"),
    (cohort.CP, "Child Protection plan"),
]


# Reading any of these is reading a pupil's data: the access log must hear of it.
PERSONAL_FIELDS = frozenset({"first_name", "last_name", "upn", "date_of_birth"})


class YearCohort(dict):
    """The cohort of a period (`PupilQuerySet.cohort_during`): pupil id -> category, and `ids`, the same
    pupils as a subquery, so that a query over them sends the database a condition, not thousands of ids."""

    def __init__(self, categories: dict[int, str], *, ids: models.QuerySet) -> None:
        super().__init__(categories)
        self.ids = ids


def on_roll_during(first: dt.date, last: dt.date) -> Q:
    """On roll on at least one day from first to last (a pupil's dates, or a spell's copies of them)."""
    return Q(admission_date__lte=last) & (Q(leaving_date__isnull=True) | Q(leaving_date__gt=first))


def spell_holds_on(day: Any, via: str = "") -> Q:
    """The category spell (reached through `via`, e.g. "category_spells__") holds on the day."""
    return Q(**{f"{via}start__lte": day}) & (Q(**{f"{via}end__isnull": True}) | Q(**{f"{via}end__gte": day}))


def _spell_on(day: dt.date) -> Exists:
    """Whether the pupil (the outer query's) has a stored spell on the day."""
    return Exists(CategorySpell.objects.on(day).filter(pupil=OuterRef("pk")))


class PupilQuerySet(models.QuerySet):
    def _fetch_all(self) -> None:
        """Tell the access log which pupils' names a values() or values_list() read."""
        super()._fetch_all()
        fields = self._fields or ()
        if not accesslog.collecting() or not PERSONAL_FIELDS & set(fields):
            return
        key = next((f for f in ("pk", "id") if f in fields), None)
        if key is None:
            raise ImproperlyConfigured("Read pupils' names with their pk, so the access log can record them.")
        index = fields.index(key)
        for row in self._result_cache:
            accesslog.pupil_shown(row[key] if isinstance(row, dict) else row[index])

    def visible_to(self, user: Any) -> PupilQuerySet:
        """Return the pupils this user may see: all, their key pupils, or none."""
        if roles.can_see_whole_register(user):
            return self
        if roles.has_role(user, roles.STAFF):
            return self.filter(key_adult=user)
        return self.none()

    def search(self, text: str) -> PupilQuerySet:
        """Pupils matching every word (up to five): part of a name, or a whole UPN."""
        pupils = self
        for word in text.split()[:5]:
            pupils = pupils.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(upn__iexact=word)
            )
        return pupils

    def on_roll(self, as_of: dt.date | None = None) -> PupilQuerySet:
        day = as_of or timezone.localdate()
        return self.filter(on_roll_during(day, day))

    def with_category(self, as_of: dt.date | None = None) -> PupilQuerySet:
        """Annotate `category`, the cohort rules of cohort.py computed in the database."""
        day = as_of or timezone.localdate()
        episodes = CareEpisode.objects.filter(pupil=OuterRef("pk"))
        active = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
        return self.annotate(
            category=Case(
                When(Exists(episodes.filter(active, kind=cohort.CLA)), then=Value(cohort.CLA)),
                When(
                    Exists(episodes.filter(kind=cohort.PLA, start_date__lte=day)),
                    then=Value(cohort.PLA),
                ),
                When(
                    Exists(episodes.filter(active, kind__in=[cohort.CIN, cohort.CP])),
                    then=Value(cohort.CWSW),
                ),
                When(
                    Exists(
                        episodes.filter(
                            kind__in=cohort.PREVIOUS_KINDS,
                            end_date__gte=cohort.earliest_counting_end(day),
                            end_date__lt=day,
                        )
                    ),
                    then=Value(cohort.CWSW_PREV),
                ),
                default=Value(None),
                output_field=CharField(),
            )
        )

    def with_stored_category(self, as_of: dt.date | None = None) -> PupilQuerySet:
        """Annotate `category` from the stored category spells: one indexed join, for any date.

        The same answer as `with_category` (the rules, computed per pupil) while the spells are in
        step with the episodes, which saving or deleting an episode sees to (spells.py).
        """
        day = as_of or timezone.localdate()
        spell = FilteredRelation("category_spells", condition=spell_holds_on(day, via="category_spells__"))
        return self.annotate(category_spell=spell).annotate(category=F("category_spell__category"))

    def in_category_on(self, day: dt.date, category: str | None = None) -> PupilQuerySet:
        """Pupils in the cohort on the day (in this category, if given), asked of each pupil's stored spells.

        The same pupils as filtering `with_stored_category` on `category`, without the join. The whole
        cohort is a condition on each pupil, so a page sorted by name reads the name index and stops at the
        page's end; one category is the few hundred ids its index holds for the day, so a count or another
        order reads those pupils only.
        """
        if category:
            return self.filter(pk__in=CategorySpell.objects.on(day).filter(category=category).values("pupil"))
        return self.filter(_spell_on(day))

    def in_no_category_on(self, day: dt.date) -> PupilQuerySet:
        """Pupils in no category on the day: the rest of the register."""
        return self.filter(~_spell_on(day))

    def with_plan(self, as_of: dt.date | None = None) -> PupilQuerySet:
        """Annotate `plan`: "CP" or "CIN" for the plan active on the day (CP first when both), else None."""
        day = as_of or timezone.localdate()
        plans = CareEpisode.objects.filter(
            pupil=OuterRef("pk"), kind__in=(cohort.CP, cohort.CIN), start_date__lte=day,
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day)).order_by("-kind").values("kind")[:1]
        return self.annotate(plan=Subquery(plans))

    def category_counts(self) -> dict[str, int]:
        """Count pupils per category in one query (on a `with_category` queryset)."""
        counts = dict.fromkeys(cohort.CATEGORIES, 0)
        for row in self.filter(category__isnull=False).order_by().values("category").annotate(n=Count("pk")):
            if row["category"]:
                counts[row["category"]] = row["n"]
        return counts

    def in_cohort(self, as_of: dt.date | None = None) -> PupilQuerySet:
        return self.with_category(as_of).filter(category__isnull=False)

    def looked_after_during(self, first: dt.date, last: dt.date) -> PupilQuerySet:
        """Pupils on roll and looked after (CLA) on at least one day from first to last."""
        # Found from the looked-after episodes (an index on kind and dates), not asked of every pupil.
        cla = CareEpisode.objects.filter(kind=cohort.CLA, start_date__lte=last).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first)).values("pupil")
        return self.filter(on_roll_during(first, last), pk__in=cla)

    def cohort_during(self, first: dt.date, last: dt.date) -> YearCohort:
        """Every pupil on roll and in the cohort at some time from first to last, leavers included,
        with the highest category they had while on roll then (pupil id -> category).

        One query over the stored spells that overlap the days each pupil was on roll (the spells'
        copies of the dates on roll: no join to the pupils); the rule it follows is
        cohort.category_during, which the tests hold it to.
        """
        rank = Case(*[When(category=c, then=Value(i)) for i, c in enumerate(cohort.CATEGORIES)],
                    output_field=IntegerField())
        spells = (
            CategorySpell.objects.filter(start__lte=last).filter(Q(end__isnull=True) | Q(end__gte=first))
            .filter(on_roll_during(first, last))
            .filter(Q(leaving_date__isnull=True) | Q(start__lt=F("leaving_date")))
            .filter(Q(end__isnull=True) | Q(end__gte=F("admission_date")))
        )
        if self.query.has_filters():  # some pupils only; "IN (every pupil)" would only slow the query
            spells = spells.filter(pupil__in=self.values("pk"))
        best = spells.order_by().values("pupil_id").annotate(best=Min(rank)).values_list("pupil_id", "best")
        return YearCohort({pk: cohort.CATEGORIES[index] for pk, index in best},
                          ids=spells.values_list("pupil_id", flat=True))

    def leaving_window(self, as_of: dt.date | None = None, days: int = 30) -> PupilQuerySet:
        """Pupils in CWSW_PREV today who are in no category `days` + 1 days from now."""
        day = as_of or timezone.localdate()
        after = day + dt.timedelta(days=days + 1)
        # Only a CWSW_PREV spell ending before that day can leave the pupil in none then: a few, by the index.
        ending = CategorySpell.objects.on(day).filter(category=cohort.CWSW_PREV, end__lt=after)
        later = CategorySpell.objects.on(after).filter(pupil=OuterRef("pk"))
        return self.filter(pk__in=ending.values("pupil")).exclude(Exists(later))

    def with_new_flag(self) -> PupilQuerySet:
        """Annotate `has_new_flag`: a DSL's flag the designated teacher has not opened yet."""
        return self.annotate(
            has_new_flag=Exists(
                CareEpisode.objects.filter(pupil=OuterRef("pk")).unseen_flags()
            )
        )

    def in_year_groups(self, low: int, high: int, as_of: dt.date | None = None) -> PupilQuerySet:
        first, last = years.birth_range(low, high, as_of or timezone.localdate())
        return self.filter(date_of_birth__range=(first, last))


class Pupil(models.Model):
    upn = models.CharField(
        "UPN", max_length=13, unique=True, validators=[validate_upn],
        help_text="Unique Pupil Number: 13 characters, starting with the check letter.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    admission_date = models.DateField()
    leaving_date = models.DateField(
        null=True, blank=True, help_text="The first day the pupil is no longer on roll; empty while on roll.")
    leaving_reason = models.CharField(max_length=20, choices=transitions.LEAVING_REASONS, blank=True)
    destination_school = models.CharField(
        "destination school or college", max_length=200, blank=True,
        help_text="Where the pupil goes next: the school's name and town, so its DSL can be found.")
    sen_status = models.CharField("SEN", max_length=1, choices=SEN_CHOICES, default="N")
    fsm_eligible = models.BooleanField("Eligible for free school meals", default=False)
    key_adult = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="key_pupils",
        help_text="The member of staff the pupil goes to; they see this pupil's name, "
                  "category and key strategies.",
    )
    key_strategies = models.TextField(
        blank=True, help_text="What helps in class. Staff who are key adult see this.",
    )
    ehcp_review_due = models.DateField(
        "EHC plan annual review due", null=True, blank=True,
        help_text="For a pupil with an EHC plan: listed for the DT and DSL from 30 days before.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
            # EHC plan reviews due: only pupils with a plan.
            models.Index(fields=["ehcp_review_due"], condition=Q(sen_status="E"), name="ehcp_reviews"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_absolute_url(self) -> str:
        return reverse("pupils:detail", args=[self.pk])

    @classmethod
    def from_db(cls, db: str, field_names: Any, values: Any) -> Pupil:
        """Every pupil read from the database while answering a request is in its access log."""
        pupil = super().from_db(db, field_names, values)
        accesslog.pupil_shown(pupil.pk)
        return pupil

    def clean(self) -> None:
        if self.upn:
            self.upn = self.upn.strip().upper()
        errors: dict[str, str] = {}
        today = timezone.localdate()
        dob, admitted, left = self.date_of_birth, self.admission_date, self.leaving_date
        if dob:
            if dob > today:
                errors["date_of_birth"] = "The date of birth is in the future."
            elif cohort.add_years(dob, 25) < today:
                errors["date_of_birth"] = "A pupil cannot be more than 25 years old."
        if dob and admitted:
            if admitted < cohort.add_years(dob, 2):
                errors["admission_date"] = "The admission date must be at least two years after the date of birth."
            elif admitted > today + dt.timedelta(days=366):
                errors["admission_date"] = "The admission date is more than a year ahead."
        if admitted and left and left <= admitted:
            errors["leaving_date"] = "The leaving date must be after the admission date."
        review = self.ehcp_review_due
        if review and self.sen_status != "E":
            errors["ehcp_review_due"] = "Only a pupil with an EHC plan has an annual review date: set SEN to EHC plan."
        elif review and not (today - dt.timedelta(days=366 * 2) <= review <= today + dt.timedelta(days=366)):
            errors["ehcp_review_due"] = "Enter the next review date: within a year from now (or a recent overdue one)."
        if errors:
            raise ValidationError(errors)

    def cohort_category(self, as_of: dt.date | None = None) -> str | None:
        """Return "CLA", "PLA", "CWSW", "CWSW_PREV" or None on as_of (today by default)."""
        return cohort.category_from_episodes(self.episodes.all(), as_of or timezone.localdate())

    def category_and_plan(self, as_of: dt.date | None = None) -> tuple[str | None, str | None]:
        """The category and, for CWSW, the plan ("CP" or "CIN") on as_of, from one read of the episodes."""
        day = as_of or timezone.localdate()
        episodes = list(self.episodes.all())
        return cohort.category_from_episodes(episodes, day), cohort.plan_from_episodes(episodes, day)

    def year_group(self, as_of: dt.date | None = None) -> int:
        return years.year_group(self.date_of_birth, as_of or timezone.localdate())

    @property
    def year_group_label(self) -> str:
        return years.year_group_label(self.year_group())

    @property
    def key_stage(self) -> str | None:
        return years.key_stage(self.year_group())

    def is_on_roll(self, as_of: dt.date | None = None) -> bool:
        day = as_of or timezone.localdate()
        return self.admission_date <= day and (self.leaving_date is None or self.leaving_date > day)


class CareEpisodeQuerySet(models.QuerySet):
    def unseen_flags(self) -> CareEpisodeQuerySet:
        return self.filter(flagged_at__isnull=False, dt_seen_at__isnull=True)


class CareEpisode(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="episodes")
    kind = models.CharField(max_length=3, choices=EPISODE_KINDS)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty while open.")
    legal_status = models.CharField(
        max_length=2, choices=LEGAL_STATUSES, blank=True,
        help_text="SSDA903 legal status (looked-after children only).",
    )
    pla_route = models.CharField(
        "route out of care", max_length=10, choices=PLA_ROUTES, blank=True,
        help_text="Previously looked-after children only.",
    )
    responsible_authority = models.CharField(
        "responsible local authority", max_length=100, blank=True,
        help_text="For a looked-after child, the authority whose Virtual School funds PP+.",
    )
    social_worker_name = models.CharField(max_length=100, blank=True)
    social_worker_contact = models.CharField(
        max_length=200, blank=True, help_text="Telephone or e-mail.",
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    dt_seen_at = models.DateTimeField("seen by the designated teacher", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = CareEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="episode_ends_on_or_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["pupil", "kind", "start_date", "end_date"]),
            models.Index(fields=["kind", "start_date", "end_date", "pupil"]),
            # The dashboard's "new flags": the few a designated teacher has not opened yet.
            models.Index(fields=["pupil"], condition=Q(flagged_at__isnull=False, dt_seen_at__isnull=True),
                         name="unseen_flags"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date:%-d %b %Y}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        start, end = self.start_date, self.end_date
        if start and end and end < start:
            errors["end_date"] = "The episode cannot end before it starts."
        pupil = self._pupil_or_none()
        if start and pupil and pupil.date_of_birth and start < pupil.date_of_birth:
            errors["start_date"] = "The episode cannot start before the pupil was born."
        if start and start > timezone.localdate() + dt.timedelta(days=366):
            errors["start_date"] = "The start date is more than a year ahead."
        if end and end > timezone.localdate() + dt.timedelta(days=366):
            errors["end_date"] = "The end date is more than a year ahead; record the end when it is known."
        if self.kind == cohort.CLA and not self.legal_status:
            errors["legal_status"] = "Choose the legal status of a looked-after child."
        if self.kind != cohort.CLA and self.legal_status:
            errors["legal_status"] = "Only a looked-after (CLA) episode has a legal status."
        if self.kind == cohort.PLA:
            if end:
                errors["end_date"] = "A previously looked-after status has no end date."
            if not self.pla_route:
                errors["pla_route"] = "Choose the order by which the child left care."
        elif self.pla_route:
            errors["pla_route"] = "Only a previously looked-after (PLA) episode has a route out of care."
        if not errors and start and self.kind and pupil and pupil.pk:
            self._check_overlap(errors)
        if errors:
            raise ValidationError(errors)

    def _pupil_or_none(self) -> Pupil | None:
        """Return the pupil, which a form may not have set yet (or not saved yet)."""
        try:
            return self.pupil
        except Pupil.DoesNotExist:
            return None

    def _check_overlap(self, errors: dict[str, str]) -> None:
        far_future = dt.date.max
        others = CareEpisode.objects.filter(pupil=self.pupil, kind=self.kind).exclude(pk=self.pk)
        overlapping = others.filter(start_date__lte=self.end_date or far_future).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=self.start_date)
        )
        if overlapping.exists():
            errors["start_date"] = (
                f"This overlaps another {self.get_kind_display()} episode of this pupil; "
                "end that one first or change the dates."
            )

    @property
    def is_open(self) -> bool:
        return self.end_date is None

    @property
    def never_ends(self) -> bool:
        """A previously looked-after status (adoption, an order) has no end."""
        return self.kind == cohort.PLA

    @property
    def can_be_ended(self) -> bool:
        return self.is_open and not self.never_ends

    @property
    def window_end(self) -> dt.date | None:
        """The last day this ended episode keeps the pupil in "had a social worker (last 6 years)"."""
        if self.end_date is None or self.kind not in cohort.PREVIOUS_KINDS:
            return None
        return cohort.previous_window_end(self.end_date)

    @property
    def is_flag_unseen(self) -> bool:
        return self.flagged_at is not None and self.dt_seen_at is None


class CategorySpellQuerySet(models.QuerySet):
    def on(self, day: dt.date) -> CategorySpellQuerySet:
        """The spells that hold on the day: at most one a pupil."""
        return self.filter(spell_holds_on(day))

    def on_roll(self, day: dt.date) -> CategorySpellQuerySet:
        """Spells of pupils on roll on the day, from the copies of their dates: no join to the pupils."""
        return self.filter(on_roll_during(day, day))

    def category_counts(self) -> dict[str, int]:
        """Spells per category (on a queryset of one day's spells: pupils per category), in one query."""
        counts = dict.fromkeys(cohort.CATEGORIES, 0)
        counts.update(self.order_by().values_list("category").annotate(n=Count("*")))
        return counts


class CategorySpell(models.Model):
    """Days on which a pupil had one cohort category, derived from their care episodes (spells.py).

    Kept in step with the episodes and never edited by hand: "the category on day D" is then
    an indexed range lookup for any day, past or future. Each spell also carries its pupil's dates
    on roll, kept in step with the pupil, so that the cohort on roll on a day is counted from the
    spells' own index (`CategorySpell.objects.on(day).on_roll(day).category_counts()`).
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="category_spells")
    category = models.CharField(max_length=9, choices=[(c, cohort.CATEGORY_LABELS[c]) for c in cohort.CATEGORIES])
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="The last day; empty when it has no end.")
    # Empty only in rows from a backup made before the copies were kept, until its restore fills them in.
    admission_date = models.DateField(null=True, help_text="The pupil's, copied.")
    leaving_date = models.DateField(null=True, blank=True, help_text="The pupil's, copied.")

    objects = CategorySpellQuerySet.as_manager()

    class Meta:
        ordering = ["pupil_id", "start"]  # by id: "pupil" would sort (and join) by the pupil's name
        constraints = [
            models.UniqueConstraint(fields=["pupil", "start"], name="one_spell_a_day"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="spell_ends_on_or_after_start"),
        ]
        indexes = [
            # One category on a day (the looked-after children for the SDQs due, the leaving window's) and
            # the cohort on roll on a day counted, both from the index alone (the pupil is in it), in category order.
            models.Index(fields=["category", "start", "end", "admission_date", "leaving_date", "pupil"],
                         name="spells_by_category"),
        ]

    def __str__(self) -> str:
        return f"{self.category} from {self.start:%-d %b %Y}"


class SafeguardingNote(models.Model):
    """A note only the DSL and the headteacher can read."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="safeguarding_notes")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return f"Note of {self.written_at:%-d %b %Y}"


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


# Persistent absence (the DfE measure): missing 10% or more of possible sessions.
PERSISTENT_ABSENCE_MISSED_PERCENT = 10


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


class AttendanceRecord(TermRecord):
    possible_sessions = models.PositiveSmallIntegerField(
        help_text="Sessions (half days) the pupil could have attended this term.",
    )
    attended_sessions = models.PositiveSmallIntegerField()
    # Derived, kept in step by attendance.concerns_sync: 90% or lower this term, or down 5 points or more on
    # the pupil's record of the term before. The dashboard and digest count on it; never edited by hand.
    concern = models.BooleanField(default=False, editable=False)

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


class TransitionItemQuerySet(models.QuerySet):
    def outstanding(self) -> TransitionItemQuerySet:
        return self.filter(done_on__isnull=True)


class TransitionItem(models.Model):
    """One step of a pupil's joining or leaving checklist, with its deadline in school days (transitions.py)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="transition_items")
    step = models.CharField(max_length=20, choices=[(key, step.label) for key, step in transitions.STEPS.items()])
    # The leaving or admission date the deadline counts from.
    counted_from = models.DateField()
    due_date = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    confirmed_by = models.CharField(
        "confirmed by", max_length=100, blank=True,
        help_text="The name and role of the person at the other school who confirmed it.")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = TransitionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["pupil", "step"], name="one_transition_step_per_pupil")]
        indexes = [models.Index(fields=["done_on", "due_date"])]

    def __str__(self) -> str:
        return self.label

    @property
    def definition(self) -> transitions.Step:
        return transitions.STEPS[self.step]

    @property
    def label(self) -> str:
        return self.definition.label

    @property
    def checklist(self) -> str:
        return self.definition.checklist

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_late(self, today: dt.date | None = None) -> bool:
        return self.done_on is None and self.due_date < (today or timezone.localdate())


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
