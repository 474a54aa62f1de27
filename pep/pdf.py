"""PEP as a PDF, to share with the Virtual School."""

from django.template.loader import render_to_string
from weasyprint import HTML

from cwsw.models import SchoolProfile

from .models import ACCEPTED, PepMeeting


def render_pep(pep: PepMeeting) -> bytes:
    """Render one PEP to PDF bytes."""
    html = render_to_string("pep/pep_pdf.html", {
        "pep": pep,
        "pupil": pep.pupil,
        "targets": pep.targets.all(),
        "contributions": pep.contributions.filter(status=ACCEPTED).select_related("invitation"),
        "quality_review": pep.quality_reviews.select_related("invitation").first(),
        "school": SchoolProfile.load(),
    })
    return HTML(string=html).write_pdf()
