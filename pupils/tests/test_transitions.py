"""Joining and leaving: the checklists, their deadlines in school days, and the pages that keep them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwsw import services as school
from cwsw.models import AccessLog
from cwsw.terms import ClosureDates, TermDates
from pupils import checklists, mis, services, transitions
from pupils.models import Pupil, TransitionItem
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Early in the 2025/26 autumn term's second half: the leavers below left recently or leave soon.
    time_machine.move_to(dt.datetime(2025, 12, 1, 9, 0))


@pytest.fixture
def calendar_2025(head):
    """2025/26 as a school enters it: half-terms, Christmas, Easter; then 2026/27's autumn term."""
    school.calendar_year_save(academic_year=2025, by=head, terms=[
        TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
        TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
        TermDates(2025, "summer", D(2026, 4, 13), D(2026, 7, 22)),
    ], closures=[
        ClosureDates(2025, D(2025, 10, 27), D(2025, 10, 31), "half_term", "Autumn half-term"),
        ClosureDates(2025, D(2026, 2, 16), D(2026, 2, 20), "half_term", "Spring half-term"),
        ClosureDates(2025, D(2026, 5, 25), D(2026, 5, 29), "half_term", "Summer half-term"),
    ])
    school.calendar_year_save(academic_year=2026, by=head, terms=[
        TermDates(2026, "autumn", D(2026, 9, 3), D(2026, 12, 18)),
        TermDates(2026, "spring", D(2027, 1, 5), D(2027, 3, 26)),
        TermDates(2026, "summer", D(2027, 4, 12), D(2027, 7, 21)),
    ], closures=[ClosureDates(2026, D(2026, 9, 4), D(2026, 9, 4), "inset", "Training day")])


def cla_pupil(**fields):
    pupil_fields = {f"pupil__{k}": v for k, v in fields.items()}
    return CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), **pupil_fields).pupil


def leave(pupil, left, reason=transitions.MOVED_SCHOOL, destination="Northbrook Academy (demo)", by=None):
    return services.pupil_leave(pupil=pupil, leaving_date=left, leaving_reason=reason, destination_school=destination,
                                by=by)


def steps(pupil):
    return {i.step: i for i in TransitionItem.objects.filter(pupil=pupil)}


# --- Deadlines ---------------------------------------------------------------------


def test_the_file_is_due_five_school_days_after_leaving_across_half_term(calendar_2025, dsl):
    # Leaves Friday 24 Oct 2025; half-term is 27-31 Oct: school days 3, 4, 5, 6, 7 Nov.
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    items = steps(pupil)
    assert items["file_sent"].due_date == D(2025, 11, 7)
    assert items["file_received"].due_date == D(2025, 11, 7)
    assert items["vs_told"].due_date == D(2025, 11, 7)
    # 15 school days: 3 Nov ... 21 Nov.
    assert items["ctf_sent"].due_date == D(2025, 11, 21)
    assert items["pep_passed"].due_date == D(2025, 11, 21)


def test_a_leaver_on_the_last_day_of_the_summer_term_has_deadlines_in_september(calendar_2025, dsl):
    # 22 Jul 2026 is the last day of term; 3 Sep is the first school day, 4 Sep a training day.
    pupil = leave(cla_pupil(), D(2026, 7, 22), by=dsl)
    items = steps(pupil)
    assert items["file_sent"].due_date == D(2026, 9, 10)  # 3, 7, 8, 9, 10 Sep
    assert items["ctf_sent"].due_date == D(2026, 9, 24)


def test_deadlines_skip_christmas_and_a_bank_holiday(calendar_2025, dsl):
    # Leaves Thursday 18 Dec 2025: 19 Dec, then 5-8 Jan.
    pupil = leave(CareEpisodeFactory(kind="CP").pupil, D(2025, 12, 18), by=dsl)
    assert steps(pupil)["file_sent"].due_date == D(2026, 1, 8)
    # Leaves Thursday 30 Apr 2026: 1 May, then the May Day bank holiday (4 May) is not counted.
    other = leave(CareEpisodeFactory(kind="CP").pupil, D(2026, 4, 30), by=dsl)
    assert steps(other)["file_sent"].due_date == D(2026, 5, 8)  # 1, 5, 6, 7, 8 May


def test_a_changed_term_date_moves_an_open_deadline_but_not_a_done_one(calendar_2025, dsl, head,
                                                                     django_capture_on_commit_callbacks):
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    sent = steps(pupil)["file_sent"]
    services.transition_done(item=sent, done_on=D(2025, 11, 3), by=dsl)
    # The school adds an INSET day on 3 Nov 2025; the deadlines are counted again once the dates are saved.
    with django_capture_on_commit_callbacks(execute=True):
        school.calendar_year_save(academic_year=2025, by=head, terms=[
            TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
            TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
            TermDates(2025, "summer", D(2026, 4, 13), D(2026, 7, 22)),
        ], closures=[ClosureDates(2025, D(2025, 10, 27), D(2025, 11, 3), "half_term", "Half-term and INSET")])
    items = steps(pupil)
    assert items["file_received"].due_date == D(2025, 11, 10)
    assert items["file_sent"].due_date == D(2025, 11, 7)  # done: left as it was


