"""PEP as a PDF, to share with the Virtual School."""

from django.template.loader import render_to_string
from weasyprint import HTML

from cwsw.models import SchoolProfile

from .models import PepMeeting


def render_pep(pep: PepMeeting) -> bytes:
    """Render one PEP to PDF bytes."""
    html = render_to_string("pep/pep_pdf.html", {
        "pep": pep,
        "pupil": pep.pupil,
        "targets": pep.targets.all(),
        "school": SchoolProfile.load(),
    })
    return HTML(string=html).write_pdf()
