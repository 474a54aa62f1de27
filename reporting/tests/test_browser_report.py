"""In real Chromium: the DT asks for the report and watches the progress bar finish (a Celery
worker on a real Redis builds it); then a governor logs in and downloads it."""

import datetime as dt
import time
from io import BytesIO
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import browser_login, make_user
from cwsw import roles
from cwsw.terms import academic_year_label, academic_year_of
from pep.tests.factories import PepFactory, looked_after_pupil
from reporting.models import GovernorReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READ_PROGRESS = """() => document.querySelector('progress[aria-label="Report progress"]')
    ?.getAttribute('value') ?? null"""


def test_it_lets_the_dt_build_the_report_and_a_governor_download_it(page, browser, live_server, celery_on_redis,
                                                              monkeypatch, tmp_path):
    make_user("dt", roles.DESIGNATED_TEACHER)
    make_user("governor", roles.GOVERNOR)
    year = academic_year_of(timezone.localdate())
    pupil = looked_after_pupil(last_name="Browsername")
    PepFactory(pupil=pupil, academic_year=year, meeting_date=timezone.localdate() - dt.timedelta(days=2))

    # Slow each stage a little so the page has time to show the bar moving.
    real = GovernorReport.set_progress
    monkeypatch.setattr(GovernorReport, "set_progress", lambda pk, pct, stage: (real(pk, pct, stage), time.sleep(0.4)))

    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        browser_login(page, "dt")
        page.get_by_role("link", name="Reports", exact=True).click()
        page.select_option("#id_academic_year", str(year))
        page.get_by_role("button", name="Build the report").click()
        bar = page.get_by_role("progressbar", name="Report progress")
        expect(bar).to_be_visible()
        seen = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not page.get_by_role("link", name="Download the PDF").is_visible():
            # Read the bar in one step: htmx may swap it for the download link at any moment, and a
            # locator would then wait for a bar that is gone.
            value = page.evaluate(READ_PROGRESS)
            if value is not None:
                seen.add(int(value))
            page.wait_for_timeout(150)
        expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    assert any(0 < value < 100 for value in seen), seen

    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    governor_page = context.new_page()
    browser_login(governor_page, "governor")
    governor_page.get_by_role("link", name="Reports", exact=True).click()
    with governor_page.expect_download() as download_info:
        governor_page.get_by_role("link", name="Download PDF").click()
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(Path(path).read_bytes())).pages)
    assert f"Report to Governors {academic_year_label(year)}" in text
    assert "Browsername" not in text
    context.close()
