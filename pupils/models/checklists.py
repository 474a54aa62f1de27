"""The joining and leaving checklists: each step with its deadline in school days (rules in pupils/transitions.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .. import transitions
from .pupils import Pupil


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