# --- Which steps ---------------------------------------------------------------------


def test_only_a_cohort_pupil_gets_a_transfer_checklist(calendar_2025, dsl):
    assert steps(leave(PupilFactory(), D(2025, 10, 24), by=dsl)) == {}


def test_a_child_in_need_gets_the_file_and_the_ctf_but_no_virtual_school_steps(calendar_2025, dsl):
    pupil = leave(CareEpisodeFactory(kind="CIN").pupil, D(2025, 10, 24), by=dsl)
    assert set(steps(pupil)) == {"file_sent", "file_received", "ctf_sent"}


def test_a_plan_that_ended_before_leaving_still_counts_within_six_years(calendar_2025, dsl):
    pupil = CareEpisodeFactory(kind="CP", start_date=D(2020, 1, 6), end_date=D(2021, 3, 1)).pupil
    assert "file_sent" in steps(leave(pupil, D(2025, 10, 24), by=dsl))


def test_elective_home_education_prompts_the_dsl_before_the_pupil_comes_off_roll(calendar_2025, dsl):
    pupil = leave(cla_pupil(), D(2025, 11, 14), reason=transitions.EHE, destination="", by=dsl)
    items = steps(pupil)
    assert {"ehe_la_told", "ehe_sw_told", "ehe_meeting"} <= set(items)
    assert items["ehe_meeting"].due_date == D(2025, 11, 14)
    assert "file_sent" not in items and "pep_passed" not in items
    assert "vs_told" in items  # a looked-after child's Virtual School is told in any case


def test_post_16_has_no_ctf(calendar_2025, dsl):
    pupil = leave(CareEpisodeFactory(kind="CP").pupil, D(2026, 7, 22), reason=transitions.POST16,
                  destination="Demo Sixth Form College", by=dsl)
    assert "ctf_sent" not in steps(pupil)


def test_cancelling_a_leaving_removes_open_steps_and_keeps_done_ones(calendar_2025, dsl):
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    services.transition_done(item=steps(pupil)["file_sent"], done_on=D(2025, 10, 27), by=dsl)
    pupil = services.pupil_leave(pupil=pupil, leaving_date=None, by=dsl)
    assert set(steps(pupil)) == {"file_sent"}
    assert pupil.leaving_reason == "" and pupil.destination_school == ""


def test_leaving_again_starts_a_done_step_again(calendar_2025, dsl):
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    services.transition_done(item=steps(pupil)["file_sent"], done_on=D(2025, 10, 27), by=dsl)
    leave(pupil, D(2026, 3, 20), by=dsl)
    sent = steps(pupil)["file_sent"]
    assert sent.done_on is None and sent.counted_from == D(2026, 3, 20)


def test_a_pupil_admitted_with_a_history_gets_a_joining_checklist(dsl, dt_user):
    today = timezone.localdate()
    pupil = PupilFactory(admission_date=today - dt.timedelta(days=10))
    services.episode_save(pupil=pupil, kind="CLA", start_date=today - dt.timedelta(days=400), legal_status="C2",
                          by=dt_user)
    assert set(steps(pupil)) == {"file_requested", "file_arrived", "vs_contacted", "initial_pep_booked"}


def test_a_flag_after_admission_is_not_a_joining_history(dsl):
    today = timezone.localdate()
    pupil = PupilFactory(admission_date=today - dt.timedelta(days=30))
    services.pupil_flag(pupil=pupil, kind="CP", start_date=today - dt.timedelta(days=2), by=dsl)
    assert steps(pupil) == {}


def test_an_old_leaver_from_the_mis_gets_no_checklist(calendar_2025, dsl):
    # Left 91 days ago: the deadlines were long ago, and the steps were done outside the register.
    assert steps(leave(cla_pupil(), D(2025, 9, 1), by=dsl)) == {}
    assert "file_sent" in steps(leave(cla_pupil(), D(2025, 9, 2), by=dsl))  # 90 days ago


def test_a_pupil_admitted_years_ago_gets_no_joining_checklist(dt_user):
    pupil = PupilFactory(admission_date=D(2021, 9, 1))
    services.episode_save(pupil=pupil, kind="CLA", start_date=D(2020, 1, 6), legal_status="C2", by=dt_user)
    assert steps(pupil) == {}


# --- Marking steps done ------------------------------------------------------------------


def test_receipt_needs_the_file_sent_first_and_a_name(calendar_2025, dsl):
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    received = steps(pupil)["file_received"]
    with pytest.raises(Exception, match="Record this first: Child-protection file sent"):
        services.transition_done(item=received, done_on=D(2025, 11, 3), confirmed_by="A. Person", by=dsl)
    services.transition_done(item=steps(pupil)["file_sent"], done_on=D(2025, 11, 3), by=dsl)
    with pytest.raises(Exception, match="Name the person"):
        services.transition_done(item=received, done_on=D(2025, 11, 4), by=dsl)
    with pytest.raises(Exception, match="before the step \"Child-protection file sent"):
        services.transition_done(item=received, done_on=D(2025, 10, 30), confirmed_by="A. Person", by=dsl)
    services.transition_done(item=received, done_on=D(2025, 11, 4), confirmed_by="Ms Demo, DSL", by=dsl)
    received.refresh_from_db()
    assert received.done_on == D(2025, 11, 4) and received.confirmed_by == "Ms Demo, DSL"
    assert received.done_by == dsl


