"""The stored category spells against the cohort rule (cohort.category_from_episodes), the one rule."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pupils import cohort, services
from pupils.derived import derived_rebuild
from pupils.models import CareEpisode, CategorySpell, Pupil
from pupils.spells import Spell, spells_from_episodes, spells_rebuild
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

D = dt.date
ONE_DAY = dt.timedelta(days=1)

dates = st.dates(min_value=D(2012, 1, 1), max_value=D(2034, 12, 31))
histories = st.lists(
    st.tuples(st.sampled_from(["CLA", "PLA", "CIN", "CP", "KIN"]), dates, st.integers(0, 3000), st.booleans()),
    max_size=5,
)


def episodes_of(pupil, rows):
    return [
        CareEpisode(pupil=pupil, kind=kind, start_date=start,
                    end_date=None if (open_ or kind == "PLA") else start + dt.timedelta(days=length))
        for kind, start, length, open_ in rows
    ]


def test_it_splits_a_cin_plan_into_cwsw_then_six_years_of_cwsw_prev():
    plan = CareEpisode(kind="CIN", start_date=D(2020, 2, 29), end_date=D(2021, 3, 31))
    assert spells_from_episodes([plan]) == [
        Spell("CWSW", D(2020, 2, 29), D(2021, 3, 31), "CIN"),
        Spell("CWSW_PREV", D(2021, 4, 1), D(2027, 3, 31)),
    ]


def test_it_lets_cla_interrupt_and_pla_close_a_history():
    episodes = [
        CareEpisode(kind="CP", start_date=D(2019, 1, 1), end_date=D(2019, 6, 30)),
        CareEpisode(kind="CLA", start_date=D(2019, 7, 1), end_date=D(2020, 8, 31)),
        CareEpisode(kind="PLA", start_date=D(2020, 9, 1), end_date=None),
    ]
    assert spells_from_episodes(episodes) == [
        Spell("CWSW", D(2019, 1, 1), D(2019, 6, 30), "CP"),
        Spell("CLA", D(2019, 7, 1), D(2020, 8, 31)),
        Spell("PLA", D(2020, 9, 1), None),
    ]


def test_it_merges_back_to_back_plans_of_one_kind_and_starts_a_spell_when_the_plan_changes():
    episodes = [
        CareEpisode(kind="CIN", start_date=D(2024, 1, 1), end_date=D(2024, 3, 31)),
        CareEpisode(kind="CIN", start_date=D(2024, 4, 1), end_date=D(2024, 9, 30)),
        CareEpisode(kind="CP", start_date=D(2024, 7, 1), end_date=None),  # a CP plan made during the CIN plan
    ]
    assert spells_from_episodes(episodes) == [
        Spell("CWSW", D(2024, 1, 1), D(2024, 6, 30), "CIN"),
        Spell("CWSW", D(2024, 7, 1), None, "CP"),  # CP before CIN while both are in force
    ]


def test_a_kinship_arrangement_marks_the_spells_it_spans_and_is_the_category_only_when_nothing_else_is():
    episodes = [
        CareEpisode(kind="KIN", start_date=D(2023, 9, 1), end_date=None),  # living with grandparents
        CareEpisode(kind="CP", start_date=D(2024, 1, 8), end_date=D(2024, 12, 20)),
    ]
    assert spells_from_episodes(episodes) == [
        Spell("KINSHIP", D(2023, 9, 1), D(2024, 1, 7), "", True),
        Spell("CWSW", D(2024, 1, 8), D(2024, 12, 20), "CP", True),
        Spell("CWSW_PREV", D(2024, 12, 21), D(2030, 12, 20), "", True),
        Spell("KINSHIP", D(2030, 12, 21), None, "", True),
    ]


@settings(max_examples=300, deadline=None)
@given(rows=histories)
def test_it_gives_every_day_the_category_of_the_python_rule(rows):
    episodes = episodes_of(None, rows)
    spells = spells_from_episodes(episodes)
    # Every change day, the day before it and the last day of each spell: where an error would show.
    days = {d for s in spells for d in (s.start, s.start - ONE_DAY, s.end or s.start) if d}
    days |= {e.start_date - ONE_DAY for e in episodes} | {D(2012, 1, 1), D(2045, 1, 1)}
    for day in days:
        spell = next((s for s in spells if s.start <= day and (s.end is None or day <= s.end)), None)
        category = cohort.category_from_episodes(episodes, day)
        assert (spell.category if spell else None) == category, day
        assert (spell.kinship if spell else False) == cohort.in_kinship_care(episodes, day), day
        if spell:
            plan = cohort.plan_from_episodes(episodes, day) if category == cohort.CWSW else None
            assert spell.plan == (plan or ""), day
    # Spells never overlap and never repeat a category, plan and marker back to back.
    for before, after in zip(spells, spells[1:], strict=False):
        assert before.end is not None and before.end < after.start
        assert not ((before.category, before.plan, before.kinship) == (after.category, after.plan, after.kinship)
                    and before.end + ONE_DAY == after.start)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=histories, as_of=dates, window=st.tuples(dates, st.integers(0, 800)))
def test_the_stored_reads_agree_with_the_rule_and_the_period_rule_in_the_database(rows, as_of, window):
    pupil = PupilFactory(date_of_birth=D(2005, 1, 1), admission_date=D(2012, 1, 1), leaving_date=None)
    episodes = episodes_of(pupil, rows)
    CareEpisode.objects.bulk_create(episodes)
    spells_rebuild([pupil.pk])
    stored = Pupil.objects.with_category(as_of).get(pk=pupil.pk)
    assert stored.category == pupil.category_on(as_of) == cohort.category_from_episodes(episodes, as_of)
    plan = cohort.plan_from_episodes(episodes, as_of) if stored.category == cohort.CWSW else None
    assert (stored.plan or None) == plan
    assert bool(stored.kinship) == cohort.in_kinship_care(episodes, as_of)
    assert pupil.standing_on(as_of) == (stored.category, cohort.in_kinship_care(episodes, as_of))
    first, length = window
    last = first + dt.timedelta(days=length)
    during = Pupil.objects.filter(pk=pupil.pk).cohort_during(first, last)
    assert during.get(pupil.pk) == cohort.category_during(episodes, first, last)
    # The same pupils as a subquery, for the report's queries over them.
    assert set(during.ids) == set(during) == set(Pupil.objects.cohort_during(first, last).ids)
    pupil.delete()


@pytest.mark.django_db
def test_it_rebuilds_the_spells_when_an_episode_is_saved_ended_or_deleted(dsl):
    pupil = PupilFactory(date_of_birth=D(2012, 1, 1))
    plan = CareEpisodeFactory(pupil=pupil, kind="CIN", start_date=D(2025, 1, 6), end_date=None)
    assert list(CategorySpell.objects.values_list("category", "start", "end")) == [("CWSW", D(2025, 1, 6), None)]
    services.episode_end(episode=plan, end_date=D(2025, 7, 18), by=dsl)
    assert list(CategorySpell.objects.values_list("category", "start", "end")) == [
        ("CWSW", D(2025, 1, 6), D(2025, 7, 18)), ("CWSW_PREV", D(2025, 7, 19), D(2031, 7, 18))]
    plan.delete()
    derived_rebuild([pupil.pk])  # as the retention erase and a backup's restore do after deleting
    assert not CategorySpell.objects.exists()


@pytest.mark.django_db
def test_it_counts_a_pupil_only_for_the_days_on_roll_in_a_period():
    # Looked after until 31 August, joined on 1 September: on roll only as "had a social worker".
    pupil = PupilFactory(date_of_birth=D(2012, 1, 1), admission_date=D(2025, 9, 1), leaving_date=None)
    CareEpisodeFactory(pupil=pupil, kind="CLA", start_date=D(2024, 1, 1), end_date=D(2025, 8, 31),
                       legal_status="C2")
    assert Pupil.objects.cohort_during(D(2025, 8, 1), D(2026, 7, 31)) == {pupil.pk: "CWSW_PREV"}
    # Admitted in June and left on 1 September (the first day off roll): looked after while on roll.
    pupil.admission_date, pupil.leaving_date = D(2025, 6, 2), D(2025, 9, 1)
    pupil.save()
    derived_rebuild([pupil.pk])
    assert Pupil.objects.cohort_during(D(2025, 8, 1), D(2026, 7, 31)) == {pupil.pk: "CLA"}
    assert Pupil.objects.cohort_during(D(2025, 9, 1), D(2026, 7, 31)) == {}


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=histories, as_of=dates, admitted=dates, stay=st.one_of(st.none(), st.integers(1, 3000)),
       moved=st.one_of(st.none(), st.integers(-400, 400)))
def test_it_counts_the_cohort_on_roll_from_the_spells_as_the_rule_does(rows, as_of, admitted, stay, moved):
    """The spells' copies of the dates on roll follow the pupil, so the count from the spells alone is the rule's."""
    pupil = PupilFactory(date_of_birth=D(2005, 1, 1), admission_date=admitted,
                         leaving_date=None if stay is None else admitted + dt.timedelta(days=stay))
    PupilFactory(date_of_birth=D(2005, 1, 1), admission_date=D(2012, 1, 1), leaving_date=None)  # in no category
    CareEpisode.objects.bulk_create(episodes_of(pupil, rows))
    spells_rebuild([pupil.pk])
    if moved is not None:  # the pupil's dates change after the spells were built: a correction, or a leaving date
        pupil.admission_date += dt.timedelta(days=moved)
        pupil.leaving_date = pupil.leaving_date or admitted + dt.timedelta(days=abs(moved) + 1)
        pupil.save()  # dates beyond what a form takes, so straight to the record, then what derives from it
        derived_rebuild([pupil.pk])
    for day in {as_of, admitted, pupil.admission_date, pupil.leaving_date or as_of,
                (pupil.leaving_date or as_of) - ONE_DAY}:
        category = cohort.category_from_episodes(episodes_of(pupil, rows), day)
        on_roll = pupil.is_on_roll(day)
        expected = dict.fromkeys(cohort.CATEGORIES, 0) | ({category: 1} if category and on_roll else {})
        assert CategorySpell.objects.on(day).on_roll(day).category_counts() == expected, day
        assert set(Pupil.objects.in_category_on(day).values_list("pk", flat=True)) == (
            {pupil.pk} if category else set()), day
        assert set(Pupil.objects.in_no_category_on(day).values_list("pk", flat=True)) == (
            set(Pupil.objects.values_list("pk", flat=True)) - ({pupil.pk} if category else set())), day
        if category:
            assert list(Pupil.objects.in_category_on(day, category).values_list("pk", flat=True)) == [pupil.pk]
    Pupil.objects.all().delete()


@pytest.mark.django_db
def test_the_spells_follow_a_pupils_dates_on_roll(head):
    pupil = PupilFactory(date_of_birth=D(2012, 1, 1), admission_date=D(2023, 9, 4), leaving_date=None)
    CareEpisodeFactory(pupil=pupil, kind="CIN", start_date=D(2025, 1, 6), end_date=None)
    assert list(CategorySpell.objects.values_list("admission_date", "leaving_date")) == [(D(2023, 9, 4), None)]
    services.pupil_leave(pupil=pupil, leaving_date=D(2026, 7, 22), leaving_reason="moved_away", by=head)
    assert list(CategorySpell.objects.values_list("admission_date", "leaving_date")) == [
        (D(2023, 9, 4), D(2026, 7, 22))]
    assert CategorySpell.objects.on(D(2026, 7, 21)).on_roll(D(2026, 7, 21)).category_counts()["CWSW"] == 1
    assert CategorySpell.objects.on(D(2026, 7, 22)).on_roll(D(2026, 7, 22)).category_counts()["CWSW"] == 0
