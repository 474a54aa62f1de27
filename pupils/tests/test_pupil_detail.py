import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwsw.models import AccessLog
from pupils.models import CareEpisode, SafeguardingNote
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
FLAGGED_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def pupil(staff):
    episode = CareEpisodeFactory(
        kind="CLA", start_date=dt.date(2024, 1, 1), legal_status="C2",
        social_worker_name="Demo Worker Z", pupil__key_adult=staff,
        pupil__key_strategies="Meet at the gate",
    )
    return episode.pupil


def test_it_shows_the_record_and_its_timeline(login, dt_user, pupil):
    body = login(dt_user).get(pupil.get_absolute_url()).content.decode()
    assert pupil.upn in body
    assert "C2 Full care order (s31)" in body
    assert "Demo Worker Z" in body


def test_it_shows_a_key_adult_no_social_care_details(login, staff, pupil):
    body = login(staff).get(pupil.get_absolute_url()).content.decode()
    assert pupil.first_name in body and "Meet at the gate" in body
    assert "CLA" in body
    assert pupil.upn not in body
    assert "Demo Worker Z" not in body and "care order" not in body


def test_it_logs_the_view(login, dt_user, pupil):
    login(dt_user).get(pupil.get_absolute_url())
    assert AccessLog.objects.filter(user=dt_user, pupil=pupil, action="view").count() == 1


def test_the_dt_marks_new_flags_read_from_the_pupil_page_which_itself_writes_nothing(login, dt_user, dsl):
    episode = CareEpisodeFactory(flagged_by=dsl, flagged_at=FLAGGED_AT)
    client = login(dt_user)
    page = client.get(episode.pupil.get_absolute_url()).content.decode()
    episode.refresh_from_db()
    assert episode.dt_seen_at is None and 'data-testid="unseen-flags"' in page
    client.post(reverse("pupils:flags_seen", args=[episode.pupil_id]))
    episode.refresh_from_db()
    assert episode.dt_seen_at is not None
    assert 'data-testid="unseen-flags"' not in client.get(episode.pupil.get_absolute_url()).content.decode()


def test_only_the_dt_marks_new_flags_read(login, head, dsl):
    episode = CareEpisodeFactory(flagged_by=dsl, flagged_at=FLAGGED_AT)
    assert login(head).post(reverse("pupils:flags_seen", args=[episode.pupil_id])).status_code == 403
    episode.refresh_from_db()
    assert episode.dt_seen_at is None


def test_it_shows_safeguarding_notes_to_the_dsl_only(login, dsl, dt_user, pupil):
    SafeguardingNote.objects.create(pupil=pupil, written_by=dsl, text="Disclosure logged in CPOMS-DEMO")
    assert "Disclosure logged" in login(dsl).get(pupil.get_absolute_url()).content.decode()
    assert "Disclosure logged" not in login(dt_user).get(pupil.get_absolute_url()).content.decode()


def test_it_adds_a_safeguarding_note(login, dsl, pupil):
    login(dsl).post(f"/pupils/{pupil.pk}/notes/add/", {"text": "Spoke to Demo Worker Z"})
    assert pupil.safeguarding_notes.get().written_by == dsl


def test_it_refuses_the_dt_a_safeguarding_note(login, dt_user, pupil):
    response = login(dt_user).post(f"/pupils/{pupil.pk}/notes/add/", {"text": "x"})
    assert response.status_code == 403
    assert not SafeguardingNote.objects.exists()


def test_it_shows_when_the_six_year_window_closes(login, dt_user):
    episode = CareEpisodeFactory(kind="CIN", start_date=dt.date(2019, 1, 1), end_date=dt.date(2020, 2, 29),
                                 pupil__date_of_birth=dt.date(2012, 1, 1))
    body = login(dt_user).get(episode.pupil.get_absolute_url()).content.decode()
    assert "until 28 Feb 2026" in body


def test_it_runs_the_same_number_of_queries_however_long_the_history(login, dt_user, dsl):
    client = login(dt_user)
    pupil = PupilFactory(date_of_birth=dt.date(2005, 1, 1))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(pupil.get_absolute_url()).status_code == 200
        return len(queries)

    CareEpisodeFactory(pupil=pupil, kind="CIN", start_date=dt.date(2010, 1, 1), end_date=dt.date(2010, 2, 1))
    small = count()
    CareEpisode.objects.bulk_create([
        CareEpisode(pupil=pupil, kind="CP", start_date=dt.date(2011, 1, 1) + dt.timedelta(days=20 * i),
                    end_date=dt.date(2011, 1, 10) + dt.timedelta(days=20 * i), flagged_by=dsl)
        for i in range(40)
    ])
    assert count() == small