def test_the_page_refuses_a_future_date_next_to_the_field(calendar_2025, login, dsl):
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    item = steps(pupil)["file_sent"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = login(dsl).post(reverse("pupils:transition_done", args=[item.pk]), {"done_on": tomorrow.isoformat()})
    assert response.context["form"].errors["done_on"] == ["The date cannot be in the future."]
    item.refresh_from_db()
    assert item.done_on is None


def test_the_page_marks_a_receipt_done_and_logs_it(calendar_2025, login, dsl):
    pupil = leave(cla_pupil(), D(2025, 10, 24), by=dsl)
    services.transition_done(item=steps(pupil)["file_sent"], done_on=D(2025, 11, 3), by=dsl)
    item = steps(pupil)["file_received"]
    client = login(dsl)
    response = client.post(reverse("pupils:transition_done", args=[item.pk]), {"done_on": "2025-11-05"})
    assert "Name the person at the new school" in str(response.context["form"].errors["confirmed_by"])
    response = client.post(reverse("pupils:transition_done", args=[item.pk]),
                           {"done_on": "2025-11-05", "confirmed_by": "Mr Demo (DSL)", "note": "Secure transfer"})
    assert response.status_code == 302
    assert AccessLog.objects.filter(pupil=pupil, action="change", code="checklist.done",
                                    data__step="file_received").exists()
    page = client.get(reverse("pupils:detail", args=[pupil.pk])).content.decode()
    assert "confirmed by Mr Demo (DSL)" in page


# --- The leaving page ------------------------------------------------------------------


@pytest.mark.parametrize("data, field, message", [
    ({"leaving_date": "2025-10-24"}, "leaving_reason", "Choose why the pupil is leaving."),
    ({"leaving_reason": "moved_school", "destination_school": "X"}, "leaving_date", "Enter the leaving date"),
    ({"leaving_date": "2025-10-24", "leaving_reason": "moved_school"}, "destination_school", "Name the school"),
    ({"leaving_date": "2024-09-01", "leaving_reason": "other"}, "leaving_date", "after the admission date"),
    ({"leaving_date": "2099-01-01", "leaving_reason": "other"}, "leaving_date", "more than a year ahead"),
    ({"leaving_date": "31/02/2025", "leaving_reason": "other"}, "leaving_date", "Enter a valid date"),
])
def test_the_leaving_page_refuses_bad_input_next_to_the_field(login, dsl, data, field, message):
    pupil = cla_pupil()
    response = login(dsl).post(reverse("pupils:leave", args=[pupil.pk]), data)
    assert any(message in e for e in response.context["form"].errors[field])
    pupil.refresh_from_db()
    assert pupil.leaving_date is None and not TransitionItem.objects.exists()


def test_the_leaving_page_records_a_leaver(calendar_2025, login, dsl):
    pupil = cla_pupil()
    response = login(dsl).post(reverse("pupils:leave", args=[pupil.pk]), {
        "leaving_date": "2025-10-24", "leaving_reason": "moved_school", "destination_school": "Northbrook (demo)"})
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert (pupil.leaving_reason, pupil.destination_school) == ("moved_school", "Northbrook (demo)")
    assert TransitionItem.objects.filter(pupil=pupil).count() == 5
    assert AccessLog.objects.filter(pupil=pupil, code="pupil.left").exists()


def test_a_leaving_date_from_the_mis_starts_the_checklist(calendar_2025, login, dt_user):
    pupil = cla_pupil(upn="B801200005001", first_name="Muffin", last_name="Testington")
    csv = (b"UPN,First name,Last name,Date of birth,Admission date,Leaving date\n"
           b"B801200005001,Muffin,Testington,14/03/2013,04/09/2024,24/10/2025\n")
    assert mis.pupils_import(data=csv, by=dt_user).ok
    assert "file_sent" in steps(pupil)
    assert Pupil.objects.get(pk=pupil.pk).leaving_date == D(2025, 10, 24)


def test_the_checklist_query_count_is_constant(calendar_2025, dsl, django_assert_max_num_queries):
    pupils = [cla_pupil() for _ in range(3)]
    for p in pupils:
        p.leaving_date, p.leaving_reason, p.destination_school = D(2025, 10, 24), "moved_school", "Demo"
        p.save()
    # The pupils locked, the calendar (2), episodes, items; then the steps and their history in bulk.
    with django_assert_max_num_queries(9):
        checklists.checklists_sync(pupils=pupils)
    with django_assert_max_num_queries(7):  # nothing to change: reads only, however many pupils
        checklists.checklists_sync(pupils=pupils)
