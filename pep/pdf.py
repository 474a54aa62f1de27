"""PEP as a PDF, to share with the Virtual School."""

from django.template.loader import render_to_string

from cwsw.models import SchoolProfile
from cwsw.pdf import pdf_from_html

from .models import ACCEPTED, CHILD, Contribution, PepMeeting


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
    return pdf_from_html(html)


def render_contribution_copy(contribution: Contribution) -> bytes:
    """The contributor's own copy of the part they sent: the child's first name only, as their page showed."""
    pep = contribution.pep
    html = render_to_string("pep/contribute/copy_pdf.html", {
        "contribution": contribution, "first_name": pep.pupil.first_name, "meeting_date": pep.meeting_date,
        "is_child": contribution.invitation.role == CHILD, "school": SchoolProfile.load(),
    })
    return pdf_from_html(html)
