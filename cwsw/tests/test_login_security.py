"""Lockout after failed logins, the administrator's unlock, and sessions that end."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(username: str, password: str, address: str = "127.0.0.1") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    return client, client.post(reverse("login"), {"username": username, "password": password})


def test_it_gives_a_wrong_password_a_clear_message(governor):
    _, response = attempt("governor", "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_it_locks_the_account_after_five_wrong_passwords_even_against_the_right_one(governor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("governor", "not-the-password")
    client, response = attempt("governor", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "This account is locked" in page
    assert "Try again in 30 minutes, or ask" in page
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in


def test_it_ends_a_lockout_after_the_cool_off(governor, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("governor", "not-the-password")
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 31, tzinfo=dt.UTC))
    _, response = attempt("governor", PASSWORD)
    assert response.status_code == 302


def test_it_does_not_lock_out_another_user(governor, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("governor", "not-the-password")
    _, response = attempt("staff", PASSWORD)
    assert response.status_code == 302


def test_it_lets_an_administrator_unlock_the_account(admin_client, governor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("governor", "not-the-password")
    assert AccessAttempt.objects.filter(username="governor").exists()
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock", "_selected_action": [governor.pk]},
        follow=True,
    )
    assert "Unlocked 1 user(s)" in response.content.decode()
    _, response = attempt("governor", PASSWORD)
    assert response.status_code == 302


def test_it_ends_the_session_cookie_with_the_browser(governor):
    client, response = attempt("governor", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"] is True


def test_it_ends_a_session_after_the_idle_period_but_not_while_in_use(governor, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    client, _ = attempt("governor", PASSWORD)
    idle = settings.SESSION_COOKIE_AGE
    for minutes in (idle // 60 - 1, 2 * (idle // 60 - 1)):  # working: each request moves the end on
        time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes))
        assert client.get(reverse("dashboard")).status_code == 200
    time_machine.shift(dt.timedelta(seconds=idle + 1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_does_not_let_a_stranger_elsewhere_lock_the_head_out(head):
    for _ in range(settings.AXES_FAILURE_LIMIT * 3):
        attempt("head", "guessing", address="203.0.113.9")  # somewhere on the internet
    assert attempt("head", "guessing-again", address="203.0.113.9")[1].status_code == 429
    _, response = attempt("head", PASSWORD, address="198.51.100.20")  # the school's own address
    assert response.status_code == 302


def test_stay_signed_in_keeps_a_session_that_has_not_ended(governor, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    client, _ = attempt("governor", PASSWORD)
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 28, tzinfo=dt.UTC))  # the warning shows 5 minutes before
    assert client.post(reverse("session_keepalive")).status_code == 204
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 50, tzinfo=dt.UTC))  # 50 minutes after signing in
    assert client.get(reverse("dashboard")).status_code == 200
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 21, tzinfo=dt.UTC))  # then 31 idle minutes: ended
    assert client.post(reverse("session_keepalive")).status_code == 401


def test_signed_in_pages_carry_the_warning_and_anonymous_pages_do_not(governor):
    client, _ = attempt("governor", PASSWORD)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="session-warning"' in page and f'data-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in page
    assert 'data-testid="session-warning"' not in Client().get(reverse("login")).content.decode()
