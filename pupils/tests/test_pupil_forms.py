"""Adding and editing pupils and care episodes: what is saved and what is refused."""

import datetime as dt

import pytest
from django.urls import reverse

from cwsw.models import AccessLog
from pupils.models import CareEpisode, Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db

VALID = {
    "upn": "B801200005001", "first_name": "Muffin", "last_name": "Testington",
    "date_of_birth": "2013-03-14", "admission_date": "2024-09-04", "sen_status": "N",
}


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_it_adds_a_pupil(login, dt_user):
    response = login(dt_user).post(reverse("pupils:add"), VALID)
    pupil = Pupil.objects.get(upn="B801200005001")
    assert response.url == pupil.get_absolute_url()
    assert AccessLog.objects.filter(pupil=pupil, action="create").exists()


def test_it_upper_cases_the_upn(login, dt_user):
    login(dt_user).post(reverse("pupils:add"), {**VALID, "upn": "b801200005001"})
    assert Pupil.objects.filter(upn="B801200005001").exists()


@pytest.mark.parametrize("field, value, message", [
    ("upn", "C801200005001", "check letter is wrong"),
    ("date_of_birth", "2099-01-01", "in the future"),
    ("date_of_birth", "1980-01-01", "more than 25 years old"),
    ("admission_date", "2014-01-01", "at least two years after the date of birth"),
    ("date_of_birth", "31/02/2013", "Enter a valid date"),
    ("sen_status", "X", "Select a valid choice"),
])
def test_it_refuses_bad_pupil_details(login, dt_user, field, value, message):
    response = login(dt_user).post(reverse("pupils:add"), {**VALID, field: value})
    assert any(message in e for e in field_errors(response, field))
    assert not Pupil.objects.exists()


def test_it_refuses_a_duplicate_upn(login, dt_user):
    PupilFactory(upn="B801200005001")
    response = login(dt_user).post(reverse("pupils:add"), VALID)
    assert field_errors(response, "upn") == ["Pupil with this UPN already exists."]


def test_it_edits_a_pupil_and_keeps_history(login, dt_user):
    pupil = PupilFactory(first_name="Old")
    login(dt_user).post(reverse("pupils:edit", args=[pupil.pk]), {**VALID, "upn": pupil.upn, "first_name": "New"})
    pupil.refresh_from_db()
    assert pupil.first_name == "New"
    assert pupil.history.first().history_user == dt_user
    assert pupil.history.last().first_name == "Old"


EPISODE = {"kind": "CLA", "start_date": "2024-01-08", "legal_status": "C2", "responsible_authority": "Demoshire"}


def add_episode(client, pupil, **changes):
    return client.post(reverse("pupils:episode_add", args=[pupil.pk]), {**EPISODE, **changes})


def test_it_adds_a_cla_episode(login, dt_user):
    pupil = PupilFactory()
    add_episode(login(dt_user), pupil)
    assert pupil.cohort_category(dt.date(2024, 2, 1)) == "CLA"


@pytest.mark.parametrize("changes, field, message", [
    ({"end_date": "2024-01-01"}, "end_date", "cannot end before it starts"),
    ({"legal_status": ""}, "legal_status", "Choose the legal status"),
    ({"kind": "CIN"}, "legal_status", "Only a looked-after (CLA) episode has a legal status"),
    ({"kind": "PLA", "legal_status": "", "end_date": "2025-01-01", "pla_route": "adoption"}, "end_date", "no end date"),
    ({"kind": "PLA", "legal_status": ""}, "pla_route", "Choose the order"),
    ({"start_date": "2010-01-01"}, "start_date", "before the pupil was born"),
    ({"start_date": "2099-01-01"}, "start_date", "more than a year ahead"),
    ({"legal_status": "Z9"}, "legal_status", "Select a valid choice"),
    ({"kind": "KIN", "legal_status": ""}, "kinship_arrangement", "Choose the kind of kinship arrangement"),
    ({"kinship_arrangement": "sgo"}, "kinship_arrangement", "Only a kinship care episode"),
])
def test_it_refuses_bad_episodes(login, dt_user, changes, field, message):
    pupil = PupilFactory()
    response = add_episode(login(dt_user), pupil, **changes)
    assert any(message in e for e in field_errors(response, field)), response.context["form"].errors
    assert not CareEpisode.objects.exists()


KINSHIP = {"kind": "KIN", "legal_status": "", "start_date": "2024-09-02", "kinship_arrangement": "sgo"}


def test_it_adds_a_kinship_arrangement_and_shows_the_marker_beside_a_plan(login, dt_user, time_machine):
    time_machine.move_to(dt.date(2025, 3, 3))
    pupil = CareEpisodeFactory(kind="CP", start_date=dt.date(2025, 1, 6)).pupil
    client = login(dt_user)
    assert add_episode(client, pupil, **KINSHIP).status_code == 302
    assert pupil.cohort_category() == "CWSW"  # a child on a protection plan living with relatives: still CWSW
    body = client.get(reverse("pupils:detail", args=[pupil.pk])).content.decode()
    assert 'data-testid="kinship">Kinship care<' in body and "Special guardianship order" in body
    register = client.get(reverse("pupils:list")).content.decode()
    assert 'data-testid="kinship"' in register


