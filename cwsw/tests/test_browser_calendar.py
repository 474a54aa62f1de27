"""In real Chromium: the DT imports the local authority's term dates, sees an initial PEP's due date
counted past the half-term and INSET day, and filters the PEP grid to the overdue ones."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login, make_user
from cwsw import roles
from pep.tests.factories import PepFactory
from pupils.tests.factories import CareEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLE = Path(__file__).parent / "data" / "term-dates-2025-26.ics"


def test_it_lets_the_dt_import_term_dates_and_find_the_overdue_peps(page):
    make_user("dt", roles.DESIGNATED_TEACHER)
    # Looked after from Monday 13 October 2025, with no PEP since: overdue from 2025/26 onwards.
    CareEpisodeFactory(kind="CLA", start_date=dt.date(2025, 10, 13), pupil__first_name="Kipper",
                       pupil__last_name="Overduesworth", pupil__admission_date=dt.date(2023, 9, 4))
    on_track = CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 8), pupil__first_name="Waffle",
                                  pupil__last_name="Ontrackley", pupil__admission_date=dt.date(2023, 9, 4)).pupil
    PepFactory(pupil=on_track, status="held", meeting_date=timezone.localdate() - dt.timedelta(days=7))

    browser_login(page, "dt")
    expect(page.get_by_test_id("calendar-prompt")).to_be_visible()
    page.goto("/casework/peps/?year=2025")
    kipper = page.get_by_test_id("grid-row").filter(has_text="Overduesworth")
    expect(kipper).to_contain_text("Initial PEP, due 17 Nov")  # the default half-term is 27-31 October

    page.goto("/")
    page.get_by_test_id("calendar-prompt").get_by_role("link", name="import them from an .ics file").click()
    page.set_input_files("#id_file", str(SAMPLE))
    page.get_by_role("button", name="Read the file").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("Nothing is saved yet")
    expect(preview).to_contain_text("27 Oct 2025 to 31 Oct 2025: half-term")
    expect(page.get_by_test_id("not-understood")).to_contain_text("Parents' evening")
    page.get_by_role("button", name="Save these term dates").click()
    expect(page.get_by_role("alert")).to_contain_text("Term dates imported for 2025/26")

    page.goto("/casework/peps/?year=2025")
    # The imported INSET day on Friday 24 October moves the 20th school day on by one.
    expect(page.get_by_test_id("grid-row").filter(has_text="Overduesworth")).to_contain_text("Initial PEP, due 18 Nov")
    expect(page.get_by_test_id("grid-row")).to_have_count(2)
    page.get_by_label("Show", exact=True).select_option("overdue")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("grid-row")).to_have_count(1)
    expect(page.get_by_test_id("grid-row")).to_contain_text("Overduesworth")
    expect(page.get_by_test_id("overdue")).to_contain_text("initial PEP due 18 Nov 2025")
