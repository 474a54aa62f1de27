"""A forgotten password: reset by e-mail that never says whether an account exists (not even by the time the
page takes: the mail goes through the queue); requests limited per client and per address; the code still
asked after."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from cwsw.tests.auth import totp_device

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-long-password-77"


def ask(email, address="192.0.2.10"):
    # The page queues the e-mail once its transaction commits; the test's own transaction never does.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Client(REMOTE_ADDR=address).post(reverse("password_reset"), {"email": email}, follow=True)


def test_it_answers_the_same_whether_or_not_the_address_has_an_account(dt_user):
    known, unknown = ask(dt_user.email), ask("nobody@school.invalid")
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert known.content == unknown.content.replace(b"nobody@school.invalid", dt_user.email.encode())
    assert b'data-testid="reset-sent"' in known.content
    assert [m.to for m in mail.outbox] == [[dt_user.email]]


def test_it_sets_a_new_password_and_still_asks_the_dt_for_a_code(dt_user):
    totp_device(dt_user)
    ask(dt_user.email)
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "Your new password is set" in client.get(reverse("password_reset_complete")).content.decode()
    client.post(reverse("login"), {"username": "dt", "password": NEW_PASSWORD})
    assert client.get(reverse("pupils:list")).url.startswith(reverse("two_factor_verify"))


def test_it_refuses_a_link_used_twice(dt_user):
    ask(dt_user.email)
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    set_page = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_page, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert 'data-testid="reset-link-invalid"' in Client().get(link, follow=True).content.decode()


def test_it_sends_no_pupil_data_in_the_email(dt_user):
    ask(dt_user.email)
    assert "pupil" not in mail.outbox[0].body.lower()


def test_the_page_only_queues_the_mail_so_its_time_does_not_tell_an_account_exists(dt_user, monkeypatch):
    from cwsw import tasks

    queued = []
    monkeypatch.setattr(tasks.send_password_reset, "delay", queued.append)
    ask(dt_user.email)
    ask("nobody@school.invalid")
    assert queued == [dt_user.email, "nobody@school.invalid"] and not mail.outbox


def test_one_mailbox_gets_at_most_three_resets_an_hour_from_anywhere(dt_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    for n in range(16):
        response = ask(dt_user.email, address=f"192.0.2.{n + 1}")
        assert b'data-testid="reset-sent"' in response.content  # the same answer: nothing to tell apart
    assert len(mail.outbox) == 3
    time_machine.shift(dt.timedelta(hours=1, seconds=1))
    ask(dt_user.email)
    assert len(mail.outbox) == 4


def test_one_client_asking_about_many_addresses_is_stopped_after_ten(dt_user):
    for n in range(10):
        ask(f"someone{n}@school.invalid")
    ask(dt_user.email)
    assert not mail.outbox
    ask(dt_user.email, address="192.0.2.99")
    assert [m.to for m in mail.outbox] == [[dt_user.email]]
