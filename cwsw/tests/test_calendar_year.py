"""The school calendar across a real year: half-terms, INSET days, bank holidays, the defaults, any date."""

import datetime as dt

import pytest

from cwsw.models import Closure, Term
from cwsw.terms import HALF_TERM, INSET, ClosureDates, SchoolCalendar, TermDates, bank_holidays, default_closures

D = dt.date
ENTERED_TERMS = [
    TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
    TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
    TermDates(2025, "summer", D(2026, 4, 13), D(2026, 7, 22)),
]
HALF_TERM_2025 = ClosureDates(2025, D(2025, 10, 27), D(2025, 10, 31), HALF_TERM, "Autumn half-term")
ENTERED = SchoolCalendar(ENTERED_TERMS, [HALF_TERM_2025])
DEFAULTS = SchoolCalendar()


def test_it_skips_an_entered_half_term_when_counting():
    # In care from Monday 13 Oct 2025: 20 school days, not counting 27-31 Oct, is Monday 17 Nov.
    assert ENTERED.add_school_days(D(2025, 10, 13), 20) == D(2025, 11, 17)


def test_it_skips_the_default_autumn_half_term():
    assert DEFAULTS.add_school_days(D(2025, 10, 13), 20) == D(2025, 11, 17)


def test_it_puts_the_default_half_terms_in_the_weeks_the_rules_say():
    closures = {c.description: (c.start, c.end) for c in default_closures(2025)}
    assert closures["Autumn half-term"] == (D(2025, 10, 27), D(2025, 10, 31))  # last Monday of October
    assert closures["Spring half-term"] == (D(2026, 2, 16), D(2026, 2, 20))  # third Monday of February
    assert closures["Summer half-term"] == (D(2026, 5, 25), D(2026, 5, 29))  # last Monday of May
    assert closures["Easter holiday"] == (D(2026, 4, 3), D(2026, 4, 10))  # Good Friday to the Friday after
    assert closures["Christmas holiday"] == (D(2025, 12, 21), D(2026, 1, 1))


def test_it_skips_the_summer_holiday_on_the_defaults():
    # In care from 14 Jul 2025: six school days before 23 July, the rest in September (not 11 Aug).
    assert DEFAULTS.add_school_days(D(2025, 7, 14), 20) == D(2025, 9, 18)


def test_it_follows_an_early_and_a_late_easter():
    # Easter 2024 was 31 March (early), 2025 was 20 April (late): the holiday moves with it.
    assert not DEFAULTS.is_school_day(D(2024, 4, 2)) and DEFAULTS.is_school_day(D(2024, 4, 22))
    assert DEFAULTS.is_school_day(D(2025, 4, 2)) and not DEFAULTS.is_school_day(D(2025, 4, 22))


def test_it_never_counts_a_bank_holiday():
    assert D(2026, 5, 4) in bank_holidays(2026)  # early May bank holiday
    assert not ENTERED.is_school_day(D(2026, 5, 4)) and ENTERED.is_school_day(D(2026, 5, 5))


def test_it_knows_one_off_bank_holidays():
    assert D(2023, 5, 8) in bank_holidays(2023)  # the coronation
    assert not DEFAULTS.is_school_day(D(2023, 5, 8))


def test_it_does_not_count_an_inset_day():
    calendar = SchoolCalendar(ENTERED_TERMS, [ClosureDates(2025, D(2026, 1, 5), D(2026, 1, 5), INSET, "INSET")])
    assert not calendar.is_school_day(D(2026, 1, 5)) and calendar.is_school_day(D(2026, 1, 6))


def test_it_answers_for_dates_far_away():
    assert DEFAULTS.add_school_days(D(2100, 1, 1), 3) == D(2100, 1, 6)
    assert DEFAULTS.add_school_days(D(9999, 12, 1), 5) == D.max  # past the end of the calendar
    assert DEFAULTS.term_of(D(1, 1, 1)) is None
    assert not DEFAULTS.is_school_day(D(9999, 12, 31))


def test_it_counts_a_meeting_in_a_holiday_for_the_next_term():
    assert ENTERED.term_for_meeting(D(2025, 12, 22)).name == "spring"
    assert ENTERED.term_for_meeting(D(2025, 10, 29)).name == "autumn"  # half-term is inside the term


def test_it_runs_the_financial_year_end_into_a_term():
    # 31 March 2026 is a Tuesday in the default spring term (Easter Sunday is 5 April).
    assert DEFAULTS.is_school_day(D(2026, 3, 31)) and DEFAULTS.is_school_day(D(2026, 4, 1))


@pytest.mark.django_db
def test_it_uses_entered_closures_and_not_the_defaults_for_an_entered_year():
    for term in ENTERED_TERMS:
        Term.objects.create(academic_year=2025, name=term.name, start_date=term.start, end_date=term.end)
    Closure.objects.create(academic_year=2025, start_date=D(2025, 10, 20), end_date=D(2025, 10, 24),
                           kind=HALF_TERM)
    calendar = Term.calendar()
    assert not calendar.is_school_day(D(2025, 10, 22)) and calendar.is_school_day(D(2025, 10, 28))
    assert not calendar.on_defaults(2025) and calendar.on_defaults(2026)
