"""The stored PEP slots and the "what is due" rows, held to the PEP rule (compliance.pep_duties) over
generated histories written through the services, and how they are kept in step."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwsw import services as school
from cwsw.models import SchoolProfile, Term
from cwsw.terms import TermDates
from pep import compliance, services
from pep.models import PepMeeting, PepSlot
from pep.slots import on_roll, reach
from pupils import services as register
from pupils.derived import derived_rebuild_all
from pupils.models import CareEpisode, DueItem, Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2028, 1, 10, 12, 0)  # every generated date is in the past: the services take them all
START = D(2022, 6, 1)

# Up to three spells in care (a gap of a day or more, or none: a change of legal status), PEPs held or
# planned in them, a leaving, and maybe the school's own autumn term dates for one year, entered last.
histories = st.fixed_dictionaries({
    "admitted": st.integers(0, 700),
    "left_after": st.none() | st.integers(30, 3 * 365),
    "episodes": st.lists(st.tuples(st.integers(0, 200), st.none() | st.integers(0, 400)), min_size=1, max_size=3),
    "peps": st.lists(st.tuples(st.integers(0, 2), st.integers(0, 400), st.booleans()), max_size=6),
    "autumn": st.none() | st.tuples(st.integers(2022, 2026), st.integers(-7, 7), st.integers(-10, 10)),
    "days": st.lists(st.integers(0, 5 * 365), min_size=1, max_size=3),
})


def make(history, head, dt_user):
    at = lambda n: START + dt.timedelta(days=n)  # noqa: E731
    pupil = PupilFactory(admission_date=at(history["admitted"]), date_of_birth=D(2012, 1, 1))
    start, periods = START, []
    for gap, length in history["episodes"]:
        start = start + dt.timedelta(days=gap)
        end = start + dt.timedelta(days=length) if length is not None else None
        register.episode_save(pupil=pupil, kind="CLA", start_date=start, end_date=end, legal_status="C2", by=head)
        periods.append((start, end))
        if end is None:
            break
        start = end + dt.timedelta(days=1)
    for index, offset, held in history["peps"]:
        first, last = periods[min(index, len(periods) - 1)]
        day = first + dt.timedelta(days=offset)
        if last is not None and day > last:
            continue
        pep = services.pep_plan(pupil=pupil, meeting_date=day, by=dt_user)
        if held and day <= NOW.date():
            services.pep_hold(pep=pep, meeting_date=day, attendees=["child"], by=dt_user)
    if history["left_after"]:
        register.pupil_leave(pupil=pupil, leaving_date=pupil.admission_date + dt.timedelta(days=history["left_after"]),
                             leaving_reason="moved_away", by=head)
    return pupil


def enter_autumn(history, head, django_capture_on_commit_callbacks):
    if history["autumn"] is None:
        return
    year, start_shift, end_shift = history["autumn"]
    calendar = Term.calendar()
    terms = [t._replace(start=t.start + dt.timedelta(days=start_shift), end=t.end + dt.timedelta(days=end_shift))
             if t.name == "autumn" else t for t in calendar.terms_of(year)]
    with django_capture_on_commit_callbacks(execute=True):  # the rebuild is queued for when the dates commit
        school.calendar_year_save(academic_year=year, terms=[TermDates(*t) for t in terms], closures=[], by=head)


def oracle(pupil):
    """What the rule gives from the pupil's records as they stand (the oracle the stored rows are held to)."""
    pupil.refresh_from_db()
    calendar = Term.calendar()
    periods = [compliance.Period(s, e) for s, e in pupil.episodes.values_list("start_date", "end_date")]
    return compliance.pep_duties(
        cla_periods=periods, on_roll=on_roll(pupil.admission_date, pupil.leaving_date), peps=list(pupil.peps.all()),
        school_days=SchoolProfile.load().initial_pep_school_days, calendar=calendar,
        through=reach(calendar, NOW.date())[1])


