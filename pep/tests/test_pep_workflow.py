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


def test_it_lets_the_dt_plan_a_pep(login, dt_user):
    pupil = looked_after_pupil()
    response = login(dt_user).post(reverse("pep:pep_add", args=[pupil.pk]), {
        "academic_year": "2025", "term": "autumn", "meeting_date": "2025-12-01"})
    pep = PepMeeting.objects.get()
    assert response.url == pep.get_absolute_url()
    assert (pep.status, pep.meeting_date) == ("planned", dt.date(2025, 12, 1))


def test_it_makes_a_pep_held_when_the_meeting_is_recorded(login, dt_user):
    pep = PepFactory(status="planned")
    login(dt_user).post(reverse("pep:pep_hold", args=[pep.pk]), HOLD)
    pep.refresh_from_db()
    assert pep.status == "held"
    assert pep.attendees == ["child", "carer", "social_worker", "dt"]
    assert pep.sdq_band == "Borderline"


@pytest.mark.parametrize("field, value, message", [
    ("meeting_date", "2025-12-25", "cannot be held on a date still to come"),
    ("sdq_total", "41", "Enter 40 or less."),
    ("attendance_percent", "100.5", "Enter 100 or less."),
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
def test_it_bands_sdq_totals(total, band):
    assert sdq_band(total) == band


def test_it_locks_the_pep_on_completing(login, dt_user):
    target = TargetFactory()
    login(dt_user).post(reverse("pep:pep_complete", args=[target.pep.pk]))
    target.pep.refresh_from_db()
    assert (target.pep.status, target.pep.completed_by) == ("complete", dt_user)
    response = login(dt_user).post(reverse("pep:pep_hold", args=[target.pep.pk]), HOLD)
    assert response.url == target.pep.get_absolute_url()
    assert login(dt_user).post(reverse("pep:target_add", args=[target.pep.pk]), {}).status_code == 302
    assert target.pep.targets.count() == 1


def test_it_refuses_to_hold_a_locked_pep_again_in_the_service(dt_user):
    pep = PepFactory(status="complete")
    with pytest.raises(ValidationError, match="locked"):
        services.pep_hold(pep=pep, meeting_date=pep.meeting_date, attendees=["child"], by=dt_user)


def test_it_refuses_to_complete_a_pep_without_targets(dt_user):
    with pytest.raises(ValidationError, match="at least one SMART target"):
        services.pep_complete(pep=PepFactory(), by=dt_user)


def test_it_refuses_to_complete_a_planned_pep(dt_user):
    target = TargetFactory(pep__status="planned")
    with pytest.raises(ValidationError, match="Only a PEP that has been held"):
        services.pep_complete(pep=target.pep, by=dt_user)


def test_it_refuses_to_complete_a_red_pep(login, dt_user):
    target = TargetFactory(pep__vs_rating="red")
    response = login(dt_user).post(reverse("pep:pep_complete", args=[target.pep.pk]), follow=True)
    assert "rated this PEP red" in response.content.decode()
    target.pep.refresh_from_db()
    assert target.pep.status == "held"


def test_it_reopens_a_complete_pep_rated_red(dt_user):
    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    services.pep_rate(pep=target.pep, rating="red", feedback="Targets not SMART", by=dt_user)
    target.pep.refresh_from_db()
    assert target.pep.status == "held"
    assert target.pep.reopenings.get().reason == "Rated red by the Virtual School."


def test_it_keeps_a_complete_pep_complete_when_rated_amber(dt_user):
    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    services.pep_rate(pep=target.pep, rating="amber", feedback="", by=dt_user)
    target.pep.refresh_from_db()
    assert (target.pep.status, target.pep.vs_rating) == ("complete", "amber")


def test_it_needs_a_reason_to_reopen_and_logs_it(login, dt_user):
    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    client = login(dt_user)
    response = client.post(reverse("pep:pep_reopen", args=[target.pep.pk]), {"reason": "   "})
    assert response.context["form"].errors["reason"]
    client.post(reverse("pep:pep_reopen", args=[target.pep.pk]), {"reason": "Carer's name misspelt"})
    target.pep.refresh_from_db()
    assert target.pep.status == "held"
    assert target.pep.reopenings.get().by == dt_user
    assert AccessLog.objects.filter(code="pep.reopened").exists()


def test_it_reviews_the_previous_targets_at_the_next_pep(login, dt_user):
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
    page = client.get(reverse("pep:pep_detail", args=[new_pep.pk])).content.decode()
    assert page.count("carried forward</span>") == 1  # the carried target is marked; the PEP's own is not
    services.pep_complete(pep=new_pep, by=dt_user)


def test_it_reviews_only_the_previous_peps_targets_here(login, dt_user):
    pep = PepFactory()
    stranger = TargetFactory()
    login(dt_user).post(reverse("pep:target_review", args=[pep.pk, stranger.pk]), {"review": "met"})
    stranger.refresh_from_db()
    assert stranger.review == ""


def test_it_puts_the_pep_in_the_pdf_and_logs_the_download(login, dt_user):
    from io import BytesIO

    from pypdf import PdfReader

    target = TargetFactory(pep__child_views="Wants to join the art club")
    response = login(dt_user).get(reverse("pep:pep_pdf", args=[target.pep.pk]))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "Wants to join the art club" in text
    assert "Read aloud to the key adult" in text
    assert target.pep.pupil.upn in text
    assert AccessLog.objects.filter(action="download", pupil=target.pep.pupil).exists()


def test_it_renders_a_pep_as_a_pdf():
    assert render_pep(TargetFactory().pep).startswith(b"%PDF")


def test_a_pep_that_cannot_be_completed_says_why_instead_of_offering_the_button(login, dt_user):
    pep = PepFactory(status="held", vs_rating="red")
    body = login(dt_user).get(pep.get_absolute_url()).content.decode()
    assert "Complete and sign off" not in body
    assert "rated this PEP red" in body and "Add at least one SMART target" in body
    TargetFactory(pep=pep)
    PepMeeting.objects.filter(pk=pep.pk).update(vs_rating="green")
    body = login(dt_user).get(pep.get_absolute_url()).content.decode()
    assert "Complete and sign off" in body and 'data-testid="blockers"' not in body
    assert 'data-confirm="Complete and sign off this PEP? It will be locked' in body


def test_signing_off_needs_who_attended_and_the_next_meeting_s_date(login, dt_user):
    target = TargetFactory(pep__attendees=[], pep__next_meeting_date=None)
    pep = target.pep
    page = login(dt_user).get(pep.get_absolute_url()).content.decode()
    assert "Record who attended the meeting before completing the PEP." in page
    assert "Record the date agreed for the next PEP meeting before completing the PEP." in page
    with pytest.raises(ValidationError, match="who attended"):
        services.pep_complete(pep=pep, by=dt_user)
    pep.refresh_from_db()
    assert pep.status == "held"


def test_the_next_meeting_s_date_plans_the_next_pep_or_moves_the_one_planned(login, dt_user):
    pep = PepFactory(status="planned", meeting_date=dt.date(2025, 10, 15))
    client = login(dt_user)
    client.post(reverse("pep:pep_hold", args=[pep.pk]), {**HOLD, "next_meeting_date": "2026-01-21"})
    planned = PepMeeting.objects.get(pupil=pep.pupil, status="planned")
    assert (planned.meeting_date, planned.term) == (dt.date(2026, 1, 21), "spring")
    client.post(reverse("pep:pep_hold", args=[pep.pk]), {**HOLD, "next_meeting_date": "2026-02-04"})
    assert list(PepMeeting.objects.filter(pupil=pep.pupil, status="planned").values_list("meeting_date", flat=True)) \
        == [dt.date(2026, 2, 4)]


@pytest.mark.parametrize(("next_date", "message"), [
    ("2025-10-15", "The next meeting must be after this one."),
    ("2026-06-01", "agree the next meeting within six months"),
])
def test_a_next_meeting_date_out_of_order_is_refused_next_to_the_field(login, dt_user, next_date, message):
    pep = PepFactory(status="planned")
    response = login(dt_user).post(reverse("pep:pep_hold", args=[pep.pk]), {**HOLD, "next_meeting_date": next_date})
    assert any(message in error for error in response.context["form"].errors["next_meeting_date"])
    assert not PepMeeting.objects.filter(status="planned").exclude(pk=pep.pk).exists()
