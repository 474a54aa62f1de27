"""A real Celery worker process on a real Redis builds a report and sends a digest."""

import datetime as dt
import os
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from conftest import make_user
from cwsw import roles
from cwsw.models import TaskFailure
from cwsw.terms import academic_year_of
from pep.tests.factories import PepFactory, looked_after_pupil
from reporting.models import DigestSent, GovernorReport
from reporting.tasks import build_governor_report, send_reminder_digests

# The worker is another process, so it must reach the test database: PostgreSQL's.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_worker(celery_on_redis, redis_url, tmp_path):
    """Start a worker process (with these extra environment variables) on the test Redis and database."""
    processes = []

    def start(**extra):
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "DEBUG": "true",
            **extra,
        }
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cwsw", "worker", "--pool=solo", "--loglevel=warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, cwd=settings.BASE_DIR,
        ))
        return tmp_path / "mail"

    start.processes = processes
    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def worker(start_worker):
    return start_worker()


def test_it_builds_the_report_and_sends_a_digest_on_a_real_worker(worker):
    dt_user = make_user("dt", roles.DESIGNATED_TEACHER)
    pupil = looked_after_pupil(last_name="Workername")
    # The worker runs on today's date: a PEP held this term and not yet signed off is due in the digest.
    today = timezone.localdate()
    PepFactory(pupil=pupil, academic_year=academic_year_of(today), term="autumn",
               meeting_date=today - dt.timedelta(days=3))
    report = GovernorReport.objects.create(academic_year=academic_year_of(today), requested_by=dt_user)

    assert build_governor_report.delay(report.pk).get(timeout=90) == "built"
    report.refresh_from_db()
    assert report.status == "ready"
    with report.pdf.open("rb") as handle:
        text = "".join(p.extract_text() for p in PdfReader(BytesIO(handle.read())).pages)
    assert "Report to Governors" in text and "Workername" not in text

    assert send_reminder_digests.delay().get(timeout=90) == 1
    assert send_reminder_digests.delay().get(timeout=90) == 0  # never two in a day
    messages = list(Path(worker).glob("*.log"))
    assert len(messages) == 1
    body = messages[0].read_text()
    assert "To: dt@school.invalid" in body and "Workername" not in body
    assert DigestSent.objects.get().user == dt_user


def test_it_retries_a_failing_task_then_records_it(start_worker):
    """The SMTP server is down: the digest task retries three times, then a TaskFailure says so."""
    from conftest import free_port

    start_worker(EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", TASK_RETRY_BACKOFF="1")
    make_user("dt", roles.DESIGNATED_TEACHER)
    today = timezone.localdate()
    PepFactory(pupil=looked_after_pupil(), academic_year=academic_year_of(today), term="autumn",
               meeting_date=today - dt.timedelta(days=3))

    with pytest.raises(ConnectionRefusedError):
        send_reminder_digests.delay().get(timeout=120)
    # Celery stores the failed result before its task_failure signal records the failure: wait for it.
    deadline = time.monotonic() + 10
    while not TaskFailure.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    failure = TaskFailure.objects.get()
    assert (failure.task, failure.stage, failure.retries) == ("reporting.tasks.send_reminder_digests", "run", 3)
    assert "ConnectionRefusedError" in failure.error
    assert not DigestSent.objects.exists()  # so tomorrow's run, or a re-run, still sends it


def test_a_running_worker_answers_the_ping_and_a_killed_one_does_not(start_worker, celery_on_redis):
    from cwsw.builds import workers_answering

    start_worker()
    deadline = time.monotonic() + 60
    while not workers_answering() and time.monotonic() < deadline:
        pass  # each ping waits a second for an answer: the worker is still starting
    assert workers_answering() is True
    process = start_worker.processes[-1]
    process.kill()  # killed outright, as the out-of-memory killer would
    process.wait(timeout=20)
    assert workers_answering() is False
