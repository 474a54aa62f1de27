import datetime as dt

import pytest
from django.urls import reverse

from cwsw.models import Term
from cwsw.terms import academic_year_label, academic_year_of, default_terms, financial_year_of

D = dt.date


def test_it_names_the_academic_year_by_its_september():
    assert academic_year_of(D(2025, 9, 1)) == 2025
    assert academic_year_of(D(2026, 8, 31)) == 2025
    assert academic_year_label(2025) == "2025/26"
    assert academic_year_label(2099) == "2099/00"


def test_it_runs_the_financial_year_from_april():
    assert financial_year_of(D(2026, 3, 31)) == 2025
    assert financial_year_of(D(2026, 4, 1)) == 2026


def test_it_uses_easter_for_the_default_spring_and_summer_terms():
    autumn, spring, summer = default_terms(2025)  # Easter Sunday 2026 is 5 April
    assert (autumn.start, autumn.end) == (D(2025, 9, 1), D(2025, 12, 31))
    assert (spring.start, spring.end) == (D(2026, 1, 1), D(2026, 4, 5))
    assert (summer.start, summer.end) == (D(2026, 4, 6), D(2026, 8, 31))


@pytest.mark.django_db
def test_it_prefers_the_dates_the_school_entered():
    Term.objects.create(academic_year=2025, name="autumn", start_date=D(2025, 9, 3), end_date=D(2025, 12, 19))
    autumn, spring, _ = Term.terms_for(2025)
    assert (autumn.start, autumn.end) == (D(2025, 9, 3), D(2025, 12, 19))
    assert spring.start == D(2026, 1, 1)


POST = {
    "autumn_start": "2025-09-03", "autumn_end": "2025-12-19",
    "spring_start": "2026-01-05", "spring_end": "2026-03-27",
    "summer_start": "2026-04-13", "summer_end": "2026-07-22",
}


@pytest.mark.django_db
def test_it_lets_the_dt_enter_term_dates(login, dt_user):
    login(dt_user).post(reverse("cwsw:terms_year", args=[2025]), POST)
    assert [(t.start, t.end) for t in Term.terms_for(2025)][2] == (D(2026, 4, 13), D(2026, 7, 22))


@pytest.mark.django_db
@pytest.mark.parametrize("changes, field, message", [
    ({"autumn_end": "2025-09-01"}, "autumn_end", "must end after it starts"),
    ({"spring_start": "2025-12-01"}, "spring_start", "must start after the autumn term ends"),
    ({"summer_end": "2026-09-30"}, "summer_start", "inside the academic year"),
    ({"autumn_start": "not a date"}, "autumn_start", "Enter a valid date"),
])
def test_it_refuses_terms_out_of_order_or_outside_the_year(login, dt_user, changes, field, message):
    response = login(dt_user).post(reverse("cwsw:terms_year", args=[2025]), {**POST, **changes})
    assert any(message in e for e in response.context["form"].errors[field])
    assert not Term.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_year_far_away(login, dt_user):
    response = login(dt_user).get(reverse("cwsw:terms_year", args=[1990]))
    assert response.url == reverse("cwsw:terms")
