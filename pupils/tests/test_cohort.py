"""The cohort rules of DESIGN.md at their boundaries, per pupil and in the database."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pupils import cohort
from pupils.derived import derived_rebuild
from pupils.models import CareEpisode, Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

D = dt.date


def ep(kind, start, end=None):
    return CareEpisode(kind=kind, start_date=start, end_date=end)


def category(episodes, as_of):
    return cohort.category_from_episodes(episodes, as_of)


def test_it_is_cla_while_a_cla_episode_is_active():
    assert category([ep("CLA", D(2024, 1, 1))], D(2025, 6, 1)) == "CLA"


def test_it_is_cla_on_the_first_and_last_day_of_the_episode():
    episode = ep("CLA", D(2024, 1, 1), D(2024, 6, 30))
    assert category([episode], D(2024, 1, 1)) == "CLA"
    assert category([episode], D(2024, 6, 30)) == "CLA"


def test_it_is_not_cla_the_day_before_a_future_episode_starts():
    assert category([ep("CLA", D(2025, 9, 1))], D(2025, 8, 31)) is None


def test_it_ignores_a_future_pla_order():
    assert category([ep("PLA", D(2026, 1, 1))], D(2025, 12, 31)) is None


def test_it_gives_cla_precedence_over_pla():
    episodes = [ep("PLA", D(2020, 1, 1)), ep("CLA", D(2024, 1, 1))]
    assert category(episodes, D(2024, 2, 1)) == "CLA"


def test_it_is_pla_from_the_day_the_order_starts_and_never_ends():
    episodes = [ep("CLA", D(2018, 1, 1), D(2019, 12, 31)), ep("PLA", D(2020, 1, 1))]
    assert category(episodes, D(2020, 1, 1)) == "PLA"
    assert category(episodes, D(2040, 1, 1)) == "PLA"


def test_it_gives_pla_precedence_over_an_active_cin_plan():
    episodes = [ep("PLA", D(2020, 1, 1)), ep("CIN", D(2024, 1, 1))]
    assert category(episodes, D(2024, 2, 1)) == "PLA"


@pytest.mark.parametrize("kind", ["CIN", "CP"])
def test_it_is_cwsw_while_a_plan_is_active(kind):
    assert category([ep(kind, D(2025, 1, 1), D(2025, 3, 31))], D(2025, 3, 31)) == "CWSW"


def test_it_is_cwsw_prev_the_day_after_a_plan_ends():
    assert category([ep("CP", D(2025, 1, 1), D(2025, 3, 31))], D(2025, 4, 1)) == "CWSW_PREV"


def test_it_gives_an_active_plan_precedence_over_a_previous_one():
    episodes = [ep("CIN", D(2019, 1, 1), D(2019, 6, 1)), ep("CP", D(2025, 1, 1))]
    assert category(episodes, D(2025, 2, 1)) == "CWSW"


@pytest.mark.parametrize("kind", ["CLA", "CIN", "CP"])
def test_it_keeps_a_pupil_in_the_cohort_on_the_sixth_anniversary(kind):
    assert category([ep(kind, D(2018, 1, 1), D(2019, 3, 15))], D(2025, 3, 15)) == "CWSW_PREV"


@pytest.mark.parametrize("kind", ["CLA", "CIN", "CP"])
def test_it_drops_a_pupil_the_day_after_the_sixth_anniversary(kind):
    assert category([ep(kind, D(2018, 1, 1), D(2019, 3, 15))], D(2025, 3, 16)) is None


def test_it_ends_a_29_february_window_on_28_february():
    episode = ep("CIN", D(2019, 1, 1), D(2020, 2, 29))
    assert cohort.previous_window_end(D(2020, 2, 29)) == D(2026, 2, 28)
    assert category([episode], D(2026, 2, 28)) == "CWSW_PREV"
    assert category([episode], D(2026, 3, 1)) is None


def test_it_counts_back_from_29_february_correctly():
    # On 29 Feb 2032, an end on 28 Feb 2026 ran out the day before; 1 Mar 2026 still counts.
    assert cohort.earliest_counting_end(D(2032, 2, 29)) == D(2026, 3, 1)
    assert category([ep("CP", D(2025, 1, 1), D(2026, 2, 28))], D(2032, 2, 29)) is None
    assert category([ep("CP", D(2025, 1, 1), D(2026, 3, 1))], D(2032, 2, 29)) == "CWSW_PREV"


def test_it_has_no_category_without_episodes():
    assert category([], D(2025, 1, 1)) is None


@pytest.mark.django_db
def test_it_computes_the_same_categories_in_the_database():
    as_of = D(2025, 3, 16)
    expected = {
        CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 1)).pupil_id: "CLA",
        CareEpisodeFactory(kind="PLA", start_date=D(2022, 1, 1)).pupil_id: "PLA",
        CareEpisodeFactory(kind="CP", start_date=D(2025, 1, 1)).pupil_id: "CWSW",
        CareEpisodeFactory(kind="CIN", start_date=D(2018, 1, 1), end_date=D(2019, 3, 16)).pupil_id: "CWSW_PREV",
        CareEpisodeFactory(kind="CIN", start_date=D(2018, 1, 1), end_date=D(2019, 3, 15)).pupil_id: None,
        CareEpisodeFactory(kind="CLA", start_date=D(2025, 6, 1)).pupil_id: None,
        PupilFactory().pk: None,
    }
    found = dict(Pupil.objects.with_category(as_of).values_list("pk", "category"))
    assert found == expected


@pytest.mark.django_db
def test_it_returns_only_pupils_with_a_category_from_in_cohort():
    in_cohort = CareEpisodeFactory(kind="CP", start_date=D(2025, 1, 1)).pupil
    PupilFactory()
    assert list(Pupil.objects.in_cohort(D(2025, 2, 1))) == [in_cohort]


@pytest.mark.parametrize(("other", "expected"), [
    (None, "KINSHIP"),
    (ep("CP", D(2025, 1, 6)), "CWSW"),  # on a protection plan, living with grandparents: still CWSW
    (ep("CIN", D(2018, 1, 1), D(2022, 3, 31)), "CWSW_PREV"),  # had a social worker within six years
    (ep("PLA", D(2019, 5, 1)), "PLA"),
    (ep("CLA", D(2025, 3, 1)), "CLA"),
    (ep("CIN", D(2015, 1, 1), D(2019, 1, 31)), "KINSHIP"),  # that window closed on 31 January 2025
])
def test_kinship_care_comes_after_every_other_category_and_the_marker_stays(other, expected):
    kinship = ep("KIN", D(2024, 9, 2))
    episodes = [kinship] + ([other] if other else [])
    assert category(episodes, D(2025, 6, 1)) == expected
    assert cohort.in_kinship_care(episodes, D(2025, 6, 1))
    assert cohort.category_during(episodes, D(2025, 6, 1), D(2025, 6, 30)) == expected


def test_kinship_care_ends_with_its_arrangement_and_leaves_no_window():
    episodes = [ep("KIN", D(2022, 1, 10), D(2025, 3, 31))]
    assert category(episodes, D(2025, 3, 31)) == "KINSHIP"
    assert category(episodes, D(2025, 4, 1)) is None
    assert not cohort.in_kinship_care(episodes, D(2025, 4, 1))


@pytest.mark.django_db
def test_it_takes_the_cohort_category_on_today_by_default(time_machine):
    time_machine.move_to(D(2025, 2, 1))
    pupil = CareEpisodeFactory(kind="CIN", start_date=D(2025, 1, 1)).pupil
    assert pupil.cohort_category() == "CWSW"
    assert list(Pupil.objects.in_cohort()) == [pupil]


dates = st.dates(min_value=D(2012, 1, 1), max_value=D(2034, 12, 31))
episode_rows = st.lists(
    st.tuples(st.sampled_from(["CLA", "PLA", "CIN", "CP", "KIN"]), dates, st.integers(0, 3000), st.booleans()),
    max_size=4,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=episode_rows, as_of=dates)
def test_the_stored_category_agrees_with_the_rule_for_any_history(rows, as_of):
    pupil = PupilFactory(date_of_birth=D(2005, 1, 1))
    episodes = [
        CareEpisode(pupil=pupil, kind=kind, start_date=start,
                    end_date=None if (open_ or kind == "PLA") else start + dt.timedelta(days=length))
        for kind, start, length, open_ in rows
    ]
    CareEpisode.objects.bulk_create(episodes)
    derived_rebuild([pupil.pk])
    in_db = Pupil.objects.with_category(as_of).get(pk=pupil.pk).category
    assert in_db == cohort.category_from_episodes(episodes, as_of)
    pupil.delete()


def test_it_stops_adding_years_at_the_ends_of_the_calendar():
    assert cohort.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert cohort.add_years(dt.date(9998, 6, 1), 25) == dt.date.max
    assert cohort.add_years(dt.date(3, 6, 1), -25) == dt.date.min
