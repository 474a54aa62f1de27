"""The daily digest: right items per role, at most one e-mail a day, never a name."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from pep.tests.factories import AllocationFactory, ExclusionFactory, PepFactory, looked_after_pupil
from pupils.tests.factories import CareEpisodeFactory
from reporting.models import DigestSent
from reporting.reminders import digest_for, digest_send
from reporting.tasks import notify_new_flag, send_reminder_digests

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)  # within 60 days of the financial year's end


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 7, 0))


@pytest.fixture
def casework(dsl):
    pupil = looked_after_pupil()
    PepFactory(pupil=pupil, academic_year=2025, term="spring", meeting_date=dt.date(2026, 2, 1))  # held, unsigned
    AllocationFactory(pupil=pupil, amount=Decimal("2630.00"))  # unspent
    ExclusionFactory(pupil=pupil, decision="suspension", decision_date=dt.date(2026, 3, 2),
                     consulted_on=dt.date(2026, 3, 2), days=Decimal("1"))  # notifications due
    CareEpisodeFactory(kind="CP", start_date=dt.date(2026, 3, 1), flagged_by=dsl,
                       flagged_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))  # new flag
    leaving = CareEpisodeFactory(kind="CIN", start_date=dt.date(2019, 1, 1), end_date=dt.date(2020, 3, 20),
                                 pupil__date_of_birth=dt.date(2012, 1, 1)).pupil
    never_had_a_pep = looked_after_pupil()  # looked after since January 2024: overdue ever since
    return {"pupils": [pupil, leaving, never_had_a_pep]}


def counts(user):
    return {item.key: item.count for item in digest_for(user, today=TODAY)}


def test_it_lists_casework_in_the_dt_digest(casework, dt_user):
    items = counts(dt_user)
    assert items["peps_unsigned"] == 1
    # The first pupil's missing PEPs are missed, not overdue: a PEP was held since (spring). The child who never
    # had one owes the initial PEP (due 2 Oct 2024) and the spring, summer and autumn reviews since.
    assert items["peps_due"] == 4
    assert items["pp_unspent"] == 1
    assert items["suspension_notify"] == 1
    assert items["new_flags"] == 1
    # Neither looked-after child has an SDQ score, on its own or in a PEP, in the last 12 months.
    assert items["sdq_due"] == 2
    assert "leaving_window" not in items


def test_it_lists_the_window_and_notifications_in_the_dsl_digest(casework, dsl):
    items = counts(dsl)
    assert items["leaving_window"] == 1
    assert items["suspension_notify"] == 1
    assert not any(key.startswith("pep") for key in items)


def test_it_gives_the_head_everything(casework, head):
    assert set(counts(head)) == {"peps_unsigned", "peps_due", "pp_unspent", "suspension_notify", "new_flags",
                                 "sdq_due", "leaving_window"}


def test_it_gives_governors_and_staff_nothing(casework, governor, staff):
    assert digest_for(governor, today=TODAY) == [] and digest_for(staff, today=TODAY) == []


def test_it_mentions_pp_plus_only_near_the_year_end(casework, dt_user):
    assert not any("PP+" in item.label for item in digest_for(dt_user, today=dt.date(2026, 1, 20)))


def test_it_sends_one_email_a_day_and_never_two(casework, dt_user):
    assert digest_send(user=dt_user, today=TODAY)
    assert not digest_send(user=dt_user, today=TODAY)
    send_reminder_digests()
    assert len([m for m in mail.outbox if m.to == [dt_user.email]]) == 1
    assert DigestSent.objects.get(user=dt_user).items == 6


def test_it_sends_a_new_email_on_a_new_day(casework, dt_user):
    digest_send(user=dt_user, today=TODAY)
    digest_send(user=dt_user, today=TODAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 2


def test_it_retries_a_failed_send(casework, dt_user, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr("reporting.reminders.send_templated", broken)
    with pytest.raises(ConnectionError):
        digest_send(user=dt_user, today=TODAY)
    monkeypatch.undo()
    assert digest_send(user=dt_user, today=TODAY)


def test_it_names_no_pupil_in_the_email_and_links_to_the_pages(casework, dt_user, head):
    send_reminder_digests()
    for message in mail.outbox:
        text = message.body + message.alternatives[0][0]
        for pupil in casework["pupils"]:
            assert pupil.first_name not in text and pupil.last_name not in text and pupil.upn not in text
            assert pupil.date_of_birth.strftime("%d/%m/%Y") not in text
    dt_message = next(m for m in mail.outbox if m.to == [dt_user.email])
    assert "http://127.0.0.1:8000/due/peps_due/" in dt_message.body


def test_it_sends_nothing_when_nothing_is_due(dt_user):
    assert send_reminder_digests() == 0
    assert mail.outbox == []


def test_it_tells_the_dt_at_once_about_a_new_flag_and_only_once(login, dsl, dt_user,
                                                                django_capture_on_commit_callbacks):
    pupil = looked_after_pupil(first_name="Crumpet")
    with django_capture_on_commit_callbacks(execute=True):
        login(dsl).post(reverse("pupils:flag"), {"pupil": pupil.pk, "kind": "CP", "start_date": "2026-03-09"})
    episode = pupil.episodes.get(kind="CP")
    assert [m.to for m in mail.outbox] == [[dt_user.email]]
    assert "Crumpet" not in mail.outbox[0].body and "Child Protection plan" in mail.outbox[0].body
    assert notify_new_flag(episode.pk) is False
    assert len(mail.outbox) == 1


def test_it_shows_users_what_the_digest_would_say(login, casework, dt_user):
    body = login(dt_user).get(reverse("reporting:digest")).content.decode()
    assert "PEPs held but not signed off, or rated red</a>: 1" in body
    assert 'href="/due/peps_unsigned/"' in body
