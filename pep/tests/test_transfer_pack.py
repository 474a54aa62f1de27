"""The transfer pack: built as a task, read back from the PDF, the safeguarding notes the DSL's only."""

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cwsw.models import AccessLog, TaskFailure
from cwsw.tasks import mark_stalled_builds
from pep import pack_build as packs
from pep.models import PepTarget, TransferPack
from pep.tests.factories import PepFactory, looked_after_pupil
from pupils import services as register
from pupils.models import SafeguardingNote, SubjectGrade

D = dt.date


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def leaver(dsl):
    pupil = looked_after_pupil(first_name="Crumpet", last_name="Packington")
    pep = PepFactory(pupil=pupil, academic_year=2025, term="autumn", meeting_date=D(2025, 10, 8))
    PepTarget.objects.create(pep=pep, area="reading", description="Reads a chapter book each week",
                             success_criteria="Reading log", owner="Class teacher")
    SafeguardingNote.objects.create(pupil=pupil, written_by=dsl, text="Demo note only the DSL reads")
    SubjectGrade.objects.create(pupil=pupil, academic_year=2025, term="autumn", subject="english_literature",
                                current=5, predicted=6, target=7)
    return register.pupil_leave(pupil=pupil, leaving_date=timezone.localdate() - dt.timedelta(days=10),
                                leaving_reason="moved_school", destination_school="Northbrook Academy (demo)", by=dsl)


@pytest.mark.django_db
def test_the_dsl_builds_a_pack_with_the_safeguarding_notes(login, dsl, leaver, django_capture_on_commit_callbacks):
    client = login(dsl)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pep:transfer_packs", args=[leaver.pk]))
    pack = TransferPack.objects.get(pupil=leaver)
    assert response.url == pack.get_absolute_url()
    pack.refresh_from_db()
    assert (pack.status, pack.progress, pack.with_safeguarding) == ("ready", 100, True)
    assert AccessLog.objects.filter(pupil=leaver, user=dsl, action="export",
                                    code="pack.built", data__with_safeguarding=True).exists()
    download = client.get(reverse("pep:transfer_pack_download", args=[pack.pk]))
    assert download["Content-Type"] == "application/pdf" and "no-store" in download["Cache-Control"]
    text = pdf_text(download)
    for words in ("Transfer pack: Crumpet Packington", "Northbrook Academy (demo)", "Reads a chapter book each week",
                  "Child-protection file sent to the new school's DSL", "Demo note only the DSL reads",
                  "English literature"):
        assert words in " ".join(text.split()), words
    assert AccessLog.objects.filter(pupil=leaver, user=dsl, action="download").exists()


@pytest.mark.django_db
def test_the_dts_pack_has_no_safeguarding_notes_and_the_dt_cannot_open_the_dsls(
        login, dsl, dt_user, leaver, django_capture_on_commit_callbacks):
    login(dsl).post(reverse("pep:transfer_packs", args=[leaver.pk]))
    dsl_pack = TransferPack.objects.get(pupil=leaver)
    client = login(dt_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pep:transfer_packs", args=[leaver.pk]))
    dt_pack = TransferPack.objects.exclude(pk=dsl_pack.pk).get()
    assert not dt_pack.with_safeguarding
    text = pdf_text(client.get(reverse("pep:transfer_pack_download", args=[dt_pack.pk])))
    assert "Reads a chapter book each week" in " ".join(text.split())
    assert "Demo note" not in text and "Safeguarding notes" not in text
    assert client.get(reverse("pep:transfer_pack_download", args=[dsl_pack.pk])).status_code == 404
    assert client.get(reverse("pep:transfer_pack", args=[dsl_pack.pk])).status_code == 404
    assert "Included" not in client.get(reverse("pep:transfer_packs", args=[leaver.pk])).content.decode()


@pytest.mark.django_db
def test_gathering_a_pack_takes_the_same_queries_however_long_the_record(dsl, leaver, django_assert_num_queries):
    def gather():
        packs.pack_html(packs.pack_data(pupil=leaver, with_safeguarding=True, today=timezone.localdate()))

    gather()  # the school profile is made on first use
    with CaptureQueriesContext(connection) as few:
        gather()
    for month in range(1, 7):
        pep = PepFactory(pupil=leaver, academic_year=2024, term="spring", meeting_date=D(2025, month, 10))
        PepTarget.objects.create(pep=pep, area="maths", description="Times tables", success_criteria="Quiz",
                                 owner="DT")
        SafeguardingNote.objects.create(pupil=leaver, written_by=dsl, text=f"Note {month}")
    with django_assert_num_queries(len(few)):
        gather()


@pytest.mark.django_db(transaction=True)
def test_a_pack_that_cannot_be_queued_says_so(login, dsl, redis_down):
    pupil = looked_after_pupil()
    response = login(dsl).post(reverse("pep:transfer_packs", args=[pupil.pk]), follow=True)
    pack = TransferPack.objects.get()
    assert pack.status == "failed"
    assert "Could not reach the task queue" in response.content.decode()
    assert TaskFailure.objects.filter(task="pep.tasks.build_transfer_pack", stage="queue").exists()


@pytest.mark.django_db
def test_a_stalled_build_is_marked_failed_so_it_can_be_asked_again(login, dsl):
    pupil = looked_after_pupil()
    pack = TransferPack.objects.create(pupil=pupil, requested_by=dsl, status="building",
                                       progress_at=timezone.now() - dt.timedelta(minutes=11))
    client = login(dsl)
    page = client.get(reverse("pep:transfer_pack", args=[pack.pk])).content.decode()
    pack.refresh_from_db()
    assert pack.status == "building" and "Nothing has moved for 10 minutes" in page  # the page only reads
    assert mark_stalled_builds() == 1  # the beat task, every minute
    page = client.get(reverse("pep:transfer_pack", args=[pack.pk])).content.decode()
    pack.refresh_from_db()
    assert pack.status == "failed"
    assert "nothing moved for 10 minutes" in page
