"""The Report to Governors as a PDF: its figures rendered through one template by WeasyPrint."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from cwsw.pdf import pdf_from_html


def report_html(data: dict[str, Any]) -> str:
    """Render the report's figures (figures.report_data) to the HTML WeasyPrint prints."""
    return render_to_string("reporting/report_pdf.html", data)


def render_report(data: dict[str, Any]) -> bytes:
    """Render the report's figures to PDF bytes."""
    return pdf_from_html(report_html(data))
