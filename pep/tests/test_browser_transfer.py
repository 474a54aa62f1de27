"""In real Chromium: the DSL records a leaver to another school, sees the five-day file transfer due
on the dashboard, records the file sent and its receipt, and downloads the transfer pack."""

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import browser_login, make_user
from cwsw import roles
from cwsw.models import AccessLog, Term
from pupils.models import SafeguardingNote, TransitionItem
from pupils.tests.factories import CareEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dsl_records_a_leaver_confirms_the_file_and_downloads_the_pack(page, browser, live_server, tmp_path):
    dsl = make_user("dsl", roles.DSL)
    today = timezone.localdate()
    pupil = CareEpisodeFactory(kind="CP", start_date=dt.date(2024, 5, 6), pupil__first_name="Pickle",
                               pupil__last_name="Leaverton", pupil__admission_date=dt.date(2022, 9, 5)).pupil
    SafeguardingNote.objects.create(pupil=pupil, written_by=dsl, text="Demo concern, shared with the new DSL")
    left = today - dt.timedelta(days=7)
    due = Term.calendar().add_school_days(left, 5)

    browser_login(page, "dsl")
    page.goto(f"/pupils/{pupil.pk}/")
    page.get_by_role("link", name="Record leaving").click()
    page.fill("#id_leaving_date", left.isoformat())
    page.get_by_label("Reason").select_option(label="Moved to another school")
    page.get_by_role("button", name="Save").click()
    # The destination is needed: its DSL gets the file.
    expect(page.locator("#id_destination_school").locator("..")).to_contain_text("Name the school or college")
    page.fill("#id_destination_school", "Northbrook Academy (demo), Demotown")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Pickle Leaverton leaves on {left:%-d %b %Y}")

    # The dashboard lists the file transfer, due five school days after the leaving date.
    page.get_by_role("link", name="Dashboard", exact=True).first.click()
    card = page.get_by_test_id("due-transitions")
    line = card.get_by_role("listitem").filter(has_text="Child-protection file sent to the new school's DSL")
    expect(line).to_contain_text("Pickle Leaverton")
    expect(line).to_contain_text(f"due {due:%-d %b %Y}")
    line.get_by_role("link", name="Pickle Leaverton").click()  # straight to where it is done

    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("alert")).to_contain_text("Done: Child-protection file sent")
    checklist = page.get_by_test_id("checklist")
    checklist.get_by_role("link", name="receipt of the file confirmed by the new school").click()
    page.fill("#id_confirmed_by", "Ms Demo, DSL at Northbrook")
    page.get_by_role("button", name="Mark done").click()
    expect(checklist).to_contain_text("confirmed by Ms Demo, DSL at Northbrook")
    received = TransitionItem.objects.get(pupil=pupil, step="file_received")
    assert received.done_on == today and received.done_by == dsl

    page.get_by_role("link", name="Transfer pack").click()
    page.get_by_role("button", name="Build a transfer pack").click()
    download_link = page.get_by_role("link", name="Download the transfer pack")
    expect(download_link).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        download_link.click()
    path = tmp_path / "pack.pdf"
    download_info.value.save_as(path)
    text = " ".join("".join(p.extract_text() for p in PdfReader(BytesIO(Path(path).read_bytes())).pages).split())
    for words in ("Transfer pack: Pickle Leaverton", "Northbrook Academy (demo), Demotown",
                  "confirmed by Ms Demo, DSL at Northbrook", "Demo concern, shared with the new DSL"):
        assert words in text, words
    assert AccessLog.objects.filter(user=dsl, pupil=pupil, action="export",
                                    code="pack.built", data__with_safeguarding=True).exists()
    assert AccessLog.objects.filter(user=dsl, pupil=pupil, action="download").exists()
