import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from cwsw import roles
from pep.models import ExclusionConsultation, PepMeeting, PepTarget, PpPlusAllocation, PpPlusSpend
from pupils import cohort
from pupils.demo import FIRST_NAMES, LAST_NAMES
from pupils.models import AttendanceRecord, CareEpisode, Pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(time_machine):
    time_machine.move_to("2026-02-10 12:00")
    call_command("seed_demo", pupils=400, stdout=io.StringIO())


def test_it_creates_a_demo_user_for_each_role(seeded):
    for username, role in [("head", roles.HEADTEACHER), ("dt", roles.DESIGNATED_TEACHER), ("dsl", roles.DSL),
                           ("governor", roles.GOVERNOR), ("staff", roles.STAFF)]:
        assert User.objects.get(username=username).groups.filter(name=role).exists()


def test_it_seeds_about_three_in_ten_pupils_in_the_cohort_in_every_category(seeded):
    counts = Pupil.objects.with_category().category_counts()
    assert 0.22 <= sum(counts.values()) / 400 <= 0.38
    assert all(n > 0 for n in counts.values()), counts


def test_it_seeds_only_obviously_made_up_names(seeded):
    assert set(Pupil.objects.values_list("first_name", flat=True)) <= set(FIRST_NAMES)
    assert set(Pupil.objects.values_list("last_name", flat=True)) <= set(LAST_NAMES)


def test_it_seeds_only_records_that_pass_their_own_validation(seeded):
    for model in (Pupil, CareEpisode, PepMeeting, PepTarget, PpPlusAllocation, PpPlusSpend, ExclusionConsultation,
                  AttendanceRecord):
        for record in model.objects.all()[:300]:
            record.full_clean()


def test_it_seeds_casework_for_the_cohort(seeded):
    assert PepMeeting.objects.exists() and PpPlusSpend.objects.exists()
    cla = Pupil.objects.with_category().filter(category=cohort.CLA).first()
    assert cla.peps.exists() and cla.pp_allocations.exists()


def test_it_refuses_to_seed_twice_but_can_be_asked_to_skip(seeded):
    with pytest.raises(CommandError, match="already has pupils"):
        call_command("seed_demo", pupils=10, stdout=io.StringIO())
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert Pupil.objects.count() == 400


def test_the_demo_school_has_a_past_so_last_year_s_report_reads_like_a_real_one(seeded):
    import datetime as dt

    from reporting.figures import report_data

    last_year = report_data(academic_year=2024, today=dt.date(2026, 2, 10))  # 2024/25, ended last July
    assert PepMeeting.objects.filter(academic_year=2024, status="complete").count() > 20
    assert PpPlusAllocation.objects.filter(financial_year=2024).exists()
    assert PpPlusSpend.objects.filter(allocation__financial_year=2024).exists()
    assert AttendanceRecord.objects.filter(academic_year=2023).exists()  # two years back too
    assert ExclusionConsultation.objects.filter(first_day__year=2025, first_day__month=7, days=5).exists()
    assert last_year["pp"]["allocated"] and last_year["pp"]["allocated"] > 0
    assert last_year["pp"]["spent"] and last_year["pp"]["spent"] > 0


def test_the_report_page_offers_last_complete_year_first(login, dt_user, time_machine):
    from django.urls import reverse

    time_machine.move_to("2026-10-05 12:00")  # autumn: the report governors want is 2025/26's
    form = login(dt_user).get(reverse("reporting:governor_report_list")).context["form"]
    assert form["academic_year"].value() == 2025
    time_machine.move_to("2026-07-28 12:00")  # the summer term has ended: 2025/26 is complete
    assert login(dt_user).get(reverse("reporting:governor_report_list")).context["form"]["academic_year"].value() \
        == 2025
    time_machine.move_to("2026-06-01 12:00")
    assert login(dt_user).get(reverse("reporting:governor_report_list")).context["form"]["academic_year"].value() \
        == 2024


def test_it_builds_the_last_two_years_reports_when_asked(time_machine, settings, tmp_path):
    import datetime as dt

    from reporting.models import GovernorReport

    settings.MEDIA_ROOT = tmp_path

    time_machine.move_to(dt.datetime(2026, 12, 3, 9, 0))
    out = io.StringIO()
    call_command("seed_demo", pupils=60, reports=True, stdout=out)
    assert sorted(GovernorReport.objects.values_list("academic_year", "status")) == [(2024, "ready"), (2025, "ready")]
    assert all(report.pdf for report in GovernorReport.objects.all())
    assert "the Report to Governors built for 2025/26, 2024/25" in out.getvalue()
