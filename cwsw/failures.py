"""Background work that failed is recorded (TaskFailure) and logged, never lost quietly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from .models import TASK_LABELS, TaskFailure

logger = logging.getLogger(__name__)
# Every task's retries: growing, jittered waits (up to TASK_RETRY_BACKOFF * 2^n seconds); once the
# retries are spent, Celery's task_failure signal records a TaskFailure (on_task_failure below).
TASK_RETRY = {"autoretry_for": (Exception,), "retry_backoff": settings.TASK_RETRY_BACKOFF, "retry_jitter": True,
              "max_retries": settings.TASK_MAX_RETRIES}

# Topic -> task name: work queued on behalf of a lower app ("flag": the new-flag e-mail),
# registered by the app that queues it, so a page can say when it could not be queued.
TOPICS: dict[str, str] = {}


def task_register(*, name: str, label: str, topic: str = "") -> None:
    """Name a background task in plain words, and the topic it serves if a lower app asks."""
    TASK_LABELS[name] = label
    if topic:
        TOPICS[topic] = name


def queue_failed(*, topic: str, ref: Any) -> bool:
    """Return True if the work for this topic and record could not be queued."""
    task = TOPICS.get(topic)
    return task is not None and TaskFailure.objects.filter(
        task=task, stage=TaskFailure.QUEUE, ref=str(ref)[:100]).exists()


def task_failure_record(
    *, task: str, stage: str, ref: Any = "", error: BaseException | str, retries: int = 0,
) -> None:
    """Record and log one failure; if even the database cannot take it, the log still has it."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    what = "could not be queued" if stage == TaskFailure.QUEUE else f"failed after {retries} retries"
    logger.error("Background task %s %s (%s): %s", task, what, ref, text)
    try:
        TaskFailure.objects.create(task=task, stage=stage, ref=str(ref)[:100], error=text[:300], retries=retries)
    except Exception:
        logger.exception("Could not record the failure of %s", task)


def queue_after_commit(task: Any, ref: Any, *, if_down: Callable[[str], None] = lambda message: None) -> None:
    """Queue `task.delay(ref)` once the current transaction commits.

    If the broker cannot be reached, the failure is recorded (TaskFailure) and `if_down` is told, in
    words for the page, so the record it was queued for can say so; the request itself carries on.
    """

    def enqueue() -> None:
        try:
            task.delay(ref)
        except Exception as error:  # the broker is down: keep the page working
            task_failure_record(task=task.name, stage=TaskFailure.QUEUE, ref=ref, error=error)
            if_down(f"Could not reach the task queue ({type(error).__name__}). Try again shortly.")

    transaction.on_commit(enqueue)


def on_task_failure(sender: Any = None, task_id: str = "", exception: BaseException | None = None,
                    args: Any = (), kwargs: Any = None, **extra: Any) -> None:
    """Celery's task_failure signal: sent once a task has no retries left."""
    request = getattr(sender, "request", None)
    task_failure_record(
        task=getattr(sender, "name", str(sender)), stage=TaskFailure.RUN,
        ref=", ".join(str(a) for a in (args or ())), error=exception or "unknown error",
        retries=getattr(request, "retries", 0) or 0,
    )
