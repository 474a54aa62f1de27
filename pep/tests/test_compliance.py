"""When PEPs are due and whether they were on time."""

import datetime as dt

from cwsw.terms import SchoolCalendar, TermDates
from pep.compliance import (
    DUE_SOON,
    LATE,
    MISSING,
    NOT_REQUIRED,
    ON_TIME,
    PLANNED_SOON,
    UPCOMING,
    Period,
    initial_pep_due,
    pep_duties,
)
from pep.models import PepMeeting

D = dt.date
TERMS = [
    TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
    TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
    TermDates(2025, "summer", D(2026, 4, 13), D(2026, 7, 22)),
]
CALENDAR = SchoolCalendar(TERMS + [TermDates(2026, "autumn", D(2026, 9, 2), D(2026, 12, 18))])


def pep(term, day, status="held"):
    return PepMeeting(academic_year=2025, term=term, meeting_date=day, status=status)


class Shown:
    """A slot as a page shows it on a day (or a term with nothing owed)."""

    def __init__(self, slot, today):
        self.slot, self.status = slot, slot.status(today) if slot else NOT_REQUIRED
        self.due = slot.due if slot else None
        self.is_initial = bool(slot and slot.is_initial)


def slots(peps=(), cla=(Period(D(2020, 1, 1), None),), admitted=D(2020, 9, 1), today=D(2026, 8, 1), days=20):
    """The 2025/26 terms' slots, one a term (a term with none owed counts as not required)."""
    found = {s.term.name: s for s in pep_duties(cla_periods=cla, on_roll=Period(admitted, None), peps=peps,
                                               school_days=days, calendar=CALENDAR, through=D(2026, 7, 22))
             if s.term.academic_year == 2025}
    return [Shown(found.get(term.name), today) for term in TERMS]


def test_it_makes_the_initial_pep_due_20_school_days_after_becoming_looked_after():
    # Monday 6 Oct 2025 + 20 school days = Monday 10 Nov: the terms are entered, the half-term (27-31 Oct) is
    # not, so the default half-term stands.
    assert initial_pep_due(cla_start=D(2025, 10, 6), admitted=D(2020, 9, 1), school_days=20,
                           calendar=CALENDAR) == D(2025, 11, 10)


def test_it_counts_the_initial_pep_from_admission_when_that_is_later():
    assert initial_pep_due(cla_start=D(2025, 1, 1), admitted=D(2025, 10, 6), school_days=20,
                           calendar=CALENDAR) == D(2025, 11, 10)


def test_it_lets_the_school_change_the_number_of_days():
    assert initial_pep_due(cla_start=D(2025, 10, 6), admitted=D(2020, 9, 1), school_days=10,
                           calendar=CALENDAR) == D(2025, 10, 20)


def test_it_counts_a_review_held_by_the_end_of_term_as_on_time():
    autumn = slots([pep("autumn", D(2025, 12, 19))])[0]
    assert (autumn.status, autumn.due, autumn.is_initial) == (ON_TIME, D(2025, 12, 19), False)


def test_it_counts_a_review_held_after_the_end_of_term_for_the_next_term():
    # A PEP counts for the term its meeting falls in: autumn is missed, spring is on time.
    autumn, spring, _ = slots([pep("autumn", D(2026, 1, 6))])
    assert (autumn.status, spring.status) == (MISSING, ON_TIME)


def test_it_counts_a_term_with_no_pep_after_its_end_as_missing():
    assert [s.status for s in slots()] == [MISSING, MISSING, MISSING]


def test_it_does_not_count_a_planned_pep_as_held():
    assert slots([pep("autumn", D(2025, 12, 1), status="planned")])[0].status == MISSING


def test_it_counts_a_complete_pep():
    assert slots([pep("autumn", D(2025, 11, 1), status="complete")])[0].status == ON_TIME


def test_it_shows_a_term_ending_within_14_days_as_due_soon():
    assert slots(today=D(2025, 12, 5))[0].status == DUE_SOON
    assert slots(today=D(2025, 12, 4))[0].status == UPCOMING


def test_it_shows_a_planned_pep_before_it_is_due():
    assert slots([pep("autumn", D(2025, 12, 1), status="planned")], today=D(2025, 10, 1))[0].status == PLANNED_SOON


def test_it_makes_the_initial_pep_due_in_school_days_in_the_first_term_looked_after():
    first = slots(cla=[Period(D(2025, 10, 6), None)])[0]
    assert (first.is_initial, first.due) == (True, D(2025, 11, 10))


def test_it_counts_an_initial_pep_held_after_its_due_date_as_late():
    first = slots([pep("autumn", D(2025, 11, 11))], cla=[Period(D(2025, 10, 6), None)])[0]
    assert first.status == LATE


def test_it_makes_the_initial_pep_due_next_term_for_a_child_looked_after_late_in_term():
    autumn, spring, _ = slots(cla=[Period(D(2025, 12, 8), None)])
    assert autumn.status == NOT_REQUIRED
    assert (spring.is_initial, spring.due) == (True, D(2026, 1, 19))


def test_an_initial_pep_held_early_in_the_term_before_it_is_due_is_on_time_and_the_next_review_follows():
    """In care from 1 December, the PEP held on 10 December (due 9 January): on time, shown under autumn; the
    spring review is then due by the end of spring, and nothing is overdue in February."""
    duties = pep_duties(cla_periods=[Period(D(2025, 12, 1), None)], on_roll=Period(D(2020, 9, 1), None),
                        peps=[pep("autumn", D(2025, 12, 10))], school_days=20, calendar=CALENDAR,
                        through=D(2026, 7, 22))
    initial, spring, summer = duties
    assert (initial.is_initial, initial.term.name, initial.due, initial.status(D(2026, 2, 10))) == (
        True, "autumn", D(2026, 1, 12), ON_TIME)
    assert (spring.is_initial, spring.term.name, spring.due) == (False, "spring", D(2026, 3, 27))
    assert not any(slot.overdue(D(2026, 2, 10)) for slot in duties)
    assert spring.status(D(2026, 2, 10)) == UPCOMING and summer.term.name == "summer"


def test_an_initial_pep_held_in_the_term_it_is_due_is_that_terms_pep():
    initial, summer = pep_duties(cla_periods=[Period(D(2025, 12, 1), None)], on_roll=Period(D(2020, 9, 1), None),
                                 peps=[pep("spring", D(2026, 1, 8))], school_days=20, calendar=CALENDAR,
                                 through=D(2026, 7, 22))
    assert (initial.is_initial, initial.term.name, initial.status(D(2026, 4, 1))) == (True, "spring", ON_TIME)
    assert summer.term.name == "summer"  # no separate spring review: the initial PEP is spring's


def test_it_needs_no_pep_in_terms_before_care_or_after_it_ends():
    autumn, spring, summer = slots(cla=[Period(D(2026, 1, 5), D(2026, 3, 1))])
    assert autumn.status == NOT_REQUIRED and summer.status == NOT_REQUIRED
    assert spring.is_initial


def test_it_needs_no_pep_before_the_pupil_joins():
    autumn, spring, _ = slots(admitted=D(2026, 1, 5))
    assert autumn.status == NOT_REQUIRED
    assert spring.is_initial
