"""Suspension days are served on the school calendar: across half-terms, Christmas and year ends."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cwsw.models import Term
from pep import selectors
from pep.models import ExclusionConsultation
from pep.tests.factories import looked_after_pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting.reminders import digest_for

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 20, 12, 0))


def suspend(pupil, decided, first_day, days, **fields):
    exclusion = ExclusionConsultation(
        pupil=pupil, incident_date=decided, incident="Demo incident", proposed_action="suspension",
        decision="suspension", decision_date=decided, first_day=first_day, days=Decimal(days), **fields)
    exclusion.full_clean()
    exclusion.save()
    return exclusion


def flags(exclusion):
    return next(r.flags for r in selectors.pupil_exclusions(pupil=exclusion.pupil, today=D(2026, 1, 20))
                if r.exclusion.pk == exclusion.pk)


def test_it_serves_a_suspension_after_half_term():
    exclusion = suspend(PupilFactory(), D(2025, 10, 23), D(2025, 10, 24), "3")  # Friday before half-term
    assert [d for d, _ in exclusion.served_days(Term.calendar())] == [D(2025, 10, 24), D(2025, 11, 3),
                                                                      D(2025, 11, 4)]
    assert flags(exclusion).last_day == D(2025, 11, 4)


def test_it_splits_a_suspension_over_christmas_between_terms():
    exclusion = suspend(PupilFactory(), D(2025, 12, 15), D(2025, 12, 16), "5")
    f = flags(exclusion)
    assert [(t.name, days) for t, days in f.days_by_term] == [("autumn", Decimal("4")), ("spring", Decimal("1"))]
    assert f.last_day == D(2026, 1, 2)


def test_it_serves_half_a_day_for_a_lunchtime_suspension():
    exclusion = suspend(PupilFactory(), D(2025, 11, 3), D(2025, 11, 4), "1.5")
    assert exclusion.served_days(Term.calendar()) == [(D(2025, 11, 4), Decimal("1")), (D(2025, 11, 5),
                                                                                       Decimal("0.5"))]


def test_it_counts_the_cap_in_the_year_the_days_are_served():
    pupil = PupilFactory()
    suspend(pupil, D(2024, 9, 9), D(2024, 9, 10), "44.5")
    # Decided in July 2025, served on 3-4 September 2025: the new academic year's days.
    summer = suspend(pupil, D(2025, 7, 21), D(2025, 9, 3), "2")
    assert summer.pk
    with pytest.raises(ValidationError, match="2 days are already served in 2025/26, so at most 43 more"):
        suspend(pupil, D(2025, 9, 15), D(2025, 9, 16), "44")


def test_it_refuses_a_first_day_that_is_not_a_school_day():
    with pytest.raises(ValidationError, match="27 Oct 2025 is not a school day.*next school day is 3 Nov 2025"):
        suspend(PupilFactory(), D(2025, 10, 23), D(2025, 10, 27), "1")


def test_it_refuses_a_first_day_more_than_a_year_after_the_decision():
    with pytest.raises(ValidationError) as error:
        suspend(PupilFactory(), D(2025, 10, 23), D(2100, 1, 1), "1")
    assert error.value.message_dict["first_day"] == ["The first day must be within a year of the decision."]


def test_it_runs_back_to_back_suspensions_together_for_alternative_provision():
    pupil = PupilFactory()
    first = suspend(pupil, D(2025, 10, 1), D(2025, 10, 2), "3")  # Thu 2, Fri 3, Mon 6 October
    second = suspend(pupil, D(2025, 10, 6), D(2025, 10, 7), "3")  # Tue 7 to Thu 9 October
    # Day 6 of the run (9 October) falls in the second suspension.
    assert (flags(first).alternative_provision, flags(second).alternative_provision) == (False, True)


def test_it_does_not_run_suspensions_with_a_school_day_between():
    pupil = PupilFactory()
    suspend(pupil, D(2025, 10, 1), D(2025, 10, 2), "3")
    second = suspend(pupil, D(2025, 10, 7), D(2025, 10, 8), "3")  # Tuesday 7 October in school
    assert not flags(second).alternative_provision


def test_it_prompts_to_agree_provision_with_the_virtual_school_from_the_first_day_for_a_looked_after_child():
    exclusion = suspend(looked_after_pupil(), D(2025, 11, 3), D(2025, 11, 4), "1", consulted_on=D(2025, 11, 3))
    assert flags(exclusion).agree_provision_with_virtual_school


def test_it_warns_when_the_pupil_has_sen_support_or_an_ehc_plan():
    assert flags(suspend(PupilFactory(sen_status="E"), D(2025, 11, 3), D(2025, 11, 4), "1")).sen_warning
    assert not flags(suspend(PupilFactory(sen_status="N"), D(2025, 11, 3), D(2025, 11, 4), "1")).sen_warning


def test_it_needs_the_parents_consent_to_consult_for_a_previously_looked_after_child():
    pupil = CareEpisodeFactory(kind="PLA", start_date=D(2022, 1, 10)).pupil
    with pytest.raises(ValidationError, match="parents' consent"):
        suspend(pupil, D(2025, 11, 3), D(2025, 11, 4), "1", consulted_on=D(2025, 11, 3))
    assert suspend(pupil, D(2025, 11, 3), D(2025, 11, 4), "1", consulted_on=D(2025, 11, 3),
                   pla_parent_consent=True).pk


def test_it_keeps_every_page_working_whatever_dates_are_stored(login, head, dt_user):
    pupil = looked_after_pupil()
    exclusion = suspend(pupil, D(2025, 11, 3), D(2025, 11, 4), "2", consulted_on=D(2025, 11, 3))
    ExclusionConsultation.objects.filter(pk=exclusion.pk).update(first_day=D(2100, 1, 1), decision_date=D(2100, 1, 1))
    ExclusionConsultation.objects.create(pupil=pupil, incident_date=D(2025, 11, 3), incident="x",
                                         proposed_action="suspension", decision="suspension",
                                         decision_date=D(9999, 12, 31), first_day=D(9999, 12, 31), days=Decimal("45"))
    client = login(head)
    for url in (reverse("dashboard"), reverse("pep:exclusions"), reverse("pep:pupil", args=[pupil.pk]),
                reverse("pep:pupil_summary", args=[pupil.pk])):
        assert client.get(url).status_code == 200, url
    assert digest_for(dt_user, today=D(2026, 1, 20)) is not None


def test_it_refuses_a_suspension_on_days_already_served():
    pupil = PupilFactory()
    suspend(pupil, D(2025, 11, 3), D(2025, 11, 4), "3")
    with pytest.raises(ValidationError, match="already suspended on 6 Nov 2025"):
        suspend(pupil, D(2025, 11, 5), D(2025, 11, 6), "1")


def test_an_academys_august_suspension_counts_in_the_year_its_autumn_term_begins(time_machine):
    time_machine.move_to(dt.datetime(2026, 8, 28, 12, 0))
    Term.objects.create(academic_year=2026, name="autumn", start_date=D(2026, 8, 26), end_date=D(2026, 12, 18))
    pupil = PupilFactory()
    suspend(pupil, D(2025, 9, 8), D(2025, 9, 9), "45")  # the cap reached in 2025/26
    lawful = suspend(pupil, D(2026, 8, 26), D(2026, 8, 27), "2")  # Thu 27 and Fri 28 Aug: 2026/27's first days
    assert [d for d, _ in lawful.served_days(Term.calendar())] == [D(2026, 8, 27), D(2026, 8, 28)]
