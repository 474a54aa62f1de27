"""Every PDF the app makes (the PEP, a contributor's copy, the transfer pack, the Report to Governors) is
drawn here, tagged for screen readers (PDF/UA-1: headings, tables and reading order marked, the document's
title and language set), so each kind need not remember to."""

from weasyprint import HTML

PDF_VARIANT = "pdf/ua-1"


def pdf_from_html(html: str) -> bytes:
    """The HTML (with its <title> and <html lang>) as a tagged PDF."""
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
