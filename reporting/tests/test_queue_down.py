"""When Redis is down: pages work, the failure to queue is shown and logged, and a task that
fails is retried and then reported (TaskFailure), not lost."""

import logging
import time

import pytest
from django.core import mail
from django.urls import reverse

from cwsw.failures import on_task_failure
from cwsw.models import TaskFailure
from pep.tests.factories import looked_after_pupil
from pupils.tests.factories import PupilFactory
from reporting.models import GovernorReport
from reporting.tasks import send_reminder_digests

# Real commits, so the queueing after commit happens inside the request, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_serves_pages_while_redis_is_down(login, head, redis_down):
    pupil = looked_after_pupil()
    client = login(head)
    for url in (reverse("dashboard"), reverse("pupils:list"), pupil.get_absolute_url(),
                reverse("pep:pupil", args=[pupil.pk]), reverse("pupils:access_log")):
        assert client.get(url).status_code == 200, url


def test_it_saves_a_flag_and_tells_the_dsl_the_email_could_not_be_queued(login, dsl, dt_user, redis_down, caplog):
    pupil = PupilFactory()
    client = login(dsl)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="cwsw.failures"):
        response = client.post(reverse("pupils:flag"),
                               {"pupil": pupil.pk, "kind": "CP", "start_date": "2026-03-09"}, follow=True)
    # Giving up on the queue takes about half a second, not the 20 s of Redis's default retries.
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    episode = pupil.episodes.get(kind="CP")
    shown = [str(m) for m in response.context["messages"]]
    assert any("is flagged" in m for m in shown)
    assert any("could not be e-mailed about this flag just now" in m for m in shown)
    failure = TaskFailure.objects.get()
    assert (failure.task, failure.stage, failure.ref) == ("reporting.tasks.notify_new_flag", "queue", str(episode.pk))
    assert "could not be queued" in caplog.text
    assert mail.outbox == []
    # The designated teacher still sees the flag where they work.
    assert pupil.last_name in login(dt_user).get(reverse("dashboard")).content.decode()


def test_it_says_when_a_report_cannot_be_queued_and_shows_the_head(login, dt_user, head, redis_down):
    response = login(dt_user).post(reverse("reporting:governor_report_list"), {"academic_year": "2025"}, follow=True)
    assert response.status_code == 200
    report = GovernorReport.objects.get()
    assert report.status == "failed" and "Could not reach the task queue" in report.error
    assert "Could not reach the task queue" in response.content.decode()

    dashboard = login(head).get(reverse("dashboard")).content.decode()
    assert "Building the Report to Governors — could not be queued" in dashboard


def test_it_gives_no_warning_for_a_flag_when_the_queue_is_up(login, dsl, dt_user, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    pupil = PupilFactory()
    response = login(dsl).post(reverse("pupils:flag"),
                               {"pupil": pupil.pk, "kind": "CP", "start_date": "2026-03-09"}, follow=True)
    assert not any("could not be e-mailed" in str(m) for m in response.context["messages"])
    assert not TaskFailure.objects.exists()


def test_it_records_a_task_out_of_retries_and_shows_the_head(login, head, caplog):
    class Request:
        retries = 3

    class Task:
        name = send_reminder_digests.name
        request = Request()

    with caplog.at_level(logging.ERROR, logger="cwsw.failures"):
        on_task_failure(sender=Task(), exception=ConnectionRefusedError(111, "Connection refused"), args=())
    failure = TaskFailure.objects.get()
    assert (failure.stage, failure.retries) == ("run", 3)
    assert "failed after 3 retries" in caplog.text
    body = login(head).get(reverse("dashboard")).content.decode()
    assert "Daily reminder e-mails — failed after 3 retries" in body
    assert "ConnectionRefusedError" in body
