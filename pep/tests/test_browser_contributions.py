"""In real Chromium: the DT invites the social worker to a PEP; on a phone-sized screen the social
worker opens the e-mailed link, gives the code and writes their part; the DT accepts it, signs the
PEP off, and the PDF shows the contribution. The contributor's pages pass axe and fit the phone."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import browser_login, make_user
from cwsw import roles
from cwsw.tests.test_browser_pages import PHONE, axe_violations, page_overflow
from pep.models import PepMeeting, PepTarget
from pupils.tests.factories import CareEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"(/contribute/[A-Za-z0-9_-]+/)")
CODE = re.compile(r"Your code is (\d{6})")


def last_mail(to: str) -> str:
    return next(m for m in reversed(mail.outbox) if m.to == [to]).body


def check_phone_page(page) -> None:
    assert axe_violations(page) == []
    assert page_overflow(page) == ""


def test_the_social_worker_adds_their_part_from_a_phone_and_it_reaches_the_signed_pdf(page, browser, live_server):
    make_user("dt", roles.DESIGNATED_TEACHER)
    today = timezone.localdate()
    pupil = CareEpisodeFactory(kind="CLA", start_date=today - dt.timedelta(days=400),
                               pupil__first_name="Kipper", pupil__last_name="Examplethorpe",
                               pupil__date_of_birth=today.replace(year=today.year - 13),
                               pupil__admission_date=today - dt.timedelta(days=500)).pupil
    pep = PepMeeting.objects.create(pupil=pupil, academic_year=2026, term="autumn", meeting_date=today,
                                    status="held", attendees=["child", "dt"],
                                    next_meeting_date=today + dt.timedelta(days=70))
    PepTarget.objects.create(pep=pep, area="reading", description="Read aloud three times a week",
                             success_criteria="Reading age up six months", owner="Class teacher")

    # The DT invites the social worker from the PEP's page.
    browser_login(page, "dt")
    page.goto(f"/casework/peps/{pep.pk}/")
    page.get_by_role("link", name="Invite a contributor").click()
    page.select_option("#id_role", "social_worker")
    page.fill("#id_name", "Sam Worker")
    page.fill("#id_email", "sam.worker@council.invalid")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("on its way to sam.worker@council.invalid")
    expect(page.get_by_test_id("invitation")).to_contain_text("Waiting for their answer")
    invitation_mail = last_mail("sam.worker@council.invalid")
    assert "Kipper" not in invitation_mail and "Examplethorpe" not in invitation_mail
    link = LINK.search(invitation_mail).group(1)

    # The social worker, on a phone, with no account.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE).new_page()
    phone.set_default_timeout(10_000)
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Add your part to a Personal Education Plan")
    expect(phone.locator("main")).not_to_contain_text("Kipper")
    check_phone_page(phone)
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.get_by_role("alert")).to_contain_text("We have sent a code")
    phone.get_by_label("The 6-digit code").fill(CODE.search(last_mail("sam.worker@council.invalid")).group(1))
    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator("main")).to_contain_text("For Kipper, Year 8")
    expect(phone.locator("main")).not_to_contain_text("Examplethorpe")
    check_phone_page(phone)
    # Sending nothing is refused with the reason, on the same page.
    phone.get_by_role("button", name="Send to the school").click()
    expect(phone.get_by_role("alert")).to_contain_text("Answer at least one question")
    phone.get_by_label("Care plan and placement").fill("Placement is stable; contact with gran every other Saturday.")
    phone.get_by_label("What you ask of the school").fill("Please keep the same key adult this year.")
    phone.get_by_role("button", name="Send to the school").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    check_phone_page(phone)
    # A copy of what they sent, for their own records.
    with phone.expect_download() as download:
        phone.get_by_test_id("download-copy").click()
    copy = " ".join(" ".join(p.extract_text() for p in PdfReader(download.value.path()).pages).split())
    assert "My part of Kipper's PEP" in copy and "contact with gran every other Saturday" in copy
    assert "Examplethorpe" not in copy
    # The link is used up.
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    phone.context.close()

    # The DT accepts it into the PEP and signs the PEP off.
    page.reload()
    contribution = page.get_by_test_id("contribution")
    expect(contribution).to_contain_text("From Sam Worker (social worker)")
    expect(contribution).to_contain_text("contact with gran every other Saturday")
    page.get_by_role("button", name="Accept into the PEP").click()
    expect(page.get_by_role("alert")).to_contain_text("accepted into the pep")
    expect(page.get_by_test_id("invitation")).to_contain_text("Answered")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Complete and sign off").click()
    expect(page.get_by_test_id("pep-status")).to_have_text("Complete")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    text = " ".join(text.split())
    assert "Contributions from outside the school" in text
    assert "From Sam Worker (social worker)" in text
    assert "contact with gran every other Saturday" in text


def test_a_contributor_who_writes_past_the_session_finds_their_draft_and_sends_it(browser, live_server, settings):
    """They type (kept as they go), leave it past the session's end, press Send: nothing is lost. Back
    through the link with a new code the draft is there; they send it and download a copy."""
    dt_user = make_user("dt", roles.DESIGNATED_TEACHER)
    today = timezone.localdate()
    pupil = CareEpisodeFactory(kind="CLA", start_date=today - dt.timedelta(days=400), pupil__first_name="Kipper",
                               pupil__date_of_birth=today.replace(year=today.year - 13),
                               pupil__admission_date=today - dt.timedelta(days=500)).pupil
    pep = PepMeeting.objects.create(pupil=pupil, academic_year=2026, term="autumn", meeting_date=today)
    from pep import services

    mail.outbox.clear()
    services.invitation_send(pep=pep, role="carer", name="Demo Carer", email="carer@home.invalid",
                             purpose="contribution", by=dt_user)
    link = LINK.search(last_mail("carer@home.invalid")).group(1)

    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(link)
    phone.get_by_role("button", name="Send me a code").click()
    phone.get_by_label("The 6-digit code").fill(CODE.search(last_mail("carer@home.invalid")).group(1))
    phone.get_by_role("button", name="Continue").click()
    first = phone.locator("textarea").first
    first.fill("Sleeping better since the new bedtime routine.")
    # Kept as they type: two seconds after they stop.
    expect(phone.locator("[data-autosave-status]")).to_contain_text("Saved as a draft at")
    first.fill("Sleeping better since the new bedtime routine. Still anxious on Mondays.")

    # The session ends while they think (its row is gone, as after 30 idle minutes), then they press Send.
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    phone.get_by_role("button", name="Send to the school").click()
    expect(phone.get_by_text("your answers were not sent yet. They are kept")).to_be_visible()
    # A new code, and the draft is there, as last typed.
    phone.get_by_role("button", name="Send me a new code").click()
    phone.get_by_label("The 6-digit code").fill(CODE.search(last_mail("carer@home.invalid")).group(1))
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_test_id("draft-restored")).to_be_visible()
    expect(phone.locator("textarea").first).to_have_value(
        "Sleeping better since the new bedtime routine. Still anxious on Mondays.")
    check_phone_page(phone)
    phone.get_by_role("button", name="Send to the school").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    with phone.expect_download() as download:
        phone.get_by_test_id("download-copy").click()
    copy = " ".join(" ".join(p.extract_text() for p in PdfReader(download.value.path()).pages).split())
    assert "Still anxious on Mondays." in copy
    context.close()


def test_the_warning_before_the_session_ends_keeps_it_when_asked(page, live_server, settings):
    settings.SESSION_COOKIE_AGE = 75  # the warning shows at 75 - 60 (the save's slack) - 10 = 5 seconds
    settings.SESSION_WARNING_SECONDS = 10
    make_user("dt", roles.DESIGNATED_TEACHER)
    browser_login(page, "dt")
    page.goto("/pupils/")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.get_by_role("heading")).to_have_text("You will be signed out soon")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    # Shown again when the kept session nears its end; this time left to run out.
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.get_by_role("heading")).to_have_text("You have been signed out", timeout=15_000)
    expect(page.get_by_role("link", name="Sign in again")).to_be_visible()
