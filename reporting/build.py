"""Building a queued Report to Governors: gather the figures, render the PDF, store it."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.core.files.base import ContentFile
from django.utils import timezone

from .figures import report_charts, report_data
from .models import GovernorReport
from .pdf import render_report

logger = logging.getLogger(__name__)


def _set_progress(report_id: int, percent: int, stage: str) -> None:
    GovernorReport.set_progress(report_id, percent, stage)


def report_build(*, report_id: int, on_failure_final: bool = True, today: dt.date | None = None) -> str:
    """Build the PDF of a queued report; a report already built is not built again."""
    report = GovernorReport.objects.filter(pk=report_id).first()
    if report is None or report.status == GovernorReport.READY:
        return "skipped"
    GovernorReport.mark_building(report_id)
    try:
        started = time.perf_counter()
        data = report_data(academic_year=report.academic_year, today=today or timezone.localdate(),
                           progress=lambda percent, stage: _set_progress(report_id, percent, stage))
        gathered = time.perf_counter()
        _set_progress(report_id, 75, "Drawing the PDF")
        pdf = render_report(data)
        rendered = time.perf_counter()
        _set_progress(report_id, 95, "Saving")
        report.refresh_from_db()
        report.pdf.save(f"governor-report-{report.academic_year}.pdf", ContentFile(pdf), save=False)
        report.charts = report_charts(data)
        report.set_ready()
        report.save()
        logger.info("Report %s built: figures %.2f s, WeasyPrint %.2f s", report_id,
                    gathered - started, rendered - gathered)
    except Exception as error:
        if on_failure_final:
            GovernorReport.mark_failed(report_id, error)
        raise
    return "built"
