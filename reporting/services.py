"""Every write in reporting: asking for the report, logging its downloads, and what goes into it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cwsw.builds import build_queue
from cwsw.models import AccessLog

from .models import GovernorReport, ReportNarrative, SchoolFigures, TrainingRecord
from .tasks import build_governor_report


@transaction.atomic
def report_request(*, academic_year: int, by: Any) -> GovernorReport:
    """Queue the year's report to be (re)built once the request's transaction commits.

    A build already running is left alone: the report comes back with `was_queued` False.
    """
    report, created = GovernorReport.objects.get_or_create(
        academic_year=academic_year, defaults={"requested_by": by},
    )
    # A build whose worker stopped (nothing moved for 10 minutes, or for a minute with no worker answering
    # a ping) no longer counts as running.
    GovernorReport.objects.filter(pk=report.pk).mark_stalled()
    GovernorReport.objects.filter(pk=report.pk).mark_lost()
    report = GovernorReport.objects.select_for_update().get(pk=report.pk)
    if not created and report.is_running:
        report.was_queued = False
        return report
    report.status, report.progress, report.stage, report.error = GovernorReport.QUEUED, 0, "Queued", ""
    report.requested_by, report.requested_at = by, timezone.now()
    report.progress_at = report.requested_at
    report.save()
    report.was_queued = True
    build_queue(report, build_governor_report)
    return report


@transaction.atomic
def report_download_log(*, report: GovernorReport, by: Any) -> None:
    """Log a download of the anonymised report (it names no pupil)."""
    AccessLog.record(user=by, code="report.downloaded", pupils=[None], about=report)


@transaction.atomic
def narrative_save(*, narrative: ReportNarrative, by: Any) -> ReportNarrative:
    """Save the designated teacher's narrative for a year's report."""
    narrative.full_clean()
    narrative.save()
    return narrative


@transaction.atomic
def school_figures_save(*, figures: SchoolFigures, by: Any) -> SchoolFigures:
    """Save a term's whole-school figures; a term entered again is corrected, not duplicated."""
    figures.full_clean()
    figures.save()
    return figures


@transaction.atomic
def training_record(*, training: TrainingRecord, by: Any) -> TrainingRecord:
    """Record training taken by the designated teacher, the DSL or the whole staff."""
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def due_export_log(*, rows: list, kind: str, by: Any) -> None:
    """Log each pupil in an export of a "what is due" list."""
    AccessLog.record(user=by, code="due.exported", pupils=sorted({row.pupil_id for row in rows}),
                     data={"kind": kind, "rows": len(rows)})
