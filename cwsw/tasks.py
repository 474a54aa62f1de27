"""Celery tasks of the school-wide app: thin, safe to run twice."""

from celery import shared_task

from .builds import builds_mark_stalled
from .failures import TASK_RETRY


@shared_task(**TASK_RETRY)
def mark_stalled_builds() -> int:
    """Mark failed every background build that has not moved for 10 minutes, so it can be asked for again."""
    return builds_mark_stalled()
