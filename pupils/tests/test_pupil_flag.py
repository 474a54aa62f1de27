"""The DSL's flow: flag a pupil as CIN or CP, existing or new."""

import datetime as dt

import pytest
from django.urls import reverse

from cwsw.models import AccessLog
from pupils.models import CareEpisode, Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
URL = reverse("pupils:flag")
PLAN = {"kind": "CP", "start_date": "2025-01-06", "social_worker_name": "Demo Worker Q"}
NEW = {
    "new-upn": "B801200005001", "new-first_name": "Noodle", "new-last_name": "Madeupton",
    "new-date_of_birth": "2014-02-02", "new-admission_date": "2025-09-03", "new-sen_status": "N",
}


def test_it_flags_an_existing_pupil(login, dsl):
    pupil = PupilFactory()
    response = login(dsl).post(URL, {**PLAN, "pupil": pupil.pk})
    episode = CareEpisode.objects.get()
    assert response.url == pupil.get_absolute_url()
    assert (episode.pupil, episode.kind, episode.flagged_by) == (pupil, "CP", dsl)
    assert episode.is_flag_unseen


def test_it_creates_a_new_pupil_and_flags_them_in_one_go(login, dsl):
    login(dsl).post(URL, {**PLAN, "pupil": "", **NEW})
    pupil = Pupil.objects.get(upn="B801200005001")
    assert pupil.cohort_category(dt.date(2025, 2, 1)) == "CWSW"
    assert AccessLog.objects.filter(pupil=pupil, action="create", code="pupil.flagged_new", data__kind="CP").exists()


def test_it_saves_nothing_when_the_new_pupil_is_invalid(login, dsl):
    response = login(dsl).post(URL, {**PLAN, "pupil": "", **NEW, "new-upn": "C801200005001"})
    assert "check letter is wrong" in response.content.decode()
    assert not Pupil.objects.exists() and not CareEpisode.objects.exists()


def test_it_saves_nothing_when_the_plan_is_invalid(login, dsl):
    response = login(dsl).post(URL, {**PLAN, "start_date": "2010-01-01", "pupil": "", **NEW})
    assert response.status_code == 200
    assert "before the pupil was born" in response.content.decode()
    assert not Pupil.objects.exists()


def test_with_a_pupil_chosen_only_the_plan_is_checked_and_summarised_at_the_top(login, dsl):
    pupil = PupilFactory()
    response = login(dsl).post(URL, {**PLAN, "kind": "", "pupil": pupil.pk})
    page = response.content.decode()
    assert response.status_code == 200 and not CareEpisode.objects.exists()
    assert page.count("This field is required.") == 2  # the plan type: in the summary and by the field
    start = page.index('data-testid="error-summary"')
    summary = page[start:page.index("</ul>", start)]
    assert "There is a problem" in summary and 'href="#id_kind_0"' in summary
    assert 'id="id_kind_0"' in page  # the link leads to the first of the plan's choices


def test_it_asks_for_a_pupil(login, dsl):
    response = login(dsl).post(URL, PLAN)
    assert "This field is required." in response.context["new_form"].errors["upn"]
    assert not CareEpisode.objects.exists()


def test_it_refuses_a_second_open_plan_of_the_same_kind(login, dsl):
    existing = CareEpisodeFactory(kind="CP", start_date=dt.date(2024, 1, 1))
    response = login(dsl).post(URL, {**PLAN, "pupil": existing.pupil.pk})
    assert "overlaps" in response.content.decode()
    assert CareEpisode.objects.count() == 1


def test_it_refuses_a_plan_kind_other_than_cin_or_cp(login, dsl):
    pupil = PupilFactory()
    response = login(dsl).post(URL, {**PLAN, "kind": "CLA", "pupil": pupil.pk})
    assert "kind" in response.context["form"].errors
    assert not CareEpisode.objects.exists()


def test_it_prefills_the_pupil_from_the_pupil_page(login, dsl):
    pupil = PupilFactory()
    response = login(dsl).get(URL, {"pupil": pupil.pk})
    assert response.context["form"]["pupil"].value() == str(pupil.pk)


def test_it_lists_no_pupils_until_the_dsl_searches(login, dsl):
    pupils = PupilFactory.create_batch(3)
    body = login(dsl).get(URL).content.decode()
    assert not any(p.last_name in body or p.upn in body for p in pupils)


def test_it_shows_and_logs_only_the_pupils_searched_for(login, dsl):
    wanted, other = PupilFactory(last_name="Findable-Crumpet"), PupilFactory(last_name="Hidden-Muffin")
    body = login(dsl).get(reverse("pupils:search"), {"q": "findable"}).content.decode()
    assert wanted.last_name in body and other.last_name not in body
    assert set(AccessLog.objects.filter(user=dsl).values_list("pupil_id", flat=True)) == {wanted.pk}


def test_it_finds_pupils_without_javascript_too(login, dsl):
    wanted = PupilFactory(last_name="Findable-Crumpet")
    assert f'value="{wanted.pk}"' in login(dsl).get(URL, {"q": wanted.upn}).content.decode()


def test_it_refuses_a_pupil_the_user_may_not_see(login, dsl):
    response = login(dsl).post(URL, {**PLAN, "pupil": "99999999999999999999"})
    assert response.status_code == 200 and not CareEpisode.objects.exists()
