"""Work built in the background with a progress bar (the Report to Governors, a transfer pack): the abstract
model each kind extends (`BackgroundBuild`), and running one: queue it, build it with progress, notice it stalled.

A kind of build (the Report to Governors, a transfer pack) gives what only it knows, how to make its
PDF; everything else, the statuses, progress, failure and the stalled-build sweep, is here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from .failures import queue_after_commit

# A build that has not moved for this long has lost its worker: it is marked failed and can be asked for again.
BUILD_STALLED_AFTER = dt.timedelta(minutes=10)
# Sooner than that, when someone asks for it again: a build quiet this long is checked against the workers,
# and if none answers a ping it is lost now (a worker killed outright leaves no other trace).
BUILD_QUIET_AFTER = dt.timedelta(minutes=1)
PING_SECONDS = 1.0


def workers_answering() -> bool | None:
    """Whether any Celery worker answers a ping within PING_SECONDS; None when the broker cannot be asked
    (then nothing is known, and nothing is marked)."""
    from kombu.exceptions import OperationalError

    from .celery import app

    try:
        return bool(app.control.ping(timeout=PING_SECONDS))
    except OperationalError:
        return None


def _build_upload_to(instance: BackgroundBuild, filename: str) -> str:
    return f"{instance.upload_dir}/{filename}"


class BuildQuerySet(models.QuerySet):
    def stalled(self, now: dt.datetime | None = None) -> BuildQuerySet:
        cutoff = (now or timezone.now()) - BUILD_STALLED_AFTER
        return self.filter(status__in=[BackgroundBuild.QUEUED, BackgroundBuild.BUILDING], progress_at__lt=cutoff)

    def mark_stalled(self, now: dt.datetime | None = None) -> int:
        """Mark failed every build that has not moved for 10 minutes, so it can be asked for again."""
        return self.stalled(now).update(status=BackgroundBuild.FAILED, stage="Failed",
                                        error=self.model.stalled_message())

    def mark_lost(self, now: dt.datetime | None = None) -> int:
        """Mark failed the builds here that have been quiet for a minute, if no worker answers a ping (asked
        only when there is such a build): someone asking again need not wait the full 10 minutes."""
        quiet = self.filter(status__in=[BackgroundBuild.QUEUED, BackgroundBuild.BUILDING],
                            progress_at__lt=(now or timezone.now()) - BUILD_QUIET_AFTER)
        if not quiet.exists() or workers_answering() is not False:
            return 0
        return quiet.update(status=BackgroundBuild.FAILED, stage="Failed", error=self.model.lost_message())


class BackgroundBuild(models.Model):
    """A PDF built by a Celery task that stores its progress on the row, for a page to poll.

    Each kind says what it is called (`noun`) and where its files go (`upload_dir`); the running of a
    build, its progress and its failure are `cwsw.builds`'s, the same for every kind.
    """

    QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
    STATUSES = [(QUEUED, "Queued"), (BUILDING, "Building"), (READY, "Ready"), (FAILED, "Failed")]
    noun = "build"
    upload_dir = "builds"

    status = models.CharField(max_length=8, choices=STATUSES, default=QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done, set by the task.")
    stage = models.CharField(max_length=100, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    progress_at = models.DateTimeField(default=timezone.now, help_text="When the build last moved on.")
    built_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    pdf = models.FileField(upload_to=_build_upload_to, blank=True)

    objects = BuildQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_running(self) -> bool:
        return self.status in (self.QUEUED, self.BUILDING)

    @property
    def is_stalled(self) -> bool:
        """Running, but nothing moved for 10 minutes: the beat task is about to mark it failed."""
        return self.is_running and self.progress_at < timezone.now() - BUILD_STALLED_AFTER

    @classmethod
    def stalled_message(cls) -> str:
        return ("The build stopped: nothing moved for 10 minutes (its worker may have been stopped). "
                f"Ask for the {cls.noun} again.")

    @classmethod
    def lost_message(cls) -> str:
        return ("The build stopped: no background worker is running to finish it. "
                f"Ask for the {cls.noun} again; if this happens again, tell the school's IT administrator.")

    @classmethod
    def set_progress(cls, pk: int, percent: int, stage: str) -> None:
        cls.objects.filter(pk=pk).update(progress=percent, stage=stage, progress_at=timezone.now())

    @classmethod
    def mark_building(cls, pk: int) -> None:
        cls.objects.filter(pk=pk).update(status=cls.BUILDING, error="", progress_at=timezone.now())

    @classmethod
    def mark_failed(cls, pk: int, error: Exception | str) -> None:
        cls.objects.filter(pk=pk).update(status=cls.FAILED, stage="Failed", error=str(error)[:300])

    def set_ready(self) -> None:
        """Say the build is done (the caller saves, with the PDF)."""
        self.status, self.progress, self.stage, self.built_at = self.READY, 100, "Ready", timezone.now()



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
