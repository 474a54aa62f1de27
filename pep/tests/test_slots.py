"""The stored PEP slots against the PEP rule (compliance.pep_slots), and how they are kept in step."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwsw.models import Closure, SchoolProfile, Term
from cwsw.terms import academic_year_of
from pep import compliance
from pep.models import COMPLETE, HELD, PLANNED, PepMeeting, PepSlot, SlotsBuilt
from pep.slots import slots_ensure, slots_rebuild_all
from pupils.models import CareEpisode, Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date
YEARS = range(2022, 2028)

days = st.integers(0, 5 * 365)
# Up to three spells in care (a gap of a day or more, or none: a change of legal status), PEPs on any day.
histories = st.fixed_dictionaries({
    "admitted": days,
    "left_after": st.none() | st.integers(1, 4 * 365),
    "episodes": st.lists(st.tuples(st.integers(0, 400), st.none() | st.integers(0, 700)), min_size=1, max_size=3),
    "peps": st.lists(st.tuples(days, st.sampled_from([PLANNED, HELD, COMPLETE])), max_size=6),
    "today": days,
})
START = D(2022, 6, 1)


def status_on(slot: PepSlot, today: dt.date) -> str:
    """What a reader makes of a stored row on a day (the SQL filters say the same for overdue and due soon)."""
    if slot.held_on is not None:
        return compliance.ON_TIME if slot.held_on <= slot.due else compliance.LATE
    if today > slot.due:
        return compliance.MISSING
    if (slot.due - today).days <= compliance.DUE_SOON_DAYS:
        return compliance.DUE_SOON
    return compliance.PLANNED_SOON if slot.planned else compliance.UPCOMING


def make(history):
    at = lambda n: START + dt.timedelta(days=n)  # noqa: E731
    admitted = at(history["admitted"])
    left = admitted + dt.timedelta(days=history["left_after"]) if history["left_after"] else None
    pupil = PupilFactory(admission_date=admitted, leaving_date=left, date_of_birth=D(2012, 1, 1))
    start = START
    for gap, length in history["episodes"]:
        start = start + dt.timedelta(days=gap)
        end = start + dt.timedelta(days=length) if length is not None else None
        CareEpisode.objects.create(pupil=pupil, kind="CLA", start_date=start, end_date=end)
        if end is None:
            break
        start = end + dt.timedelta(days=1)
    for n, status in history["peps"]:
        PepMeeting.objects.create(pupil=pupil, academic_year=2024, term="autumn", meeting_date=at(n), status=status)
    return pupil


def expected_on(pupil, today, calendar):
    """The rule's owed terms on a day: (year, term) -> (status, due, initial, overdue)."""
    periods = [compliance.Period(s, e) for s, e in pupil.episodes.values_list("start_date", "end_date")]
    peps = list(pupil.peps.order_by("meeting_date"))
    latest = max((p.meeting_date for p in peps if p.status in (HELD, COMPLETE)), default=None)
    on_roll = compliance.Period(pupil.admission_date, pupil.leaving_date and pupil.leaving_date - dt.timedelta(days=1))
    expected = {}
    for year in YEARS:
        for slot in compliance.pep_slots(cla_periods=periods, on_roll=on_roll, terms=calendar.terms_of(year),
                                         peps=peps, school_days=20, calendar=calendar, today=today,
                                         latest_held=latest):
            if slot.status != compliance.NOT_REQUIRED:
                expected[(year, slot.term.name)] = (slot.status, slot.due, slot.is_initial, slot.overdue)
    return expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_the_stored_slots_give_what_the_rule_gives_on_any_day(history, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 24, 12, 0))
    pupil = make(history)  # the signals build the slots as the records are saved
    calendar = Term.calendar()
    stored = PepSlot.objects.filter(pupil=pupil, academic_year__in=YEARS)
    # The generated day, and the days either side of each due date and each end of the duty: where an error shows.
    near = {START + dt.timedelta(days=history["today"])}
    for slot in stored:
        near |= {slot.due + dt.timedelta(days=n) for n in (-15, -14, -1, 0, 1)}
        if slot.owed_until:
            near |= {slot.owed_until, slot.owed_until + dt.timedelta(days=1)}
    for today in sorted(near):
        expected = expected_on(pupil, today, calendar)
        overdue = set(stored.overdue(today).values_list("academic_year", "term"))
        found = {(s.academic_year, s.term): (status_on(s, today), s.due, s.is_initial,
                                             (s.academic_year, s.term) in overdue) for s in stored}
        assert found == expected, today
        soon = set(stored.due_soon(today, compliance.DUE_SOON_DAYS).values_list("academic_year", "term"))
        assert soon == {key for key, value in expected.items() if value[0] == compliance.DUE_SOON}, today
    PepMeeting.objects.filter(pupil=pupil).delete()
    pupil.episodes.all().delete()
    pupil.delete()


