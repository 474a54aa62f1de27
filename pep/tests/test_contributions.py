"""The multi-agency PEP: invitations, codes, the contributor's part, the DT's decision, quality assurance."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from pypdf import PdfReader

from cwsw.models import AccessLog
from pep import invitation_rules as rules
from pep import services
from pep.models import Contribution, Invitation, PepMeeting
from pep.pdf import render_pep
from pep.tests.factories import PepFactory, TargetFactory, looked_after_pupil

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 11, 20, 12, 0)
LINK = re.compile(r"/contribute/([A-Za-z0-9_-]+)/")
CODE = re.compile(r"Your code is (\d{6})")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def pep():
    pupil = looked_after_pupil(first_name="Demo-Kit", last_name="Testperson-Zed", date_of_birth=dt.date(2012, 3, 4))
    return PepFactory(pupil=pupil, status="planned", meeting_date=dt.date(2025, 12, 1), attendees=["child", "dt"],
                      next_meeting_date=dt.date(2026, 2, 2))


def invite(pep, by, role="social_worker", email="sw@council.invalid", purpose="contribution"):
    """Send an invitation as the DT would; return it and the link from its e-mail."""
    mail.outbox.clear()
    invitation = services.invitation_send(pep=pep, role=role, name="Sam Worker", email=email, purpose=purpose, by=by)
    return invitation, LINK.search(mail.outbox[-1].body).group(0)


def get_code(client, link):
    mail.outbox.clear()
    client.post(link, {"action": "send"})
    return CODE.search(mail.outbox[-1].body).group(1)


def verified(link):
    client = Client()
    code = get_code(client, link)
    response = client.post(link, {"action": "code", "code": code})
    assert response.status_code == 302
    return client


# --- The invitation -----------------------------------------------------------------------------


def test_the_invitation_e_mail_names_no_pupil_and_the_link_is_stored_only_as_a_hash(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    message = mail.outbox[-1]
    assert message.to == ["sw@council.invalid"]
    for secret in (pep.pupil.first_name, pep.pupil.last_name, pep.pupil.upn):
        assert secret not in message.body and secret not in message.subject
        assert secret not in message.alternatives[0][0]
    token = link.split("/")[2]
    assert token not in str(Invitation.objects.values().get())
    assert invitation.token_hash == rules.hash_token(token)
    assert invitation.expires_at == invitation.created_at + dt.timedelta(days=14)


def test_the_dt_invites_through_the_pep_page_and_a_bad_address_is_refused_next_to_the_field(pep, login, dt_user):
    client = login(dt_user)
    response = client.post(reverse("pep:pep_invite", args=[pep.pk]),
                           {"role": "carer", "name": "Pat Carer", "email": "not an address"})
    assert "Enter a valid email address." in response.context["form"].errors["email"]
    assert not Invitation.objects.exists() and not mail.outbox
    response = client.post(reverse("pep:pep_invite", args=[pep.pk]),
                           {"role": "carer", "name": "Pat Carer", "email": "carer@home.invalid"})
    assert response.url == pep.get_absolute_url()
    assert Invitation.objects.get().role == "carer"
    page = client.get(pep.get_absolute_url()).content.decode()
    assert "carer@home.invalid" in page and "Waiting for their answer" in page


def test_a_second_working_link_to_the_same_address_for_the_same_part_is_refused(pep, login, dt_user):
    invite(pep, dt_user)
    response = login(dt_user).post(reverse("pep:pep_invite", args=[pep.pk]),
                                   {"role": "social_worker", "name": "Sam", "email": "SW@council.invalid"})
    assert "already has a working link" in response.context["form"].errors["email"][0]
    assert Invitation.objects.count() == 1


def test_nobody_can_be_invited_to_a_completed_pep(pep, dt_user):
    pep.status = "complete"
    pep.save()
    with pytest.raises(ValidationError, match="complete and locked"):
        invite(pep, dt_user)


# --- The code -----------------------------------------------------------------------------------


def test_the_link_shows_nothing_of_the_child_before_the_code(pep, dt_user):
    _, link = invite(pep, dt_user)
    body = Client().get(link).content.decode()
    assert "Send me a code" in body
    assert pep.pupil.first_name not in body and "Year" not in body


def test_after_the_code_the_contributor_sees_the_first_name_and_year_group_only(pep, dt_user):
    _, link = invite(pep, dt_user)
    body = verified(link).get(link).content.decode()
    assert "Demo-Kit" in body and "Year 9" in body
    assert pep.pupil.last_name not in body and pep.pupil.upn not in body and "2012" not in body
    assert "Care plan and placement" in body


def test_wrong_codes_slow_down_then_lock_the_invitation(pep, dt_user, time_machine):
    invitation, link = invite(pep, dt_user)
    client = Client()
    code = get_code(client, link)
    wrong = "000000" if code != "000000" else "111111"

    def attempt(value):
        return client.post(link, {"action": "code", "code": value})

    assert "4 tries left" in attempt(wrong).content.decode()
    assert "3 tries left" in attempt(wrong).content.decode()  # no wait after the first slip
    # After the second wrong code the next try must wait 15 s; even the right code is not checked.
    waiting = attempt(code).content.decode()
    assert "Wait 15 seconds" in waiting
    time_machine.shift(dt.timedelta(seconds=15))
    assert "2 tries left" in attempt(wrong).content.decode()
    time_machine.shift(dt.timedelta(seconds=28))
    assert "Wait 2 seconds" in attempt(wrong).content.decode()
    time_machine.shift(dt.timedelta(seconds=2))
    assert "1 try left" in attempt(wrong).content.decode()
    time_machine.shift(dt.timedelta(seconds=60))
    locked = attempt(wrong)
    assert locked.status_code == 404 and "This link no longer works" in locked.content.decode()
    invitation.refresh_from_db()
    assert invitation.failed_codes == 5 and invitation.locked_at is not None
    # Locked means locked: the right code no longer opens it, and no new code is sent.
    mail.outbox.clear()
    assert client.post(link, {"action": "send"}).status_code == 404 and not mail.outbox
    assert attempt(code).status_code == 404


def test_every_code_refused_is_logged_even_during_the_wait(pep, dt_user):
    _, link = invite(pep, dt_user)
    client = Client()
    code = get_code(client, link)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(10):  # a burst: the third onwards arrive while the invitation makes them wait
        client.post(link, {"action": "code", "code": wrong})
    refused = AccessLog.objects.filter(code="invitation.code_refused").order_by("id")
    assert [row.data["refused"] for row in refused] == ["wrong"] * 2 + ["during the wait"] * 8
    assert {row.contributor for row in refused} == {"sw@council.invalid"}


def test_a_code_runs_out_after_30_minutes_and_works_once(pep, dt_user, time_machine):
    _, link = invite(pep, dt_user)
    client = Client()
    code = get_code(client, link)
    time_machine.shift(dt.timedelta(minutes=30, seconds=1))
    assert "This code has run out" in client.post(link, {"action": "code", "code": code}).content.decode()
    code = get_code(client, link)
    assert client.post(link, {"action": "code", "code": code}).status_code == 302
    # The same code, in another browser: it has been used.
    other = Client()
    assert "not right" in other.post(link, {"action": "code", "code": code}).content.decode()


def test_no_more_than_five_codes_are_sent_for_one_link(pep, dt_user):
    _, link = invite(pep, dt_user)
    client = Client()
    for _ in range(rules.MAX_CODES_SENT):
        get_code(client, link)
    mail.outbox.clear()
    response = client.post(link, {"action": "send"}, follow=True)
    assert "No more codes can be sent" in response.content.decode() and not mail.outbox


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 56"])
def test_a_malformed_code_is_refused_next_to_the_field_and_not_counted(pep, dt_user, code):
    invitation, link = invite(pep, dt_user)
    client = Client()
    get_code(client, link)
    response = client.post(link, {"action": "code", "code": code})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    invitation.refresh_from_db()
    assert invitation.failed_codes == 0
    assert AccessLog.objects.filter(contributor=invitation.email, code="invitation.visited",
                                    data__shown="nothing: the code was not in the right form").count() == 1


# --- Links that do not work ---------------------------------------------------------------------


def _gone_page(client, link):
    response = client.get(link)
    assert response.status_code == 404
    return response.content.decode()


def test_every_link_that_does_not_work_gets_the_same_plain_page(pep, dt_user, time_machine):
    reference = _gone_page(Client(), "/contribute/" + "x" * 43 + "/")
    assert "This link no longer works" in reference

    withdrawn, link = invite(pep, dt_user, email="a@council.invalid")
    services.invitation_withdraw(invitation=withdrawn, by=dt_user)
    assert _gone_page(Client(), link) == reference

    _, used = invite(pep, dt_user, email="b@council.invalid")
    verified(used).post(used, {"care_plan": "Placement stable."})
    assert _gone_page(Client(), used) == reference

    _, expiring = invite(pep, dt_user, email="c@council.invalid")
    time_machine.shift(dt.timedelta(days=14))
    assert _gone_page(Client(), expiring) == reference
    for secret in (pep.pupil.first_name, pep.pupil.last_name, "Demo school"):
        assert secret not in reference


def test_a_link_ends_when_its_pep_is_signed_off_and_stays_ended_if_reopened(pep, dt_user):
    _, link = invite(pep, dt_user)
    client = verified(link)
    pep.status = "held"
    pep.save()
    TargetFactory(pep=pep)
    services.pep_complete(pep=pep, by=dt_user)
    assert client.get(link).status_code == 404
    services.pep_reopen(pep=PepMeeting.objects.get(pk=pep.pk), reason="Typo in a target", by=dt_user)
    assert client.get(link).status_code == 404


def test_an_address_trying_many_unknown_links_is_refused_even_a_real_one(pep, dt_user):
    _, link = invite(pep, dt_user)
    client = Client()
    for n in range(rules.MAX_UNKNOWN_LINKS):
        client.get(f"/contribute/guess{n}/")
    assert client.get(link).status_code == 404
    assert Client(REMOTE_ADDR="192.0.2.7").get(link).status_code == 200


def test_a_verified_link_reaches_no_other_page_of_the_app(pep, dt_user):
    from cwsw.tests.test_permissions import EXPECTED

    _, link = invite(pep, dt_user)
    client = verified(link)
    other_pep = PepFactory()
    for name, url in [("pep:pep_detail", reverse("pep:pep_detail", args=[pep.pk])),
                      ("pep:pep_detail", reverse("pep:pep_detail", args=[other_pep.pk])),
                      ("pupils:detail", reverse("pupils:detail", args=[pep.pupil.pk])),
                      ("pep:pep_pdf", reverse("pep:pep_pdf", args=[pep.pk]))] + [
            (name, reverse(name)) for name in EXPECTED if name in {"dashboard", "pupils:list", "pep:grid"}]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name


# --- The contributor's part and the DT's decision ---------------------------------------------------


def test_the_social_worker_s_part_arrives_as_a_draft_the_dt_accepts(pep, dt_user, login):
    invitation, link = invite(pep, dt_user)
    client = verified(link)
    response = client.post(link, {"care_plan": "Placement stable; contact with gran fortnightly.",
                                  "health": "", "asks": "Please keep the key adult."})
    assert response.url == reverse("contribute:thanks")
    contribution = Contribution.objects.get()
    assert contribution.status == "pending"
    assert contribution.answers[0] == ["Care plan and placement: news the school should know",
                                       "Placement stable; contact with gran fortnightly."]
    dt_client = login(dt_user)
    page = dt_client.get(pep.get_absolute_url()).content.decode()
    assert "Accept into the PEP" in page and "contact with gran fortnightly" in page
    dt_client.post(reverse("pep:contribution_decide", args=[contribution.pk]), {"decision": "accept"})
    contribution.refresh_from_db()
    assert (contribution.status, contribution.decided_by) == ("accepted", dt_user)
    page = dt_client.get(pep.get_absolute_url()).content.decode()
    assert "Accepted into the PEP" in page and "From Sam Worker (social worker)" in page


# --- Drafts that survive, and a copy of what was sent ---------------------------------------------


def test_what_is_typed_is_kept_as_a_draft_and_shown_again_after_a_new_code(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    client = verified(link)
    saved = client.post(link, {"action": "draft", "care_plan": "Half written", "nonsense": "x"},
                        HTTP_X_AUTOSAVE="1")
    assert saved.status_code == 200 and saved.content.decode().startswith("Saved as a draft at ")
    invitation.refresh_from_db()
    assert invitation.draft == {"care_plan": "Half written"} and invitation.draft_saved_at
    assert not Contribution.objects.exists()
    # Next time, on another device: a new code, and the draft is in the form.
    page = verified(link).get(link).content.decode()
    assert "Your draft, saved" in page and "Half written</textarea>" in page


def test_without_javascript_save_and_finish_later_keeps_the_draft(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    client = verified(link)
    response = client.post(link, {"action": "draft", "asks": "Please keep the key adult."}, follow=True)
    assert "Saved as a draft at" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.draft == {"asks": "Please keep the key adult."}


def test_answers_sent_after_the_session_ended_are_kept_not_lost(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    verified(link)  # the code was given once, in a session that has since ended
    stale = Client()
    response = stale.post(link, {"action": "send-part", "care_plan": "Written slowly over an hour"}, follow=True)
    page = response.content.decode()
    assert "your answers were not sent yet. They are kept" in page and "Send me a new code" in page
    assert "Written slowly" not in page  # nothing is shown back before a new code
    invitation.refresh_from_db()
    assert invitation.draft == {"care_plan": "Written slowly over an hour"}
    assert not Contribution.objects.exists()


def test_a_link_never_verified_keeps_nothing_sent_to_it(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    Client().post(link, {"action": "send-part", "care_plan": "From someone without the code"})
    invitation.refresh_from_db()
    assert invitation.draft == {}


def test_sending_empties_the_draft_and_offers_a_copy_to_this_browser_only(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    client = verified(link)
    client.post(link, {"action": "draft", "care_plan": "Draft words"})
    response = client.post(link, {"action": "send-part", "care_plan": "Final words for the school"}, follow=True)
    assert 'data-testid="download-copy"' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.draft == {} and invitation.draft_saved_at is None
    copy = client.get(reverse("contribute:copy"))
    assert copy["Content-Type"] == "application/pdf"
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(copy.content)).pages).split())
    assert "Final words for the school" in text and "Demo-Kit" in text and "Testperson-Zed" not in text
    assert AccessLog.objects.filter(code="contribution.copied", contributor=invitation.email).exists()
    assert Client().get(reverse("contribute:copy")).status_code == 404


def test_a_contribution_set_aside_stays_on_record_but_not_in_the_pdf(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    verified(link).post(link, {"care_plan": "Nothing new to add at all."})
    contribution = Contribution.objects.get()
    services.contribution_decide(contribution=contribution, accept=False, by=dt_user)
    text = "".join(p.extract_text() for p in PdfReader(_pdf(pep)).pages)
    assert "Nothing new to add" not in text
    with pytest.raises(ValidationError, match="already been decided"):
        services.contribution_decide(contribution=contribution, accept=True, by=dt_user)


def _pdf(pep):
    import io

    return io.BytesIO(render_pep(PepMeeting.objects.get(pk=pep.pk)))


def test_an_empty_part_is_refused_and_nothing_is_saved(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    client = verified(link)
    response = client.post(link, {"care_plan": "   ", "health": ""})
    assert "Answer at least one question" in response.content.decode()
    assert not Contribution.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


@pytest.mark.parametrize("birth, form, question", [
    (dt.date(2017, 1, 10), "younger", "How do you feel about school?"),   # Year 4
    (dt.date(2012, 3, 4), "older", "What would you like to do when you leave school?"),  # Year 9
])
def test_the_child_gets_the_questions_suited_to_their_age(dt_user, birth, form, question):
    pupil = looked_after_pupil(date_of_birth=birth)
    pep = PepFactory(pupil=pupil, status="planned", meeting_date=dt.date(2025, 12, 1))
    _, link = invite(pep, dt_user, role="child", email="helper@school.invalid")
    body = verified(link).get(link).content.decode()
    assert "My views" in body and question in body and "Print this page" in body
    assert ('class="face"' in body) == (form == "younger")


def test_the_younger_child_s_faces_are_kept_as_words(dt_user):
    pupil = looked_after_pupil(date_of_birth=dt.date(2017, 1, 10))
    pep = PepFactory(pupil=pupil, status="planned", meeting_date=dt.date(2025, 12, 1))
    _, link = invite(pep, dt_user, role="child", email="helper@school.invalid")
    verified(link).post(link, {"school": "happy", "friends": "sad", "best": "Art club"})
    answers = dict(Contribution.objects.get().answers)
    assert answers["How do you feel about school?"] == "Happy"
    assert answers["How do you feel about your friends at school?"] == "Sad"
    assert answers["How do you feel about your learning?"] == ""


def test_every_visit_and_submission_is_in_the_access_log_under_the_contributor(pep, dt_user):
    _, link = invite(pep, dt_user)
    before = AccessLog.objects.filter(contributor="sw@council.invalid").count()
    Client().get(link)
    client = verified(link)
    client.get(link)
    client.post(link, {"asks": "Weekly check-ins"})
    rows = AccessLog.objects.filter(contributor="sw@council.invalid", user=None).order_by("pk")
    done = [(row.code, row.data.get("shown")) for row in rows[before:]]
    assert done == [("invitation.visited", "nothing before the code"), ("invitation.code_sent", None),
                    ("invitation.code_accepted", None), ("invitation.visited", "their part"),
                    ("contribution.sent", None)]
    assert {row.pupil_id for row in rows} == {pep.pupil_id}


# --- Quality assurance ---------------------------------------------------------------------------

QA_ALL = {key: "green" for key, _ in rules.QA_SECTIONS}


def held(pep):
    pep.status = "held"
    pep.meeting_date = dt.date(2025, 11, 18)
    pep.save()
    TargetFactory(pep=pep)
    return pep


def test_a_red_section_rates_the_pep_red_and_sends_it_back(pep, dt_user, login):
    held(pep)
    _, link = invite(pep, dt_user, role="vs_adviser", email="adviser@vs.invalid", purpose="quality")
    client = verified(link)
    body = client.get(link).content.decode()
    assert "Quality check of a PEP" in body and "Read aloud to the key adult" in body
    client.post(link, {**QA_ALL, "smart": "red", "feedback": "Targets are not measurable."})
    pep.refresh_from_db()
    assert (pep.vs_rating, pep.status) == ("red", "held")
    assert pep.completion_blockers(previous=pep.previous())[0].startswith(
        "The Virtual School rated this PEP red")
    page = login(dt_user).get(pep.get_absolute_url()).content.decode()
    assert "Complete and sign off" not in page and "Targets are not measurable." in page
    # The adviser's rating replaces the one typed in by hand: the DT cannot overwrite it.
    with pytest.raises(ValidationError, match="their rating stands"):
        services.pep_rate(pep=pep, rating="green", feedback="", by=dt_user)


def test_an_all_green_check_lets_the_dt_sign_off_and_the_pdf_shows_it(pep, dt_user):
    held(pep)
    _, link = invite(pep, dt_user, role="vs_adviser", email="adviser@vs.invalid", purpose="quality")
    verified(link).post(link, {**QA_ALL, "voice": "amber", "feedback": "Good plan; hear more from the child."})
    pep.refresh_from_db()
    assert pep.vs_rating == "amber"
    services.pep_complete(pep=pep, by=dt_user)
    text = "".join(p.extract_text() for p in PdfReader(_pdf(pep)).pages)
    assert "Quality assurance by Sam Worker" in text and "The child's voice is heard" in text


def test_quality_assurance_is_for_a_held_pep_only(pep, dt_user, login):
    with pytest.raises(ValidationError, match="Only a PEP that has been held"):
        invite(pep, dt_user, role="vs_adviser", purpose="quality")
    response = login(dt_user).get(reverse("pep:pep_quality_request", args=[pep.pk]))
    assert response.url == pep.get_absolute_url()


def test_a_quality_check_without_a_rating_for_each_section_is_refused(pep, dt_user):
    held(pep)
    _, link = invite(pep, dt_user, role="vs_adviser", email="adviser@vs.invalid", purpose="quality")
    response = verified(link).post(link, {"voice": "green", "feedback": ""})
    errors = response.context["form"].errors
    assert set(errors) == {key for key, _ in rules.QA_SECTIONS if key != "voice"} | {"feedback"}
    pep.refresh_from_db()
    assert pep.vs_rating == "" and not pep.quality_reviews.exists()


@pytest.mark.parametrize("failed, wait", [(0, 0), (1, 0), (2, 15), (3, 30), (4, 60)])
def test_the_wait_doubles_after_each_wrong_code(failed, wait):
    assert rules.wait_after(failed) == dt.timedelta(seconds=wait)


@pytest.mark.parametrize("ratings, overall", [
    (["green"] * 5, "green"), (["green", "amber", "green"], "amber"), (["amber", "red"], "red"),
])
def test_the_pep_takes_its_weakest_section_s_rating(ratings, overall):
    assert rules.overall_rating(ratings) == overall


# --- Anything a contributor can type ------------------------------------------------------------

PARTS = [("social_worker", "contribution"), ("carer", "contribution"), ("vs_adviser", "contribution"),
         ("child", "contribution"), ("vs_adviser", "quality")]
fuzz_value = st.one_of(
    st.text(max_size=60), st.text(max_size=5000, alphabet="ab \n"), st.sampled_from(["happy", "sad", "red", "green"]),
    st.just("\x00"), st.just(" " * 10),
)


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from(PARTS), data=st.dictionaries(
    st.sampled_from(["care_plan", "health", "asks", "home_learning", "views", "advice", "school", "friends", "best",
                     "help", "going_well", "future", "voice", "smart", "pp_plus", "previous_targets", "attendees",
                     "feedback", "csrfmiddlewaretoken", "action"]), fuzz_value, max_size=8))
def test_a_contributor_s_form_takes_any_input_without_a_server_error_or_half_a_save(dt_user, part, data):
    role, purpose = part
    pupil = looked_after_pupil(date_of_birth=dt.date(2016, 5, 5))
    pep = PepFactory(pupil=pupil, status="held", meeting_date=dt.date(2025, 11, 18))
    _, link = invite(pep, dt_user, role=role, email=f"fuzz{pep.pk}@council.invalid", purpose=purpose)
    client = verified(link)
    response = client.post(link, data)
    assert response.status_code in (200, 302)
    saved = Contribution.objects.filter(pep=pep).exists() or pep.quality_reviews.exists()
    invitation = Invitation.objects.get(pep=pep)
    if response.status_code == 302:
        assert saved and invitation.answered_at is not None
    else:
        assert not saved and invitation.answered_at is None
        assert response.context["form"].errors
        pep.refresh_from_db()
        assert pep.vs_rating == ""


def test_the_dashboard_and_the_digest_list_answered_parts_waiting_for_the_dt(pep, dt_user, dsl, login):
    from reporting.due import due_items
    from reporting.reminders import digest_for

    _, link = invite(pep, dt_user)
    assert next(i for i in due_items(dt_user, today=NOW.date()) if i.key == "contributions").count == 0
    verified(link).post(link, {"asks": "Weekly check-ins"})
    item = next(i for i in due_items(dt_user, today=NOW.date(), with_rows=True) if i.key == "contributions")
    assert item.count == 1 and (item.rows[0].pupil, item.rows[0].ref) == (pep.pupil, pep.pk)
    assert "contributions" not in {i.key for i in due_items(dsl, today=NOW.date())}  # the DT's to decide
    assert any(i.key == "contributions" and i.count == 1 for i in digest_for(dt_user, today=NOW.date()))
    page = login(dt_user).get(reverse("dashboard")).content.decode()
    assert "Contributions from outside the school waiting to be accepted" in page and pep.pupil.last_name in page
    services.contribution_decide(contribution=Contribution.objects.get(), accept=True, by=dt_user)
    assert next(i for i in due_items(dt_user, today=NOW.date()) if i.key == "contributions").count == 0


def test_the_pupil_s_history_keeps_each_contribution_and_the_dt_s_decision(pep, dt_user, login):
    _, link = invite(pep, dt_user)
    verified(link).post(link, {"asks": "Weekly check-ins with the key adult"})
    services.contribution_decide(contribution=Contribution.objects.get(), accept=True, by=dt_user)
    page = login(dt_user).get(reverse("pupils:history", args=[pep.pupil.pk])).content.decode()
    assert "Contribution from outside the school" in page
    assert "Weekly check-ins with the key adult" in page and "Accepted into the PEP" in page


def test_the_pep_page_shows_the_parts_oldest_first_and_the_latest_quality_check(pep, dt_user, login, time_machine):
    held(pep)
    for hour, (role, words) in enumerate([("carer", "First-written part"), ("social_worker", "Later part")]):
        time_machine.move_to(NOW + dt.timedelta(hours=hour), tick=False)
        _, link = invite(pep, dt_user, role=role, email=f"{role}@x.invalid")
        verified(link).post(link, {"home_learning": words, "care_plan": words})
    for hour, (smart, feedback) in enumerate([("red", "Targets are not measurable."), ("green", "Now they are.")], 2):
        time_machine.move_to(NOW + dt.timedelta(hours=hour), tick=False)
        _, link = invite(pep, dt_user, role="vs_adviser", email=f"qa{hour}@vs.invalid", purpose="quality")
        verified(link).post(link, {**QA_ALL, "smart": smart, "feedback": feedback})
    page = login(dt_user).get(pep.get_absolute_url()).content.decode()
    assert page.index("First-written part") < page.index("Later part")
    review = page[page.index('data-testid="quality-review"'):]
    assert "Now they are." in review[:review.index("</section>")]
    assert "Targets are not measurable." not in page
    assert page.count('data-testid="invitation"') == 4


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pep_page_and_the_contributor_s_page_run_in_the_same_queries_however_many_parts(pep, dt_user, login):
    held(pep)
    client = login(dt_user)

    def contributions(n, start):
        for i in range(start, start + n):
            _, link = invite(pep, dt_user, role=["social_worker", "carer", "child"][i % 3], email=f"p{i}@x.invalid")
            verified(link).post(link, {"asks": "More", "views": "Fine", "going_well": "Art"})

    contributions(2, 0)
    _, qa = invite(pep, dt_user, role="vs_adviser", email="qa@vs.invalid", purpose="quality")
    adviser = verified(qa)
    few = (_queries(client, pep.get_absolute_url()), _queries(adviser, qa))
    contributions(6, 2)
    for contribution in Contribution.objects.all()[:4]:
        services.contribution_decide(contribution=contribution, accept=True, by=dt_user)
    assert (_queries(client, pep.get_absolute_url()), _queries(adviser, qa)) == few


def test_when_the_mail_server_refuses_nothing_is_saved_and_the_person_is_told(pep, dt_user, login, monkeypatch):
    _, link = invite(pep, dt_user)

    def refused(**kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr("pep.services.contributions.send_templated", refused)
    response = login(dt_user).post(reverse("pep:pep_invite", args=[pep.pk]),
                                   {"role": "carer", "name": "Pat Carer", "email": "carer@home.invalid"})
    assert "could not be sent just now" in response.content.decode()
    assert Invitation.objects.count() == 1
    client = Client()
    page = client.post(link, {"action": "send"}, follow=True).content.decode()
    assert "could not be sent just now" in page
    assert Invitation.objects.get().codes_sent == 0


def test_the_invite_form_offers_the_social_worker_on_the_care_episode(pep, dt_user, login):
    pep.pupil.episodes.update(social_worker_name="Demo Worker Q", social_worker_contact="dwq@council.invalid")
    client = login(dt_user)
    url = reverse("pep:pep_invite", args=[pep.pk])
    page = client.get(url).content.decode()
    assert "Invite the social worker on record, Demo Worker Q" in page
    form = client.get(url + "?who=social_worker").context["form"]
    assert (form["role"].value(), form["name"].value(), form["email"].value()) == (
        "social_worker", "Demo Worker Q", "dwq@council.invalid")
    # A contact that is a telephone number is not offered as the address.
    pep.pupil.episodes.update(social_worker_contact="01632 960123")
    assert client.get(url + "?who=social_worker").context["form"]["email"].value() in ("", None)


def test_a_save_as_they_type_after_the_session_ended_is_kept_and_says_so_once(pep, dt_user):
    invitation, link = invite(pep, dt_user)
    verified(link)
    stale = Client()
    for text in ("Still writing", "Still writing, more"):
        saved = stale.post(link, {"action": "draft", "care_plan": text}, HTTP_X_AUTOSAVE="1")
        assert saved.status_code == 200 and saved["X-Session-Ended"] == "1"
        assert saved.content.decode().startswith("Kept as a draft. Your session has ended")
    invitation.refresh_from_db()
    assert invitation.draft == {"care_plan": "Still writing, more"}
    assert "your answers were not sent yet" not in stale.get(link).content.decode()  # no pile of messages
