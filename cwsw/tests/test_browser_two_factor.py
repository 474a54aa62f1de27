"""In real Chromium: a designated teacher sets up an authenticator app and logs in with it."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from conftest import PASSWORD, browser_logout, make_user
from cwsw import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, offset: int = 0) -> str:
    """What an authenticator app shows for the secret typed in from the page."""
    return f"{totp(b32decode(secret.replace(' ', '')), drift=offset):06d}"


def log_in_with_password(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_it_lets_a_dt_enrol_an_app_then_log_in_with_its_code_and_not_a_wrong_one(page):
    make_user("dt", roles.DESIGNATED_TEACHER)

    # The first login goes straight to setting up the app: the register is out of reach.
    log_in_with_password(page, "dt")
    page.wait_for_url("**/account/two-factor/enrol/**")
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.fill("input[name=code]", app_code(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_role("alert").first).to_contain_text("Two-factor login is set up")
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    browser_logout(page)

    # A wrong code is refused and the register stays out of reach.
    log_in_with_password(page, "dt")
    page.wait_for_url("**/login/code/**")
    right = app_code(secret, offset=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    page.fill("input[name=code]", wrong)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("That code is not right")
    page.goto("/pupils/")
    page.wait_for_url("**/login/code/**")
    # After a wrong code, the next try waits a second (the wait doubles with each wrong code).
    page.wait_for_timeout(1_200)

    # The app's next code lets them in (the one used to enrol cannot be replayed).
    page.fill("input[name=code]", right)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Enter your code")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register")
