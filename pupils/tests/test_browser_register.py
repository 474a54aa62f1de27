"""In real Chromium: the register's export carries the filters on screen, and the header finds a pupil."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import browser_login, make_user
from cwsw import roles
from pupils.tests.factories import CareEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_filtered_register_exports_only_the_rows_shown(page):
    make_user("dt", roles.DESIGNATED_TEACHER)
    looked_after = [CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 8), pupil__last_name=f"Cared{i}").pupil
                    for i in range(3)]
    for i in range(4):
        CareEpisodeFactory(kind="CIN", pupil__last_name=f"Plan{i}")
    browser_login(page, "dt")
    page.goto("/pupils/")
    expect(page.get_by_test_id("register-count")).to_have_text("7 pupils")
    page.get_by_label("Category").select_option("CLA")  # htmx redraws the rows, and the export link with them
    expect(page.get_by_test_id("register-count")).to_have_text("3 pupils")
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["UPN", "First name", "Last name"]
    assert sorted(r[2] for r in rows[1:]) == sorted(p.last_name for p in looked_after)
    assert {r[5] for r in rows[1:]} == {"Looked after (CLA)"}


def test_the_header_search_finds_a_pupil_as_you_type(page):
    make_user("dt", roles.DESIGNATED_TEACHER)
    pupil = CareEpisodeFactory(kind="CLA", pupil__first_name="Pickle", pupil__last_name="Madeupton").pupil
    browser_login(page, "dt")
    page.get_by_label("Find a pupil by name or UPN").fill("madeup")
    result = page.get_by_test_id("header-results").get_by_role("link")
    expect(result).to_have_count(1)
    result.click()
    page.wait_for_url(f"**/pupils/{pupil.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pickle Madeupton")


def _inside(page, locator):
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_on_a_phone_each_row_is_a_card_with_its_key_column_in_view_and_the_filters_fold(page):
    make_user("dt", roles.DESIGNATED_TEACHER)
    staff = make_user("staff", roles.STAFF)
    CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 8), pupil__last_name="Cardview",
                       pupil__key_adult=staff, pupil__key_strategies="Meet at the gate; time-out card.")
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "dt")
    page.goto("/pupils/")
    row = page.get_by_test_id("register").locator("tbody tr").first
    assert _inside(page, row.get_by_test_id("category")) and _inside(page, row.locator("td[data-label=\"Key adult\"]"))
    filters = page.locator("#register-filters")
    expect(filters).to_be_hidden()  # folded: the rows come first
    page.get_by_test_id("filters-toggle").click()
    expect(filters).to_be_visible()
    # (No filter is changed here: htmx would redraw the rows while the next page loads, and two requests at once
    # can deadlock the test server's shared in-memory SQLite.)
    page.goto("/pupils/?category=CLA")
    expect(filters).to_be_visible()  # open when a filter is in use
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/pupils/")
    expect(filters).to_be_visible()  # never folded on a wide screen
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "staff")
    page.goto("/pupils/")
    strategies = page.get_by_text("Meet at the gate; time-out card.")
    assert _inside(page, strategies)  # the one column a key adult needs
