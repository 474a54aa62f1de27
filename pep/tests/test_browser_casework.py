"""In real Chromium: the DT logs a PEP with two targets, completes it, sees it on time in
the grid, records a PP+ spend and sees an overspend refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login, make_user
from cwsw import roles
from cwsw.terms import financial_year_of
from pep.models import PepMeeting, PpPlusAllocation, PpPlusSpend
from pupils.tests.factories import CareEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_target(page, area, description):
    page.get_by_role("link", name="Add target").click()
    page.select_option("#id_area", area)
    page.fill("#id_description", description)
    page.fill("#id_success_criteria", "Measured at the next PEP")
    page.fill("#id_owner", "Class teacher")
    page.fill("#id_pp_plus_needed", "250.00")
    page.get_by_role("button", name="Save target").click()
    expect(page.get_by_role("alert")).to_contain_text("The target is added.")


def test_it_lets_the_dt_log_a_pep_complete_it_and_spend_pp_plus(page):
    make_user("dt", roles.DESIGNATED_TEACHER)
    today = timezone.localdate()
    pupil = CareEpisodeFactory(kind="CLA", start_date=today - dt.timedelta(days=400),
                               pupil__first_name="Kipper", pupil__last_name="Examplethorpe",
                               pupil__admission_date=today - dt.timedelta(days=500)).pupil
    PpPlusAllocation.objects.create(pupil=pupil, financial_year=financial_year_of(today),
                                    amount=Decimal("1000.00"), source="virtual_school",
                                    received_on=today - dt.timedelta(days=30))

    browser_login(page, "dt")
    page.goto(f"/casework/pupils/{pupil.pk}/")
    page.get_by_role("link", name="Plan a PEP").click()
    page.fill("#id_meeting_date", today.isoformat())
    page.get_by_role("button", name="Plan PEP").click()
    page.get_by_role("link", name="Record the meeting").click()
    page.get_by_label("Child", exact=True).check()
    page.get_by_label("Carer").check()
    page.get_by_label("Social worker").check()
    page.fill("#id_child_views", "Wants to join the art club")
    page.fill("#id_sdq_total", "12")
    page.fill("#id_next_meeting_date", (today + dt.timedelta(days=70)).isoformat())
    page.get_by_role("button", name="Save the meeting record").click()
    expect(page.get_by_test_id("pep-status")).to_have_text("Held")

    add_target(page, "reading", "Read aloud three times a week until half term")
    add_target(page, "semh", "Use the time-out card instead of leaving class")
    expect(page.get_by_test_id("target")).to_have_count(2)
    # Completing locks the PEP, so the page asks first: saying no leaves it held.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Complete and sign off").click()
    expect(page.get_by_test_id("pep-status")).to_have_text("Held")
    assert "It will be locked" in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Complete and sign off").click()
    expect(page.get_by_test_id("pep-status")).to_have_text("Complete")

    page.get_by_role("link", name="PEPs", exact=True).click()
    row = page.get_by_test_id("grid-row").filter(has_text="Examplethorpe, Kipper")
    expect(row).to_contain_text("On time")

    page.goto(f"/casework/pupils/{pupil.pk}/")
    page.get_by_role("link", name="Record a spend").click()
    page.fill("#id_amount", "600.00")
    page.select_option("#id_category", "tuition")
    page.fill("#id_description", "Reading tuition, ten sessions")
    page.select_option("#id_target", index=1)
    page.get_by_role("button", name="Record spend").click()
    expect(page.get_by_role("alert")).to_contain_text("The spend is recorded.")

    page.get_by_role("link", name="Record a spend").click()
    page.fill("#id_amount", "400.01")
    page.select_option("#id_category", "resources")
    page.fill("#id_description", "Laptop")
    page.get_by_role("button", name="Record spend").click()
    expect(page.locator("#error_1_id_amount, .invalid-feedback").first).to_contain_text(
        "This would overspend the allocation: £400.00 of £1,000.00 remains")
    assert PpPlusSpend.objects.count() == 1
    # Signed off; the next meeting's date agreed at it planned the next PEP.
    assert list(PepMeeting.objects.order_by("meeting_date").values_list("status", "meeting_date")) == [
        ("complete", today), ("planned", today + dt.timedelta(days=70))]


def test_the_suspension_form_shows_the_days_only_for_a_suspension(page):
    from pep.tests.factories import looked_after_pupil

    make_user("dt", roles.DESIGNATED_TEACHER)
    pupil = looked_after_pupil()
    browser_login(page, "dt")
    page.goto(f"/casework/pupils/{pupil.pk}/exclusions/add/")
    days = page.get_by_label("Days")
    expect(days).to_be_visible()  # no decision yet: the proposed suspension's days can be noted
    page.get_by_label("Decision", exact=True).select_option("permanent_exclusion")
    expect(days).to_be_hidden()
    expect(days).to_be_disabled()  # hidden, so nothing typed there is sent
    page.get_by_label("Decision", exact=True).select_option("suspension")
    expect(days).to_be_visible()
    expect(days).to_be_enabled()


def test_on_a_phone_the_grid_and_the_suspensions_list_keep_every_column_in_view(page):
    from pep.tests.factories import ExclusionFactory, looked_after_pupil

    make_user("dt", roles.DESIGNATED_TEACHER)
    pupil = looked_after_pupil()
    ExclusionFactory(pupil=pupil, incident_date=timezone.localdate())
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "dt")

    def in_view(locator):
        box = locator.bounding_box()
        return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390

    page.goto("/casework/peps/")
    row = page.get_by_test_id("grid-row").first
    assert in_view(row.locator('td[data-label="Summer"]')) and in_view(row.locator('td[data-label="Autumn"]'))
    page.goto("/casework/exclusions/")
    row = page.get_by_test_id("exclusion-rows").locator("tbody tr").first
    assert in_view(row.locator('td[data-label="Consulted"]')) and in_view(row.locator("td").last)
