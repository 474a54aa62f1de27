"""Running a background build (`models.BackgroundBuild`): queue it, build it with progress, notice it stalled.

A kind of build (the Report to Governors, a transfer pack) gives what only it knows, how to make its
PDF; everything else, the statuses, progress, failure and the stalled-build sweep, is here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile

from .failures import queue_after_commit
from .models import BackgroundBuild

# (progress(percent, stage)) -> (file name, PDF bytes)
Make = Callable[[Any, Callable[[int, str], None]], tuple[str, bytes]]


def build_queue(build: BackgroundBuild, task: Any) -> None:
    """Queue the build's task once the request's transaction commits; if the queue is down, say so on it."""
    model = type(build)
    queue_after_commit(task, build.pk, if_down=lambda message: model.mark_failed(build.pk, message))


def build_run(model: type[BackgroundBuild], pk: int, *, make: Make, on_failure_final: bool = True,
              finish: Callable[[Any], None] = lambda build: None, related: tuple[str, ...] = ()) -> str:
    """Build one queued build's PDF: "skipped" when it is gone or built already, else "built".

    `make` works the figures out (reporting progress up to 75%) and draws the PDF; `finish` sets anything
    else the kind keeps with it. A failure with no retries left marks the build failed, for the page to say.
    """
    build = model.objects.select_related(*related).filter(pk=pk).first()
    if build is None or build.status == model.READY:
        return "skipped"
    model.mark_building(pk)
    try:
        name, pdf = make(build, lambda percent, stage: model.set_progress(pk, percent, stage))
        model.set_progress(pk, 95, "Saving")
        build.refresh_from_db()
        build.pdf.save(name, ContentFile(pdf), save=False)
        finish(build)
        build.set_ready()
        build.save()
    except Exception as error:
        if on_failure_final:
            model.mark_failed(pk, error)
        raise
    return "built"


def builds_mark_stalled() -> int:
    """Mark failed every build of every kind that has not moved for 10 minutes (the beat task runs this)."""
    return sum(model.objects.mark_stalled() for model in apps.get_models()
               if issubclass(model, BackgroundBuild))