def fields(slot):
    return (slot.due, slot.is_initial, slot.held_on, slot.held_after, slot.owed_until, slot.planned, slot.reason)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_the_stored_slots_and_what_is_due_give_what_the_rule_gives_on_any_day(
        history, head, dt_user, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(NOW)
    pupil = make(history, head, dt_user)
    enter_autumn(history, head, django_capture_on_commit_callbacks)
    expected = oracle(pupil)
    stored = list(PepSlot.objects.filter(pupil=pupil).order_by("due", "-is_initial"))
    assert [(s.academic_year, s.term, *fields(s)) for s in stored] == [
        (s.term.academic_year, s.term.name, *fields(s)) for s in expected]
    # On the generated days, and either side of each due date and end of duty: the dashboard's rows (what is due),
    # the overdue and due-soon lookups and the rule's statuses all agree.
    days = {START + dt.timedelta(days=n) for n in history["days"]}
    for slot in expected:
        days |= {slot.due + dt.timedelta(days=n) for n in (-15, -14, -1, 0, 1)}
        if slot.owed_until:
            days |= {slot.owed_until, slot.owed_until + dt.timedelta(days=1)}
    rows = PepSlot.objects.filter(pupil=pupil)
    for day in sorted(days):
        overdue = {s.due for s in expected if s.overdue(day)}
        soon = {s.due for s in expected if s.status(day) == compliance.DUE_SOON}
        assert set(rows.overdue(day).values_list("due", flat=True)) == overdue, day
        assert set(rows.due_soon(day, compliance.DUE_SOON_DAYS).values_list("due", flat=True)) == soon, day
        # What is due is listed as things stand now: a slot met by a PEP held since is done with.
        listed = overdue | {s.due for s in expected if s.status(day) == compliance.DUE_SOON and s.held_after is None}
        assert set(DueItem.objects.on(day).filter(pupil=pupil, kind="peps_due").values_list("due", flat=True)) == (
            listed), day
        assert [s.status(day) for s in stored] == [s.status(day) for s in expected], day
    PepMeeting.objects.filter(pupil=pupil).delete()
    pupil.episodes.all().delete()
    pupil.delete()
    Term.objects.all().delete()


def test_a_held_pep_an_ended_care_order_and_leaving_are_in_the_slots_at_once(head, dt_user, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), pupil__admission_date=D(2023, 9, 4)).pupil
    autumn = PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn")
    assert (autumn.due, autumn.held_on, autumn.owed_until) == (Term.calendar().terms_of(2025)[0].end, None, None)
    pep = services.pep_plan(pupil=pupil, meeting_date=D(2025, 10, 15), by=dt_user)
    services.pep_hold(pep=pep, meeting_date=D(2025, 10, 15), attendees=["child"], by=dt_user)
    assert PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn").held_on == D(2025, 10, 15)
    episode = pupil.episodes.get()
    register.episode_end(episode=episode, end_date=D(2026, 2, 1), by=head)
    spring = PepSlot.objects.get(pupil=pupil, academic_year=2025, term="spring")
    assert (spring.reason, spring.label(D(2025, 11, 20))) == (compliance.LEFT_CARE, "Not needed (care ends 1 Feb 2026)")
    register.pupil_leave(pupil=pupil, leaving_date=D(2025, 12, 17), leaving_reason="moved_away", by=head)
    autumn = PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn")
    assert autumn.held_on == D(2025, 10, 15)  # held before the leaving: it stands
    assert not PepSlot.objects.filter(pupil=pupil, academic_year=2025, term="spring").exists()  # not on roll then


def test_a_child_still_on_roll_until_17_december_reads_leaving_not_left(head, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), pupil__admission_date=D(2023, 9, 4)).pupil
    register.pupil_leave(pupil=pupil, leaving_date=D(2025, 12, 17), leaving_reason="moved_away", by=head)
    autumn = PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn")
    assert autumn.label(D(2025, 11, 20)) == "Not needed (leaving 17 Dec 2025)"
    assert autumn.label(D(2025, 12, 17)) == "Not needed (left the school)"


def test_new_term_dates_or_school_days_rebuild_every_childs_slots_once_saved(
        head, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(dt.datetime(2025, 8, 20, 12, 0))
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2025, 9, 1), pupil__admission_date=D(2023, 9, 4)).pupil
    initial = PepSlot.objects.get(pupil=pupil, is_initial=True)
    calendar = Term.calendar()
    terms = [t._replace(start=D(2025, 9, 8)) if t.name == "autumn" else t for t in calendar.terms_of(2025)]
    with django_capture_on_commit_callbacks(execute=True):
        school.calendar_year_save(academic_year=2025, terms=terms, closures=[], by=head)
    moved = PepSlot.objects.get(pupil=pupil, is_initial=True)
    assert moved.due == Term.calendar().add_school_days(D(2025, 9, 1), 20) and moved.due > initial.due
    profile = SchoolProfile.load()
    profile.initial_pep_school_days = 10
    with django_capture_on_commit_callbacks(execute=True):
        school.school_profile_save(profile=profile, by=head)
    assert PepSlot.objects.get(pupil=pupil, is_initial=True).due == Term.calendar().add_school_days(D(2025, 9, 1), 10)


def test_the_nightly_rebuild_reaches_into_a_new_academic_year(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 1, 12, 0))
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), pupil__admission_date=D(2023, 9, 4)).pupil
    assert max(PepSlot.objects.filter(pupil=pupil).values_list("academic_year", flat=True)) == 2026
    time_machine.move_to(dt.datetime(2027, 10, 1, 1, 5))
    derived_rebuild_all()
    assert set(PepSlot.objects.filter(pupil=pupil, academic_year=2027).values_list("term", flat=True)) == {
        "autumn", "spring", "summer"}


def test_the_demo_and_a_rebuild_store_the_same_slots():
    CareEpisodeFactory.create_batch(3, kind="CLA", start_date=D(2024, 1, 8))
    before = sorted(PepSlot.objects.values_list("pupil_id", "academic_year", "term", "due", "held_on"))
    derived_rebuild_all()
    assert sorted(PepSlot.objects.values_list("pupil_id", "academic_year", "term", "due", "held_on")) == before
    assert Pupil.objects.count() == 3 and len(before) >= 9 and CareEpisode.objects.count() == 3
