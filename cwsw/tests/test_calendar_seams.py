"""The school calendar where what the school entered meets the defaults, and where years meet."""

import datetime as dt

import pytest

from cwsw.models import Closure, Term
from cwsw.terms import ClosureDates, SchoolCalendar, TermDates

D = dt.date

# Defaults for 2025/26: autumn half-term 27-31 Oct, Christmas 21 Dec-1 Jan, spring half-term 16-20 Feb,
# Easter 3-10 Apr (Easter Sunday 5 Apr 2026), summer half-term 25-29 May, summer holiday from 23 Jul.
HOLIDAYS_2025 = [D(2025, 10, 29), D(2025, 12, 22), D(2025, 12, 30), D(2026, 2, 18), D(2026, 4, 8), D(2026, 5, 27),
                 D(2026, 7, 28), D(2026, 8, 12)]


def test_one_inset_day_closes_that_day_and_keeps_every_holiday():
    calendar = SchoolCalendar([], [ClosureDates(2025, D(2025, 9, 1), D(2025, 9, 1), "inset", "Training day")])
    assert not calendar.is_school_day(D(2025, 9, 1))
    assert [day for day in HOLIDAYS_2025 if calendar.is_school_day(day)] == []
    assert calendar.school_days_between(D(2025, 12, 15), D(2026, 1, 9)) == 11  # 15-19 Dec, Fri 2 Jan, 5-9 Jan


def test_entering_only_the_autumn_term_keeps_christmas_and_the_other_terms_holidays():
    calendar = SchoolCalendar([TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19))], [])
    assert not calendar.is_school_day(D(2025, 9, 2)) and calendar.is_school_day(D(2025, 9, 3))
    assert [day for day in HOLIDAYS_2025 if calendar.is_school_day(day)] == []
    assert calendar.on_defaults(2025)  # two terms are still the defaults: the school is prompted


def test_all_three_terms_saved_as_the_defaults_still_close_for_the_default_holidays():
    # The term-dates form saves the dates it shows, the defaults included: Christmas must stay a holiday.
    terms = [TermDates(2025, "autumn", D(2025, 9, 1), D(2025, 12, 31)),
             TermDates(2025, "spring", D(2026, 1, 1), D(2026, 4, 5)),
             TermDates(2025, "summer", D(2026, 4, 6), D(2026, 8, 31))]
    calendar = SchoolCalendar(terms, [ClosureDates(2025, D(2025, 11, 14), D(2025, 11, 14), "inset")])
    assert [day for day in HOLIDAYS_2025 if calendar.is_school_day(day)] == []
    assert not calendar.is_school_day(D(2025, 11, 14)) and not calendar.on_defaults(2025)


def test_an_entered_half_term_replaces_the_default_one_instead_of_adding_a_week():
    calendar = SchoolCalendar([], [ClosureDates(2025, D(2025, 10, 20), D(2025, 10, 24), "half_term", "Half-term")])
    assert not calendar.is_school_day(D(2025, 10, 22))
    assert calendar.is_school_day(D(2025, 10, 29))  # the default half-term week is school again
    assert not calendar.is_school_day(D(2025, 12, 22))  # Christmas is not what it stood for


def test_an_entered_christmas_replaces_the_default_christmas_not_the_half_term():
    calendar = SchoolCalendar([], [ClosureDates(2025, D(2025, 12, 20), D(2026, 1, 4), "half_term", "Christmas")])
    assert not calendar.is_school_day(D(2025, 10, 29)) and not calendar.is_school_day(D(2026, 1, 2))


@pytest.mark.django_db
def test_a_closure_counts_by_its_dates_whatever_year_it_was_filed_under():
    closure = Closure.objects.create(start_date=D(2025, 11, 14), end_date=D(2025, 11, 14), kind="inset")
    assert closure.academic_year == 2025  # worked out from the dates
    Closure.objects.filter(pk=closure.pk).update(academic_year=2019)  # an old row filed wrongly
    assert not Term.calendar().is_school_day(D(2025, 11, 14))


def academy() -> SchoolCalendar:
    """An academy whose autumn term starts on Wednesday 26 August."""
    return SchoolCalendar([
        TermDates(2024, "summer", D(2025, 4, 22), D(2025, 7, 18)),
        TermDates(2026, "autumn", D(2026, 8, 26), D(2026, 12, 18)),
    ], [])


def test_an_academys_august_days_are_school_days_of_the_new_year():
    calendar = academy()
    assert calendar.school_days_between(D(2026, 8, 26), D(2026, 8, 28)) == 3
    assert calendar.academic_year_of(D(2026, 8, 27)) == 2026
    assert calendar.academic_year_of(D(2026, 8, 20)) == 2025  # the holiday before it: the year starting 1 Sep
    assert calendar.term_of(D(2026, 8, 27)).name == "autumn"
    assert calendar.add_school_days(D(2026, 8, 21), 1) == D(2026, 8, 26)


def test_it_answers_for_any_date():
    calendar = academy()
    for day in (D(1, 1, 3), D(1900, 2, 28), D(9999, 12, 30)):
        calendar.is_school_day(day)
        calendar.academic_year_of(day)
        calendar.term_for_meeting(day)
    assert calendar.school_days_between(D(2030, 1, 1), D(2029, 1, 1)) == 0
