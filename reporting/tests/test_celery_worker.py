"""A real Celery worker process on a real Redis builds a report and sends a digest."""

import datetime as dt
import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from conftest import make_user
from cwsw import roles
from cwsw.terms import academic_year_of
from pep.tests.factories import PepFactory, looked_after_pupil
from reporting.models import DigestSent, GovernorReport
from reporting.tasks import build_governor_report, send_reminder_digests

# The worker is another process, so it must reach the test database: PostgreSQL's.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(celery_on_redis, redis_url, tmp_path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "DEBUG": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cwsw", "worker", "--pool=solo", "--loglevel=warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, cwd=settings.BASE_DIR,
    )
    yield tmp_path / "mail"
    process.terminate()
    process.wait(timeout=20)


def test_a_worker_builds_the_report_and_sends_a_digest(worker):
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
