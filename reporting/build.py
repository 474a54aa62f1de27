"""Building a queued Report to Governors: gather the figures, render the PDF, store it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.utils import timezone

from cwsw.builds import build_run

from .figures import report_charts, report_data
from .models import GovernorReport
from .pdf import render_report

logger = logging.getLogger(__name__)


def report_build(*, report_id: int, on_failure_final: bool = True, today: dt.date | None = None) -> str:
    """Build the PDF of a queued report; a report already built is not built again."""
    kept: dict = {}

    def make(report: GovernorReport, progress: Any) -> tuple[str, bytes]:
        started = time.perf_counter()
        kept["data"] = data = report_data(academic_year=report.academic_year, today=today or timezone.localdate(),
                                          progress=progress)
        gathered = time.perf_counter()
        progress(75, "Drawing the PDF")
        pdf = render_report(data)
        logger.info("Report %s built: figures %.2f s, WeasyPrint %.2f s", report_id,
                    gathered - started, time.perf_counter() - gathered)
        return f"governor-report-{report.academic_year}.pdf", pdf

    def finish(report: GovernorReport) -> None:
        report.charts = report_charts(kept["data"])

    return build_run(GovernorReport, report_id, make=make, finish=finish, on_failure_final=on_failure_final)
