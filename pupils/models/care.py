"""Care episodes (the social-care history the cohort is derived from), the category spells stored from them,
and the DSL's safeguarding notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .. import cohort

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
# A kinship arrangement for a child who was never looked after (one who left care by an order is PLA).
KINSHIP_ARRANGEMENTS = [
    ("sgo", "Special guardianship order"),
    ("cao", "Child arrangements order"),
    ("known", "Arrangement known to the local authority (no order)"),
]
EPISODE_KINDS = [
    (cohort.CLA, "Looked after (CLA)"),
    (cohort.PLA, "Previously looked after (PLA)"),
    (cohort.CIN, "Child in Need plan (s17)"),
    (cohort.CP, "Child Protection plan"),
    (cohort.KIN, "Kinship care"),
]


def on_roll_during(first: dt.date, last: dt.date) -> Q:
    """On roll on at least one day from first to last (a pupil's dates, or a spell's copies of them)."""
    return Q(admission_date__lte=last) & (Q(leaving_date__isnull=True) | Q(leaving_date__gt=first))


def spell_holds_on(day: Any, via: str = "") -> Q:
    """The category spell (reached through `via`, e.g. "category_spells__") holds on the day."""
    return Q(**{f"{via}start__lte": day}) & (Q(**{f"{via}end__isnull": True}) | Q(**{f"{via}end__gte": day}))


class CareEpisodeQuerySet(models.QuerySet):
    def unseen_flags(self) -> CareEpisodeQuerySet:
        return self.filter(flagged_at__isnull=False, dt_seen_at__isnull=True)


class CareEpisode(models.Model):
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="episodes")
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
    kinship_arrangement = models.CharField(
        max_length=5, choices=KINSHIP_ARRANGEMENTS, blank=True,
        help_text="Kinship care only: living with a relative or friend under an order, or by an arrangement "
                  "the local authority knows of, without having been looked after.",
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
        if self.kind == cohort.KIN and not self.kinship_arrangement:
            errors["kinship_arrangement"] = "Choose the kind of kinship arrangement."
        if self.kind != cohort.KIN and self.kinship_arrangement:
            errors["kinship_arrangement"] = "Only a kinship care episode has a kinship arrangement."
        if (self.kind == cohort.KIN and self.kinship_arrangement in ("sgo", "cao") and start and pupil and pupil.pk
                and pupil.episodes.filter(kind=cohort.CLA, start_date__lte=start).exists()):
            errors["kind"] = ("This child was looked after before this order, so they are previously looked after: "
                              "record it as a PLA episode with the order as the route out of care.")
        if not errors and start and self.kind and pupil and pupil.pk:
            self._check_overlap(errors)
        if errors:
            raise ValidationError(errors)

    def _pupil_or_none(self) -> Any:
        """Return the pupil, which a form may not have set yet (or not saved yet)."""
        try:
            return self.pupil
        except ObjectDoesNotExist:
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

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="category_spells")
    category = models.CharField(max_length=9, choices=[(c, cohort.CATEGORY_LABELS[c]) for c in cohort.CATEGORIES])
    # With a social worker now (CWSW): the plan in force, "CP" or "CIN"; empty in every other category.
    plan = models.CharField(max_length=3, blank=True, default="", choices=list(cohort.PLAN_LABELS.items()))
    # A kinship arrangement is active on every day of the spell (the marker, whatever the category).
    kinship = models.BooleanField(default=False)
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

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="safeguarding_notes")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return f"Note of {self.written_at:%-d %b %Y}"