def test_a_held_pep_an_ended_care_order_and_leaving_are_in_the_slots_at_once():
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), pupil__admission_date=D(2023, 9, 4)).pupil
    autumn = PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn")
    assert (autumn.due, autumn.held_on, autumn.owed_until) == (Term.calendar().terms_of(2025)[0].end, None, None)
    pep = PepMeeting.objects.create(pupil=pupil, academic_year=2025, term="autumn", meeting_date=D(2025, 10, 15),
                                    status=HELD)
    assert PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn").held_on == D(2025, 10, 15)
    pep.delete()
    assert PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn").held_on is None
    episode = pupil.episodes.get()
    episode.end_date = D(2026, 2, 1)
    episode.save()
    assert not PepSlot.objects.filter(pupil=pupil, academic_year=2025, term="spring").exists()  # left care first
    assert PepSlot.objects.get(pupil=pupil, academic_year=2025, term="autumn").owed_until == D(2026, 2, 1)
    pupil.leaving_date = D(2025, 12, 1)
    pupil.save()
    assert not PepSlot.objects.filter(pupil=pupil, academic_year=2025, term="autumn").exists()
    episode.delete()
    assert not PepSlot.objects.filter(pupil=pupil).exists()


def test_new_term_dates_or_school_days_make_the_next_reader_rebuild_every_child():
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2025, 9, 1), pupil__admission_date=D(2023, 9, 4)).pupil
    slots_rebuild_all(today=D(2025, 11, 1))
    initial = PepSlot.objects.get(pupil=pupil, is_initial=True)
    Term.objects.create(academic_year=2025, name="autumn", start_date=D(2025, 9, 3), end_date=D(2025, 12, 19))
    Closure.objects.create(academic_year=2025, start_date=D(2025, 9, 22), end_date=D(2025, 9, 26), kind="inset")
    assert not SlotsBuilt.objects.exists()  # stale until someone reads them
    slots_ensure(D(2025, 11, 1))
    moved = PepSlot.objects.get(pupil=pupil, is_initial=True)
    assert moved.due == Term.calendar().add_school_days(D(2025, 9, 1), 20) and moved.due > initial.due
    profile = SchoolProfile.load()
    profile.initial_pep_school_days = 10
    profile.save()
    slots_ensure(D(2025, 11, 1))
    assert PepSlot.objects.get(pupil=pupil, is_initial=True).due == Term.calendar().add_school_days(D(2025, 9, 1), 10)


def test_a_new_academic_year_gets_its_rows_from_the_first_reader(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 1, 12, 0))
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), pupil__admission_date=D(2023, 9, 4)).pupil
    slots_rebuild_all()
    assert max(PepSlot.objects.filter(pupil=pupil).values_list("academic_year", flat=True)) == 2026
    later = D(2027, 10, 1)
    slots_ensure(later)
    assert set(PepSlot.objects.filter(pupil=pupil, academic_year=academic_year_of(later))
               .values_list("term", flat=True)) == {"autumn", "spring", "summer"}
    assert SlotsBuilt.objects.get().through_year == 2028


def test_the_demo_and_a_rebuild_store_the_same_slots():
    CareEpisodeFactory.create_batch(3, kind="CLA", start_date=D(2024, 1, 8))
    before = sorted(PepSlot.objects.values_list("pupil_id", "academic_year", "term", "due", "held_on"))
    slots_rebuild_all()
    assert sorted(PepSlot.objects.values_list("pupil_id", "academic_year", "term", "due", "held_on")) == before
    assert Pupil.objects.count() == 3 and len(before) >= 9
