"""A session's end moves on while it is used, with at most one write a minute (not one a page)."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def session_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]]


def test_it_saves_the_session_once_a_minute_and_still_ends_it_when_idle(client, governor, time_machine):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start)
    client.force_login(governor)
    url = reverse("floor")
    client.get(url)
    for seconds in (10, 30, 59):  # pages within the minute: no write
        time_machine.move_to(start + dt.timedelta(seconds=seconds))
        assert session_writes(client, url) == []
    time_machine.move_to(start + dt.timedelta(seconds=61))
    assert len(session_writes(client, url)) == 1  # the end moves on
    # Idle for the whole period after that write: the session has ended.
    time_machine.move_to(start + dt.timedelta(seconds=61 + settings.SESSION_COOKIE_AGE + 1))
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_writes_no_session_for_a_visitor_who_is_not_signed_in(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
    assert not [q for q in queries if "django_session" in q["sql"]]
