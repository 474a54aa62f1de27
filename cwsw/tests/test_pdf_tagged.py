"""Every PDF the app makes is tagged for screen readers (PDF/UA-1): a structure tree, marked content, the
document's title and language; and the report's chart labels print at 9 pt or more."""

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from pep import services
from pep.models import Contribution, TransferPack
from pep.pack_build import pack_build
from pep.pdf import render_contribution_copy, render_pep
from pep.tests.factories import PepFactory, TargetFactory
from reporting.charts import FONT_SIZE
from reporting.figures import report_data
from reporting.pdf import render_report

pytestmark = pytest.mark.django_db


def assert_tagged(data: bytes, title_words: str) -> None:
    reader = PdfReader(BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert title_words in (reader.metadata.title or "")


def test_the_pep_and_a_contributor_s_copy_are_tagged(dt_user):
    pep = TargetFactory().pep
    assert_tagged(render_pep(pep), "PEP")
    invitation = services.invitation_send(pep=PepFactory(status="planned"), role="carer", name="Demo Carer",
                                          email="carer@home.invalid", purpose="contribution", by=dt_user)
    contribution = Contribution.objects.create(invitation=invitation, pep=invitation.pep, submitted_at=timezone.now(),
                                               answers=[["How are things at home?", "Settled"]])
    assert_tagged(render_contribution_copy(contribution), "My part of the PEP")


def test_the_transfer_pack_is_tagged(dsl):
    pep = TargetFactory().pep
    pack = TransferPack.objects.create(pupil=pep.pupil, requested_by=dsl, with_safeguarding=False)
    pack_build(pack_id=pack.pk)
    pack.refresh_from_db()
    with pack.pdf.open("rb") as handle:
        assert_tagged(handle.read(), "Transfer pack: ")


def test_the_report_to_governors_is_tagged_with_labels_of_9_pt_or_more():
    assert_tagged(render_report(report_data(academic_year=2025, today=dt.date(2026, 7, 20))), "Report to Governors")
    assert FONT_SIZE * 0.75 >= 9  # CSS pixels to points: the charts are drawn at their own size in the PDF
