"""Another process holding SQLite's write lock past a request's wait: a clear "busy, try again" page with
Retry-After, not a bare 500; other failures still get the plain 500 page."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from cwsw.models import AccessLog
from pupils.tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_client(login, dt_user, monkeypatch):
    """A DT's client, answered with the error page, whose next access-log write raises the error given."""
    def make(error):
        def locked(*args, **kwargs):
            raise error

        client = login(dt_user)
        client.raise_request_exception = False
        monkeypatch.setattr(AccessLog, "_insert_rows", locked)
        return client

    return make


def test_a_page_that_cannot_write_its_access_log_row_says_the_register_is_busy(failing_client):
    pupil = PupilFactory()
    client = failing_client(OperationalError("database is locked"))
    response = client.get(reverse("pupils:detail", args=[pupil.pk]))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    page = response.content.decode()
    assert "The register is busy" in page and "reload the page" in page
    assert pupil.last_name not in page


def test_a_form_sent_while_busy_is_said_not_to_be_saved(failing_client):
    pupil = PupilFactory()
    client = failing_client(OperationalError("database is locked"))
    response = client.post(reverse("pupils:record_save", args=[pupil.pk, "attendance"]), {
        "attendance-academic_year": 2025, "attendance-term": "autumn", "attendance-possible_sessions": 60,
        "attendance-attended_sessions": 55})
    assert response.status_code == 503
    assert "what you sent was not saved" in response.content.decode()


def test_another_database_error_is_still_a_plain_500(failing_client):
    pupil = PupilFactory()
    client = failing_client(OperationalError("disk I/O error"))
    response = client.get(reverse("pupils:detail", args=[pupil.pk]))
    assert response.status_code == 500 and "busy" not in response.content.decode()
