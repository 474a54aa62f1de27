"""Pupils on the register: who they are, when they were on roll, and the reads of them every page shares.

Every pupil read while answering a request is noted for the access log: each `Pupil` loaded from the
database (`Pupil.from_db`), and each read of pupils' names through values() or values_list() (`_PupilRows`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Case,
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
from django.db.models.query import BaseIterable, ValuesIterable, ValuesListIterable
from django.db.models.utils import create_namedtuple_class
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cwsw import accesslog, roles
from cwsw.terms import academic_year_of

from .. import cohort, transitions, years
from ..validators import validate_upn
from .care import CareEpisode, CategorySpell, on_roll_during, spell_holds_on

SEN_CHOICES = [("N", "No special educational need"), ("K", "SEN support"), ("E", "EHC plan")]


# Reading any of these is reading a pupil's data: the access log must hear of it.
PERSONAL_FIELDS = frozenset({"first_name", "last_name", "upn", "date_of_birth"})


class YearCohort(dict):
    """The cohort of a period (`PupilQuerySet.cohort_during`): pupil id -> category, and `ids`, the same
    pupils as a subquery, so that a query over them sends the database a condition, not thousands of ids."""

    def __init__(self, categories: dict[int, str], *, ids: models.QuerySet) -> None:
        super().__init__(categories)
        self.ids = ids


def _spell_on(day: dt.date) -> Exists:
    """Whether the pupil (the outer query's) has a stored spell on the day."""
    return Exists(CategorySpell.objects.on(day).filter(pupil=OuterRef("pk")))


class _PupilRows(BaseIterable):
    """values() / values_list() rows that read a pupil's name: each pupil read is noted for the access log.

    The rows are read with the pupil's id (added to the query when the caller did not ask for it, and left
    out of what the caller gets), so a read of names never goes unlogged and never has to ask for the id.
    """

    shape = "tuple"  # "dict", "tuple", "flat" or "named"
    added = False  # the id was added to the query and is taken out of each row

    def __iter__(self) -> Any:
        queryset = self.queryset
        fields = list(queryset._fields)
        key = next(f for f in ("pk", "id") if f in fields)
        index = fields.index(key)
        if self.shape == "dict":
            for row in ValuesIterable(queryset, self.chunked_fetch, self.chunk_size):
                accesslog.pupil_shown(row[key])
                if self.added:
                    del row[key]
                yield row
            return
        kept = [name for i, name in enumerate(fields) if not (self.added and i == index)]
        tuple_class = create_namedtuple_class(*kept) if self.shape == "named" else None
        for row in ValuesListIterable(queryset, self.chunked_fetch, self.chunk_size):
            accesslog.pupil_shown(row[index])
            values = row[:index] + row[index + 1:] if self.added else row
            if self.shape == "flat":
                yield values[0]
            elif tuple_class is not None:
                yield tuple_class(*values)
            else:
                yield values


_ROW_CLASSES: dict[tuple[str, bool], type] = {}


def _rows_class(shape: str, added: bool) -> type:
    if (shape, added) not in _ROW_CLASSES:
        _ROW_CLASSES[(shape, added)] = type("PupilRows", (_PupilRows,), {"shape": shape, "added": added})
    return _ROW_CLASSES[(shape, added)]


def _reads_names(fields: tuple) -> bool:
    return any(isinstance(f, str) and f in PERSONAL_FIELDS for f in fields)


class PupilQuerySet(models.QuerySet):
    def values(self, *fields: Any, **expressions: Any) -> PupilQuerySet:
        """As Django's, and a read of names tells the access log whose they were (see `_PupilRows`)."""
        if not (_reads_names(fields) or _reads_names(tuple(expressions))):
            return super().values(*fields, **expressions)
        added = "pk" not in fields and "id" not in fields
        clone = super().values(*fields, *(("pk",) if added else ()), **expressions)
        clone._iterable_class = _rows_class("dict", added)
        return clone

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> PupilQuerySet:
        """As Django's, and a read of names tells the access log whose they were (see `_PupilRows`)."""
        if not _reads_names(fields):
            return super().values_list(*fields, flat=flat, named=named)
        if flat and len(fields) > 1:
            raise TypeError("'flat' is not valid when values_list is called with more than one field.")
        added = "pk" not in fields and "id" not in fields
        clone = super().values_list(*fields, *(("pk",) if added else ()), named=named)
        clone._iterable_class = _rows_class("flat" if flat else "named" if named else "tuple", added)
        return clone

    def lock(self) -> list[int]:
        """Lock these pupils' rows until the transaction ends, in id order (one order everywhere: no deadlock)."""
        return list(self.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))

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
        """Annotate `category`, and for a child with a social worker now the `plan` in force ("CP" or "CIN", else
        ""), and `kinship` (a kinship arrangement active: the marker), from the stored category spells
        (spells.py): one indexed join, for any date.

        The rules themselves are `cohort.category_from_episodes` and `cohort.plan_from_episodes`
        (`Pupil.cohort_category`); the spells are stored from them whenever a pupil's records change, and the
        tests hold them to them.
        """
        day = as_of or timezone.localdate()
        spell = FilteredRelation("category_spells", condition=spell_holds_on(day, via="category_spells__"))
        return self.annotate(category_spell=spell).annotate(
            category=F("category_spell__category"), plan=F("category_spell__plan"),
            kinship=F("category_spell__kinship"))

    def in_category_on(self, day: dt.date, category: str | None = None) -> PupilQuerySet:
        """Pupils in the cohort on the day (in this category, if given), asked of each pupil's stored spells.

        The same pupils as filtering `with_category` on `category`, without the join. The whole
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

    def category_counts(self) -> dict[str, int]:
        """Count pupils per category in one query (on a `with_category` queryset)."""
        counts = dict.fromkeys(cohort.CATEGORIES, 0)
        for row in self.filter(category__isnull=False).order_by().values("category").annotate(n=Count("pk")):
            counts[row["category"]] = row["n"]
        return counts

    def in_cohort(self, as_of: dt.date | None = None) -> PupilQuerySet:
        """Pupils with a category on the day (today by default), from the stored spells."""
        return self.in_category_on(as_of or timezone.localdate())

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

    def with_recent_absence(self, as_of: dt.date | None = None) -> PupilQuerySet:
        """Annotate `absence`: "severe" (50% or more of sessions missed), "persistent" (10% or more) or None, from
        the pupil's latest term of attendance this academic year or last (records.is_severely_absent and
        is_persistently_absent, in SQL: whole numbers, so the two agree at the line)."""
        from .records import (
            PERSISTENT_ABSENCE_MISSED_PERCENT,
            SEVERE_ABSENCE_MISSED_PERCENT,
            AttendanceRecord,
        )

        year = academic_year_of(as_of or timezone.localdate())
        missed = (F("possible_sessions") - F("attended_sessions")) * 100
        latest = (
            AttendanceRecord.objects.filter(pupil=OuterRef("pk"), academic_year__gte=year - 1, possible_sessions__gt=0)
            .annotate(missed=missed, severe_at=F("possible_sessions") * SEVERE_ABSENCE_MISSED_PERCENT,
                      persistent_at=F("possible_sessions") * PERSISTENT_ABSENCE_MISSED_PERCENT)
            .annotate(level=Case(When(missed__gte=F("severe_at"), then=Value("severe")),
                                 When(missed__gte=F("persistent_at"), then=Value("persistent")),
                                 default=Value("")))
            .order_by("-academic_year", "-term")  # autumn, spring, summer sort as they fall
        )
        return self.annotate(absence=Subquery(latest.values("level")[:1]))

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
        """Return "CLA", "PLA", "CWSW", "CWSW_PREV", "KINSHIP" or None on as_of (today by default)."""
        return cohort.category_from_episodes(self.episodes.all(), as_of or timezone.localdate())

    def category_on(self, as_of: dt.date | None = None) -> str | None:
        """The category on as_of (today by default) as stored (the pupil's spell that day): what pages read."""
        return self.standing_on(as_of)[0]

    def standing_on(self, as_of: dt.date | None = None) -> tuple[str | None, bool]:
        """The stored category on as_of (today by default) and whether the kinship marker is on, in one read."""
        day = as_of or timezone.localdate()
        row = self.category_spells.filter(spell_holds_on(day)).values_list("category", "kinship").first()
        return (row[0], row[1]) if row else (None, False)

    def category_and_plan(self, as_of: dt.date | None = None) -> tuple[str | None, str | None, bool]:
        """The stored category, for CWSW the plan ("CP" or "CIN"), and the kinship marker, on as_of."""
        day = as_of or timezone.localdate()
        category, kinship = self.standing_on(day)
        return category, cohort.plan_from_episodes(self.episodes.all(), day), kinship

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
