"""Celery tasks of the register: thin, safe to run twice."""

from typing import Any

from celery import shared_task
from django.db.models import Q

from cwsw.failures import TASK_RETRY, queue_after_commit

from .derived import derived_rebuild_all


@shared_task(**TASK_RETRY)
def rebuild_derived(_: object = None) -> int:
    """Work out again every pupil's derived facts: nightly (a new academic year needs PEP slots), and after the
    term dates or the school's settings change."""
    return derived_rebuild_all()


def derived_rebuild_queue(sender: Any = None, **kwargs: Any) -> None:
    """cwsw's calendar_changed: rebuild every pupil's derived facts once the change commits (in this process
    if the task queue cannot be reached, so nothing stays stale)."""
    queue_after_commit(rebuild_derived, None, if_down=lambda message: derived_rebuild_all())


def derived_rebuild_restored(sender: Any = None, **kwargs: Any) -> None:
    """cwsw's backup_restored: a backup carries the derived facts as they were, in step with its records; one made
    before a fact was kept (no "what is due" rows, spells without their copies of the dates on roll, a social
    worker's spell without its plan) has them worked out in the restore's own transaction."""
    from . import cohort
    from .models import CategorySpell, DueItem, Pupil

    spells_stale = Q(admission_date__isnull=True) | Q(category=cohort.CWSW, plan="")
    stale = CategorySpell.objects.filter(spells_stale).exists() or (
        Pupil.objects.exists() and not DueItem.objects.exists())
    if stale:
        derived_rebuild_all()
