"""A PEP moves planned -> held -> complete; complete locks it; reopening needs a reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cwsw.models import AccessLog
from pep import services
from pep.models import PepMeeting, sdq_band
from pep.pdf import render_pep
from pep.tests.factories import PepFactory, TargetFactory, looked_after_pupil

pytestmark = pytest.mark.django_db
HOLD = {
    "meeting_date": "2025-10-15", "attendees": ["child", "carer", "social_worker", "dt"],
    "child_views": "Likes art; wants help with reading", "attendance_percent": "94.5",
    "attainment": "Working towards in reading", "sdq_total": "15",
}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))


def test_the_dt_plans_a_pep(login, dt_user):
    pupil = looked_after_pupil()
    response = login(dt_user).post(reverse("pep:pep_add", args=[pupil.pk]), {
        "academic_year": "2025", "term": "autumn", "meeting_date": "2025-12-01"})
    pep = PepMeeting.objects.get()
    assert response.url == pep.get_absolute_url()
    assert (pep.status, pep.meeting_date) == ("planned", dt.date(2025, 12, 1))


def test_recording_the_meeting_makes_it_held(login, dt_user):
    pep = PepFactory(status="planned")
    login(dt_user).post(reverse("pep:pep_hold", args=[pep.pk]), HOLD)
    pep.refresh_from_db()
    assert pep.status == "held"
    assert pep.attendees == ["child", "carer", "social_worker", "dt"]
    assert pep.sdq_band == "Borderline"


@pytest.mark.parametrize("field, value, message", [
    ("meeting_date", "2025-12-25", "cannot be held on a date still to come"),
    ("sdq_total", "41", "less than or equal to 40"),
    ("attendance_percent", "100.5", "less than or equal to 100"),
    ("attendees", ["child", "king"], "Select a valid choice"),
])
def test_it_refuses_a_bad_meeting_record(login, dt_user, field, value, message):
    pep = PepFactory(status="planned")
    response = login(dt_user).post(reverse("pep:pep_hold", args=[pep.pk]), {**HOLD, field: value})
    assert any(message in e for e in response.context["form"].errors[field])
    pep.refresh_from_db()
    assert pep.status == "planned"


@pytest.mark.parametrize("total, band", [(0, "Normal"), (13, "Normal"), (14, "Borderline"), (16, "Borderline"),
                                         (17, "Cause for concern"), (40, "Cause for concern")])
def test_sdq_bands(total, band):
    assert sdq_band(total) == band


def test_completing_locks_the_pep(login, dt_user):
    target = TargetFactory()
    login(dt_user).post(reverse("pep:pep_complete", args=[target.pep.pk]))
    target.pep.refresh_from_db()
    assert (target.pep.status, target.pep.completed_by) == ("complete", dt_user)
    response = login(dt_user).post(reverse("pep:pep_hold", args=[target.pep.pk]), HOLD)
    assert response.url == target.pep.get_absolute_url()
    assert login(dt_user).post(reverse("pep:target_add", args=[target.pep.pk]), {}).status_code == 302
    assert target.pep.targets.count() == 1


def test_a_locked_pep_cannot_be_held_again_by_the_service(dt_user):
    pep = PepFactory(status="complete")
    with pytest.raises(ValidationError, match="locked"):
        services.pep_hold(pep=pep, by=dt_user)


def test_a_pep_without_targets_cannot_be_completed(dt_user):
    with pytest.raises(ValidationError, match="at least one SMART target"):
        services.pep_complete(pep=PepFactory(), by=dt_user)


def test_a_planned_pep_cannot_be_completed(dt_user):
    target = TargetFactory(pep__status="planned")
    with pytest.raises(ValidationError, match="Only a PEP that has been held"):
        services.pep_complete(pep=target.pep, by=dt_user)


def test_a_red_pep_cannot_be_completed(login, dt_user):
    target = TargetFactory(pep__vs_rating="red")
    response = login(dt_user).post(reverse("pep:pep_complete", args=[target.pep.pk]), follow=True)
    assert "rated this PEP red" in response.content.decode()
    target.pep.refresh_from_db()
    assert target.pep.status == "held"


def test_rating_a_complete_pep_red_reopens_it(dt_user):
    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    services.pep_rate(pep=target.pep, rating="red", feedback="Targets not SMART", by=dt_user)
    target.pep.refresh_from_db()
    assert target.pep.status == "held"
    assert target.pep.reopenings.get().reason == "Rated red by the Virtual School."


def test_an_amber_rating_keeps_a_complete_pep_complete(dt_user):
    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    services.pep_rate(pep=target.pep, rating="amber", feedback="", by=dt_user)
    target.pep.refresh_from_db()
    assert (target.pep.status, target.pep.vs_rating) == ("complete", "amber")


def test_reopening_needs_a_reason_and_is_logged(login, dt_user):
    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    client = login(dt_user)
    response = client.post(reverse("pep:pep_reopen", args=[target.pep.pk]), {"reason": "   "})
    assert response.context["form"].errors["reason"]
    client.post(reverse("pep:pep_reopen", args=[target.pep.pk]), {"reason": "Carer's name misspelt"})
    target.pep.refresh_from_db()
    assert target.pep.status == "held"
    assert target.pep.reopenings.get().by == dt_user
    assert AccessLog.objects.filter(detail="PEP reopened").exists()


def test_the_next_pep_reviews_the_previous_targets(login, dt_user):
    old = TargetFactory(pep__meeting_date=dt.date(2025, 6, 10), pep__academic_year=2024, pep__term="summer")
    new_pep = PepFactory(pupil=old.pep.pupil)
    TargetFactory(pep=new_pep)
    client = login(dt_user)
    with pytest.raises(ValidationError, match="Review every target"):
        services.pep_complete(pep=new_pep, by=dt_user)
    client.post(reverse("pep:target_review", args=[new_pep.pk, old.pk]), {"review": "carried_forward"})
    old.refresh_from_db()
    assert (old.review, old.reviewed_in) == ("carried_forward", new_pep)
    assert new_pep.targets.filter(carried_from=old).count() == 1
    services.pep_complete(pep=new_pep, by=dt_user)


def test_only_the_previous_peps_targets_are_reviewed_here(login, dt_user):
    pep = PepFactory()
    stranger = TargetFactory()
    login(dt_user).post(reverse("pep:target_review", args=[pep.pk, stranger.pk]), {"review": "met"})
    stranger.refresh_from_db()
    assert stranger.review == ""


def test_the_pdf_holds_the_pep_and_its_download_is_logged(login, dt_user):
    from io import BytesIO

    from pypdf import PdfReader

    target = TargetFactory(pep__child_views="Wants to join the art club")
    response = login(dt_user).get(reverse("pep:pep_pdf", args=[target.pep.pk]))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "Wants to join the art club" in text
    assert "Read aloud to the key adult" in text
    assert target.pep.pupil.upn in text
    assert AccessLog.objects.filter(action="download", pupil=target.pep.pupil).exists()


def test_render_pep_returns_a_pdf():
    assert render_pep(TargetFactory().pep).startswith(b"%PDF")
