"""Every page, as every role, in real Chromium: axe-core finds no violation, and nothing is wider than
the screen at 1366x768 or at 390x844 (wide tables scroll inside themselves, not the page).

The pages and which roles may open them come from the permission matrix (test_permissions.EXPECTED),
so a new page is checked here as soon as it is added there. The school is `seed_demo`'s, small.
"""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import browser_login, make_user
from cwsw import roles
from cwsw.tests.auth import sign_in
from cwsw.tests.test_permissions import EXPECTED
from pep import pack_build as packs
from pep.models import ExclusionConsultation, PepMeeting, PpPlusSpend, Provision, TransferPack
from pupils.models import CareEpisode, Pupil, TransitionItem
from reporting import services as reporting_services
from reporting.models import GovernorReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks, headings, regions).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDE, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
ROLE_USERS = {"head": "head", "dt_user": "dt", "dsl": "dsl", "governor": "governor", "staff": "staff"}


def school() -> dict[str, object]:
    """The demo school, and a record of each kind for the pages that take one."""
    call_command("seed_demo", pupils=60, stdout=io.StringIO())
    head = User.objects.get(username="head")
    report = reporting_services.report_request(academic_year=2025, by=head)
    spend = PpPlusSpend.objects.select_related("allocation").first()
    pep = PepMeeting.objects.filter(targets__isnull=False).first()
    exclusion = ExclusionConsultation.objects.first()
    staff_pupil = Pupil.objects.filter(key_adult__username="staff").first()
    pupil = pep.pupil
    item = TransitionItem.objects.create(pupil=pupil, step="file_sent", counted_from=pupil.admission_date,
                                         due_date=pupil.admission_date)
    pack = TransferPack.objects.create(pupil=pupil, requested_by=head)
    packs.pack_build(pack_id=pack.pk)
    provision = Provision.objects.create(
        pupil=pupil, kind="alternative", provider="Demo Skills Centre", start_date=pupil.admission_date,
        hours_a_week=Decimal("10"), reason="Demo: vocational course", review_due=pupil.admission_date,
        target=pep.targets.first())
    return {"item": item, "pack": pack, "provision": provision,
        "pupil": pupil, "episode": CareEpisode.objects.filter(pupil=pupil).first(), "pep": pep,
        "target": pep.targets.first(), "allocation": spend.allocation, "spend": spend, "exclusion": exclusion,
        "report": GovernorReport.objects.get(pk=report.pk), "staff_pupil": staff_pupil,
    }


def url(name: str, records: dict, role: str) -> str:
    from cwsw.tests.test_permissions import ARGUMENT

    if name == "pep:target_review":
        return reverse(name, args=[records["pep"].pk, records["target"].pk])
    if name in {"cwsw:terms_year", "reporting:narrative_year", "reporting:school_figures_year"}:
        return reverse(name, args=[2025])
    if name == "reporting:due_list":
        return reverse(name, args=["peps_due"])
    if name == "pupils:record_save":
        return reverse(name, args=[records["pupil"].pk, "attendance"])
    if name in ARGUMENT:
        record = records["staff_pupil"] if role == "staff" and ARGUMENT[name] == "pupil" else records[ARGUMENT[name]]
        return reverse(name, args=[record.pk])
    return reverse(name)


# Pages that are not HTML for a person to read: files, and htmx partials checked inside their pages.
NOT_PAGES = {"pupils:export", "pupils:access_log_export", "reporting:due_export", "pep:pep_pdf", "pep:pp_export",
             "pep:exclusions_export", "pep:provisions_export",
             "reporting:governor_report_download",
             "pupils:search", "pupils:find",
             "pep:pupil_summary", "pep:transfer_pack_download"}


def signed_in_context(browser, live_server, username: str):
    """A browser context holding a session past two-factor login, as the test client makes it."""
    client = sign_in(Client(), User.objects.get(username=username))
    context = browser.new_context(base_url=live_server.url, viewport=WIDE)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:4]}"
            for v in result["violations"]]


def page_overflow(page) -> str:
    """Empty when the page does not scroll sideways; else by how much, and the widest element's tag and class."""
    return page.evaluate("""() => {
        const extra = document.documentElement.scrollWidth - window.innerWidth;
        if (extra <= 0) return "";
        let worst = null;
        for (const el of document.body.querySelectorAll("*")) {
            const right = el.getBoundingClientRect().right;
            if (right > window.innerWidth && (!worst || right >= worst.right)) worst = {el, right};
        }
        const el = worst && worst.el;
        return `${extra} px wider than the screen` + (el ? ` (${el.tagName.toLowerCase()}.${el.className})` : "");
    }""")


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_every_page_passes_axe_and_fits_the_screen(role, browser, live_server):
    records = school()
    pages = [name for name, status in EXPECTED.items() if status[role] == 200 and name not in NOT_PAGES]
    assert len(pages) >= 3
    context = signed_in_context(browser, live_server, ROLE_USERS[role])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    try:
        for name in pages:
            address = url(name, records, role)
            page.set_viewport_size(WIDE)
            response = page.goto(address)
            assert response.status == 200, (name, response.status)
            for violation in axe_violations(page):
                problems.append(f"{name} {address}: {violation}")
            if extra := page_overflow(page):
                problems.append(f"{name} at 1366 px: the page is {extra}")
            page.set_viewport_size(PHONE)
            if extra := page_overflow(page):
                problems.append(f"{name} at 390 px: the page is {extra}")
            # The menu opened on a phone is checked too: collapsed navigation is still the page.
            page.get_by_role("button", name="Menu").click()
            # Checked once the menu has finished opening: mid-animation, the layout is neither state.
            page.locator("#nav.collapse.show").wait_for()
            for violation in axe_violations(page):
                problems.append(f"{name} {address} (phone, menu open): {violation}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_account_menu_opens_and_works_from_the_keyboard(page, live_server):
    make_user("dt", roles.DESIGNATED_TEACHER)
    browser_login(page, "dt")
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/")
        # From the top of the page: the skip link first, then through the header to the account menu.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
        if viewport is PHONE:
            menu = page.get_by_role("button", name="Menu")
            menu.focus()
            page.keyboard.press("Enter")
            page.get_by_role("link", name="Dashboard").wait_for()
        account = page.get_by_test_id("account-menu")
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.dataset.testid") == "account-menu":
                break
        else:
            pytest.fail("Tab never reached the account menu")
        assert account.get_attribute("aria-expanded") == "false"
        page.keyboard.press("Enter")
        assert account.get_attribute("aria-expanded") == "true"
        who = page.get_by_test_id("whoami")
        assert who.is_visible()
        assert "Dt Persona" in who.inner_text()
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Reminders"
        page.keyboard.press("Escape")
        assert account.get_attribute("aria-expanded") == "false"
    # Keyboard to the password page through the menu.
    page.set_viewport_size(WIDE)
    page.get_by_test_id("account-menu").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/password/")
    assert page.locator("#account-menu + .dropdown-menu a[href$='/password/']").get_attribute("aria-current") == "page"
