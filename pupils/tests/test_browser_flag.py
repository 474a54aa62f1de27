"""In real Chromium: the DSL flags a new CIN pupil; the DT then sees them marked new."""

import pytest
from playwright.sync_api import expect

from conftest import browser_login, browser_logout, make_user
from cwsw import roles
from pupils.models import Pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_the_dsl_flag_a_new_cin_pupil_and_the_dt_see_it_new(page):
    make_user("dsl", roles.DSL)
    make_user("dt", roles.DESIGNATED_TEACHER)

    browser_login(page, "dsl")
    page.get_by_role("link", name="Flag a pupil", exact=True).first.click()
    page.get_by_label("Child in Need plan (s17)").check()
    page.fill("#id_start_date", "2025-10-06")
    page.fill("#id_social_worker_name", "Demo Worker B")
    page.fill("#id_new-upn", "B801200005001")
    page.fill("#id_new-first_name", "Noodle")
    page.fill("#id_new-last_name", "Madeupton")
    page.fill("#id_new-date_of_birth", "2014-02-02")
    page.fill("#id_new-admission_date", "2025-09-03")
    page.get_by_role("button", name="Flag pupil").click()
    expect(page.get_by_role("alert")).to_contain_text("Noodle Madeupton is flagged: Child in Need plan")
    browser_logout(page)

    browser_login(page, "dt")
    page.get_by_role("link", name="Register", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Madeupton, Noodle")
    expect(row.get_by_test_id("new-flag")).to_have_text("new")
    expect(row.get_by_test_id("category")).to_have_text("Child in need plan")

    # The pupil's page says so; "Mark as read" clears the mark (opening the page alone writes nothing).
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Noodle Madeupton")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("alert")).to_contain_text("marked as read")
    page.go_back()
    page.reload()
    expect(page.get_by_role("row").filter(has_text="Madeupton, Noodle").get_by_test_id("new-flag")).to_have_count(0)
    assert Pupil.objects.get().episodes.get().dt_seen_at is not None
