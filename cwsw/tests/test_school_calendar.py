"""School days: weekdays inside a term."""

import datetime as dt

import pytest

from cwsw.models import Term
from cwsw.terms import SchoolCalendar, TermDates

D = dt.date
CALENDAR = SchoolCalendar([
    TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
    TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
])


def test_it_does_not_count_a_weekend_as_a_school_day():
    assert not CALENDAR.is_school_day(D(2025, 9, 6))  # Saturday
    assert CALENDAR.is_school_day(D(2025, 9, 5))


def test_it_does_not_count_a_holiday_as_a_school_day():
    assert not CALENDAR.is_school_day(D(2025, 12, 22))


def test_it_counts_school_days_across_a_weekend():
    assert CALENDAR.add_school_days(D(2025, 9, 5), 1) == D(2025, 9, 8)  # Friday + 1 = Monday


def test_it_counts_school_days_across_the_christmas_holiday():
    assert CALENDAR.add_school_days(D(2025, 12, 18), 2) == D(2026, 1, 5)


def test_it_counts_twenty_school_days_from_a_start_in_the_holiday():
    # From Saturday 20 Dec: 5 Jan is day 1, so day 20 is Friday 30 Jan.
    assert CALENDAR.add_school_days(D(2025, 12, 20), 20) == D(2026, 1, 30)


def test_it_counts_school_days_between_two_dates_inclusive():
    assert CALENDAR.school_days_between(D(2025, 12, 15), D(2026, 1, 6)) == 7


def test_it_counts_past_the_entered_terms_on_the_defaults():
    # 400 school days after the last entered day run through two default years, never an error.
    assert CALENDAR.add_school_days(D(2026, 3, 27), 400) > D(2028, 1, 1)


@pytest.mark.django_db
def test_it_falls_back_to_default_terms():
    calendar = Term.calendar(2025, 2025)
    assert calendar.is_school_day(D(2025, 12, 17))  # the default autumn term runs to the Christmas holiday
    Term.objects.create(academic_year=2025, name="autumn", start_date=D(2025, 9, 3), end_date=D(2025, 12, 12))
    assert not Term.calendar(2025, 2025).is_school_day(D(2025, 12, 17))