def test_a_key_adult_sees_the_kinship_category_but_not_the_marker(login, staff, time_machine):
    time_machine.move_to(dt.date(2025, 3, 3))
    alone = CareEpisodeFactory(kind="KIN", kinship_arrangement="known", start_date=dt.date(2024, 9, 2),
                               pupil__key_adult=staff).pupil
    with_plan = CareEpisodeFactory(kind="CIN", start_date=dt.date(2025, 1, 6), pupil__key_adult=staff).pupil
    CareEpisodeFactory(pupil=with_plan, kind="KIN", kinship_arrangement="known", start_date=dt.date(2024, 9, 2))
    client = login(staff)
    assert "In kinship care" in client.get(reverse("pupils:detail", args=[alone.pk])).content.decode()
    for pupil in (alone, with_plan):
        assert 'data-testid="kinship"' not in client.get(reverse("pupils:detail", args=[pupil.pk])).content.decode()
    assert 'data-testid="kinship"' not in client.get(reverse("pupils:list")).content.decode()


def test_it_sends_an_order_after_care_to_pla_not_kinship(login, dt_user):
    pupil = CareEpisodeFactory(kind="CLA", start_date=dt.date(2022, 1, 10), end_date=dt.date(2024, 8, 30)).pupil
    response = add_episode(login(dt_user), pupil, **KINSHIP)
    assert any("previously looked after" in e for e in field_errors(response, "kind"))
    assert CareEpisode.objects.count() == 1
    # An arrangement with no order, known to the local authority, is kinship care whatever came before.
    assert add_episode(login(dt_user), pupil, **{**KINSHIP, "kinship_arrangement": "known"}).status_code == 302


def test_it_refuses_an_overlapping_episode_of_the_same_kind(login, dt_user):
    existing = CareEpisodeFactory(kind="CLA", start_date=dt.date(2023, 1, 1))
    response = add_episode(login(dt_user), existing.pupil)
    assert any("overlaps" in e for e in field_errors(response, "start_date"))


def test_it_refuses_an_end_before_the_start_in_full_clean():
    episode = CareEpisode(pupil=PupilFactory(), kind="CIN", start_date=dt.date(2025, 2, 1),
                          end_date=dt.date(2025, 1, 31))
    with pytest.raises(Exception, match="cannot end before it starts"):
        episode.full_clean()


def test_it_ends_an_episode(login, dt_user):
    episode = CareEpisodeFactory(kind="CP", start_date=dt.date(2025, 1, 1))
    login(dt_user).post(reverse("pupils:episode_end", args=[episode.pk]), {"end_date": "2025-03-31"})
    episode.refresh_from_db()
    assert episode.end_date == dt.date(2025, 3, 31)
    assert AccessLog.objects.filter(pupil=episode.pupil, code="episode.ended").exists()


def test_it_refuses_to_end_an_episode_before_it_started(login, dt_user):
    episode = CareEpisodeFactory(kind="CP", start_date=dt.date(2025, 1, 1))
    response = login(dt_user).post(reverse("pupils:episode_end", args=[episode.pk]), {"end_date": "2024-12-31"})
    assert any("cannot end before" in e for e in field_errors(response, "end_date"))
    episode.refresh_from_db()
    assert episode.end_date is None


def test_it_requires_an_end_date_to_end_an_episode(login, dt_user):
    episode = CareEpisodeFactory(kind="CP")
    response = login(dt_user).post(reverse("pupils:episode_end", args=[episode.pk]), {"end_date": ""})
    assert field_errors(response, "end_date") == ["This field is required."]


def test_it_refuses_an_episode_ending_more_than_a_year_ahead(login, dt_user):
    episode = CareEpisodeFactory(kind="CIN", start_date=dt.date(2025, 1, 6))
    client = login(dt_user)
    ahead = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    response = client.post(reverse("pupils:episode_end", args=[episode.pk]), {"end_date": ahead})
    assert field_errors(response, "end_date") == [
        "The end date is more than a year ahead; record the end when it is known."]
    response = client.post(reverse("pupils:episode_end", args=[episode.pk]), {"end_date": "9999-12-31"})
    assert field_errors(response, "end_date") == ["Enter a date between 1900 and 2100; check the year."]
    episode.refresh_from_db()
    assert episode.end_date is None


def test_it_refuses_a_date_of_birth_at_the_end_of_the_calendar_without_a_crash(login, dt_user):
    response = login(dt_user).post(reverse("pupils:add"), {**VALID, "date_of_birth": "9999-01-01",
                                                          "admission_date": "9999-06-01"})
    assert response.status_code == 200
    assert field_errors(response, "date_of_birth") == ["Enter a date between 1900 and 2100; check the year."]
    assert not Pupil.objects.exists()
