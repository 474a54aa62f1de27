"""What is due: one table of things a person must do about a pupil, derived from the pupil's records."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from .pupils import Pupil


class DueItemQuerySet(models.QuerySet):
    def on(self, day: dt.date) -> DueItemQuerySet:
        """The items to act on that day: shown from their first day until their last (or with no end)."""
        return self.filter(shown_from__lte=day).filter(Q(shown_until__isnull=True) | Q(shown_until__gte=day))

    def of_kinds(self, kinds: list[str]) -> DueItemQuerySet:
        return self.filter(kind__in=kinds)


class DueItem(models.Model):
    """One thing to do about one pupil: a PEP due, a suspension whose social worker was never told, an SDQ...

    Each kind (pupils.due: who acts, where, and how its items follow from a pupil's records) is registered by
    the app that owns the records; `pupils.derived` rebuilds a pupil's items whenever their records change.
    When an item is shown is stored as dates (`shown_from`, `shown_until`), so what is due on a day is one
    indexed comparison for the dashboard, the digest, each kind's list and the counts: the same rows for all.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="due_items")
    kind = models.CharField(max_length=40)
    due = models.DateField(help_text="When it is (or was) due.")
    shown_from = models.DateField(help_text="The first day it is listed.")
    shown_until = models.DateField(null=True, blank=True, help_text="The last day it is listed; empty: until done.")
    ref = models.PositiveBigIntegerField(null=True, blank=True, help_text="The record it is about, for the link.")
    note = models.CharField(max_length=200, blank=True, help_text="What is due, in words that name nobody.")

    objects = DueItemQuerySet.as_manager()

    class Meta:
        ordering = ["due", "id"]
        indexes = [
            # A kind's items in the order they are listed (most urgent first, the id breaking ties), with the
            # dates they are shown between: the first few of a kind are read in order and filtered on the index
            # alone (the dashboard's, a list's first page), and a kind's count is a walk of its part of it.
            models.Index(fields=["kind", "due", "id", "shown_from", "shown_until"], name="due_items_by_kind_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due:%-d %b %Y}"

    def is_late(self, today: dt.date) -> bool:
        return self.due < today
