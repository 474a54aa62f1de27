"""The report's cohort for a year: everyone on roll and in the cohort at any time in it, leavers included."""

import datetime as dt
from decimal import Decimal

import pytest

from pep.tests.factories import PepFactory
from pupils.models import AttainmentRecord, AttendanceRecord, Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting import figures
from reporting.models import SchoolFigures

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def year_2024():
    """Six looked-after Year 6 pupils who left in July 2025, and one who joined after the year ended."""
    leavers = []
    for i in range(6):
        pupil = CareEpisodeFactory(kind="CLA", start_date=D(2023, 1, 9), pupil__leaving_date=D(2025, 7, 22),
                                   pupil__date_of_birth=D(2013, 10, 1), pupil__last_name=f"Leaver-{i}").pupil
        AttendanceRecord.objects.create(pupil=pupil, academic_year=2024, term="summer", possible_sessions=140,
                                        attended_sessions=126)
        AttainmentRecord.objects.create(pupil=pupil, academic_year=2024, term="summer", reading="exp",
                                        writing="exp", maths="gds")
        PepFactory(pupil=pupil, academic_year=2024, term="summer", meeting_date=D(2025, 5, 6))
        leavers.append(pupil)
    CareEpisodeFactory(kind="CLA", start_date=D(2025, 9, 8), pupil__admission_date=D(2025, 9, 8))
    return leavers


def test_it_keeps_the_july_leavers_in_every_section_of_the_report_built_in_september(year_2024):
    data = figures.report_data(academic_year=2024, today=D(2025, 9, 15))
    assert dict(data["cohort"]["cells"])["Looked after (CLA)"] == 6
    assert data["attendance"]["pupils"] == 6
    assert data["attendance"]["persistent"] == Decimal("100.0")  # 126 of 140 is persistent absence
    assert data["attainment"]["rows"][0][:3] == ("KS2", "Reading at the expected standard or above (teacher "
                                                     "judgement)", 6)
    assert data["peps"]["children"] == 6


def test_it_leaves_out_a_pupil_who_joined_after_the_year():
    CareEpisodeFactory(kind="CLA", start_date=D(2025, 9, 8), pupil__admission_date=D(2025, 9, 8))
    assert Pupil.objects.cohort_during(D(2024, 9, 1), D(2025, 8, 31)) == {}


def test_it_leaves_out_a_pupil_whose_care_began_after_they_left():
    pupil = PupilFactory(admission_date=D(2020, 9, 2), leaving_date=D(2024, 10, 1))
    CareEpisodeFactory(pupil=pupil, kind="CLA", start_date=D(2025, 3, 3))
    assert Pupil.objects.cohort_during(D(2024, 9, 1), D(2025, 8, 31)) == {}


def test_it_counts_a_child_adopted_during_the_year_as_looked_after():
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2022, 1, 10), end_date=D(2025, 2, 1)).pupil
    CareEpisodeFactory(pupil=pupil, kind="PLA", start_date=D(2025, 2, 2))
    assert Pupil.objects.cohort_during(D(2024, 9, 1), D(2025, 8, 31)) == {pupil.pk: "CLA"}


def test_the_whole_schools_typed_in_figure_stands_in_when_the_register_has_only_the_cohorts_results(year_2024):
    data = figures.report_data(academic_year=2024, today=D(2025, 9, 15))
    reading = data["attainment"]["rows"][0]
    assert reading[:2] == ("KS2", "Reading at the expected standard or above (teacher judgement)")
    assert reading[4] is None  # nobody outside the cohort has results, and nothing is typed in
    SchoolFigures.objects.create(academic_year=2024, term="summer", pupils_on_roll=420,
                                 attendance_percent=Decimal("95.0"), persistent_absence_percent=Decimal("12.0"),
                                 suspensions=3, suspension_days=Decimal("4"), permanent_exclusions=0,
                                 reading_expected_percent=Decimal("74.0"), writing_expected_percent=Decimal("69.0"),
                                 maths_expected_percent=Decimal("72.0"))
    rows = figures.report_data(academic_year=2024, today=D(2025, 9, 15))["attainment"]["rows"]
    assert [row[4] for row in rows[:3]] == [Decimal("74.0"), Decimal("69.0"), Decimal("72.0")]


def test_it_counts_days_lost_in_the_year_they_are_served_not_the_year_of_the_decision(time_machine):
    from pep.models import ExclusionConsultation

    time_machine.move_to(dt.datetime(2025, 10, 1, 12, 0))
    pupils = [CareEpisodeFactory(kind="CLA", start_date=D(2023, 1, 9)).pupil for _ in range(6)]
    for pupil in pupils:  # decided on Monday 21 July 2025, served on 3 and 4 September: 2025/26's days
        ExclusionConsultation.objects.create(
            pupil=pupil, incident_date=D(2025, 7, 21), incident="Demo incident", proposed_action="suspension",
            consulted_on=D(2025, 7, 21), decision="suspension", decision_date=D(2025, 7, 21),
            first_day=D(2025, 9, 3), days=Decimal("2"))
    old, new = (figures.report_data(academic_year=year, today=D(2025, 10, 1))["exclusions"] for year in (2024, 2025))
    assert old["days"] == Decimal("0")
    assert new["days"] == Decimal("12")
