"""The Report to Governors: built by a task, read back from the PDF, anonymised."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cwsw.models import AccessLog, SchoolProfile
from cwsw.tasks import mark_stalled_builds
from pep.models import Provision
from pep.tests.factories import AllocationFactory, PepFactory
from pupils.models import SubjectGrade
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting import build as report_builder
from reporting import figures, services
from reporting.models import GovernorReport, ReportNarrative, SchoolFigures, TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 7, 15, 12, 0))


@pytest.fixture
def school():
    profile = SchoolProfile.load()
    profile.name = "Demo Academy"
    profile.save()
    pupils = []
    for i in range(7):
        pupil = CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 8),
                                   pupil__last_name=f"Secretname{i}").pupil
        PepFactory(pupil=pupil, academic_year=2025, term="autumn", meeting_date=dt.date(2025, 10, 15),
                   vs_rating="green")
        AllocationFactory(pupil=pupil, financial_year=2025, amount=Decimal("2630.00"))
        pupils.append(pupil)
    for i in range(3):
        pupils.append(CareEpisodeFactory(kind="PLA", start_date=dt.date(2020, 1, 6),
                                         pupil__last_name=f"Hiddenname{i}").pupil)
    for i in range(12):
        pupils.append(CareEpisodeFactory(kind="CIN", start_date=dt.date(2025, 1, 6),
                                         pupil__last_name=f"Quietname{i}").pupil)
    SchoolFigures.objects.create(
        academic_year=2025, term="autumn", pupils_on_roll=900, attendance_percent=Decimal("94.2"),
        persistent_absence_percent=Decimal("17.5"), suspensions=40, suspension_days=Decimal("61.5"),
        permanent_exclusions=1, reading_expected_percent=Decimal("71.0"), writing_expected_percent=Decimal("66.0"),
        maths_expected_percent=Decimal("70.0"))
    TrainingRecord.objects.create(attended_by="dt", title="Attachment-aware schools", date=dt.date(2025, 11, 5),
                                  hours=Decimal("3"))
    ReportNarrative.objects.create(academic_year=2025, strengths="Every PEP held on time in autumn.",
                                   priorities="Improve attendance of looked-after pupils.")
    return pupils


def build(head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(academic_year=2025, by=head)
    report.refresh_from_db()
    return report


def pdf_text(report):
    with report.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(BytesIO(handle.read())).pages)


def test_it_builds_a_report_with_every_section(school, head, django_capture_on_commit_callbacks):
    text = pdf_text(build(head, django_capture_on_commit_callbacks))
    for heading in ("1. The cohort", "2. Personal Education Plans", "3. Pupil Premium Plus financial year 2025-26",
                    "4. Attendance", "5. Suspensions and permanent exclusions",
                    "6. Alternative provision and part-time timetables", "7. Attainment", "8. Joining and leaving",
                    "9. Three years compared", "10. Training", "11. The designated teacher's view"):
        assert heading in text
    assert "Demo Academy" in text and "Page 1 of" in text
    assert "Attachment-aware schools" in text and "Every PEP held on time in autumn." in text
    assert "94.2%" in text  # whole-school attendance


def test_it_names_no_pupil_in_the_report(school, head, django_capture_on_commit_callbacks):
    text = pdf_text(build(head, django_capture_on_commit_callbacks))
    for pupil in school:
        assert pupil.last_name not in text and pupil.upn not in text
        assert pupil.date_of_birth.strftime("%-d %B %Y") not in text


def test_it_shows_small_numbers_as_c_with_secondary_suppression(school, head):
    data = figures.report_data(academic_year=2025, today=dt.date(2026, 7, 15))
    cells = dict(data["cohort"]["cells"])
    assert cells["Previously looked after (PLA)"] == "c"  # 3 pupils
    # With one cell hidden the total would reveal it, so the next smallest (CLA, 7) is hidden too.
    assert cells["Looked after (CLA)"] == "c"
    assert cells["Has a social worker (CWSW)"] == 12
    assert data["cohort"]["total"] == 22


def kinship_pupils(n, **fields):
    return [CareEpisodeFactory(kind="KIN", kinship_arrangement="sgo", start_date=dt.date(2023, 9, 4), **fields).pupil
            for _ in range(n)]


def test_it_counts_kinship_care_as_its_own_row_hidden_when_small(school, head, django_capture_on_commit_callbacks):
    kinship_pupils(2)
    with_plan = CareEpisodeFactory(kind="CP", start_date=dt.date(2025, 1, 6)).pupil  # and living with relatives
    CareEpisodeFactory(pupil=with_plan, kind="KIN", start_date=dt.date(2023, 9, 4))
    data = figures.report_data(academic_year=2025, today=dt.date(2026, 7, 15))
    cells = dict(data["cohort"]["cells"])
    assert cells["In kinship care"] == "c"  # 2 pupils; the one on a plan is counted with a social worker
    assert cells["Has a social worker (CWSW)"] == 13
    assert data["cohort"]["headings"][-1] == "Kinship care"
    text = pdf_text(build(head, django_capture_on_commit_callbacks))
    assert "In kinship care" in text


def test_it_shows_a_kinship_count_above_the_threshold(school):
    kinship_pupils(8)
    cells = dict(figures.report_data(academic_year=2025, today=dt.date(2026, 7, 15))["cohort"]["cells"])
    assert cells["In kinship care"] == 8
    assert cells["Has a social worker (CWSW)"] == 12


def test_it_takes_the_threshold_from_a_setting(school, head, settings):
    settings.SMALL_NUMBER_THRESHOLD = 2
    cells = dict(figures.report_data(academic_year=2025, today=dt.date(2026, 7, 15))["cohort"]["cells"])
    assert cells["Previously looked after (PLA)"] == 3


def test_it_draws_the_charts_as_svg(school):
    data = figures.report_data(academic_year=2025, today=dt.date(2026, 7, 15))
    assert data["cohort"]["chart"].startswith("<svg") and "<rect" in data["cohort"]["chart"]


def test_it_raises_progress_to_100_and_marks_the_report_ready(school, head, monkeypatch):
    seen = []
    real = GovernorReport.set_progress
    monkeypatch.setattr(GovernorReport, "set_progress",
                        lambda pk, percent, stage: (seen.append(percent), real(pk, percent, stage)))
    report = GovernorReport.objects.create(academic_year=2025, requested_by=head)
    assert report_builder.report_build(report_id=report.pk) == "built"
    report.refresh_from_db()
    assert seen == sorted(seen) and seen[0] > 0
    assert (report.status, report.progress, report.stage) == ("ready", 100, "Ready")


def test_it_builds_no_second_report_for_a_repeated_task(school, head, django_capture_on_commit_callbacks):
    report = build(head, django_capture_on_commit_callbacks)
    name, built_at = report.pdf.name, report.built_at
    assert report_builder.report_build(report_id=report.pk) == "skipped"
    report.refresh_from_db()
    assert (report.pdf.name, report.built_at, GovernorReport.objects.count()) == (name, built_at, 1)


def test_it_reports_a_failed_build(school, head, monkeypatch):
    monkeypatch.setattr(report_builder, "render_report", lambda data: (_ for _ in ()).throw(RuntimeError("no fonts")))
    report = GovernorReport.objects.create(academic_year=2025, requested_by=head)
    with pytest.raises(RuntimeError):
        report_builder.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.error) == ("failed", "no fonts")


def test_it_shows_a_queue_that_is_down(school, head, monkeypatch, django_capture_on_commit_callbacks):
    from reporting import tasks

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(tasks.build_governor_report, "delay", down)
    report = build(head, django_capture_on_commit_callbacks)
    assert report.status == "failed" and "Could not reach the task queue" in report.error


def test_it_lets_the_dt_ask_for_the_report_and_a_governor_download_it(school, login, dt_user, governor,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(dt_user).post(reverse("reporting:governor_report_list"), {"academic_year": "2025"})
    report = GovernorReport.objects.get()
    assert response.url == report.get_absolute_url()
    download = login(governor).get(reverse("reporting:governor_report_download", args=[report.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(user=governor, action="download", pupil=None).count() == 1


def test_it_refuses_a_governor_asking_for_a_build(login, governor):
    response = login(governor).post(reverse("reporting:governor_report_list"), {"academic_year": "2025"})
    assert response.status_code == 403
    assert not GovernorReport.objects.exists()


def test_it_polls_the_progress_partial_while_running(login, dt_user, head):
    report = GovernorReport.objects.create(academic_year=2025, requested_by=head, status="building", progress=45,
                                           stage="Adding up Pupil Premium Plus")
    response = login(dt_user).get(report.get_absolute_url(), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="45"' in body
    assert "<nav" not in body


@pytest.mark.parametrize("field, value, message", [
    ("attendance_percent", "101", "Enter 100 or less."),
    ("pupils_on_roll", "0", "Enter 1 or more."),
    ("suspension_days", "-1", "Enter 0 or more."),
])
def test_it_validates_whole_school_figures(login, dt_user, field, value, message):
    data = {"term": "autumn", "pupils_on_roll": "900", "attendance_percent": "94", "persistent_absence_percent": "17",
            "suspensions": "4", "suspension_days": "6", "permanent_exclusions": "0", "reading_expected_percent": "70",
            "writing_expected_percent": "65", "maths_expected_percent": "70", field: value}
    response = login(dt_user).post(reverse("reporting:school_figures_year", args=[2025]), data)
    assert any(message in e for e in response.context["form"].errors[field])
    assert not SchoolFigures.objects.exists()


def test_it_corrects_a_term_entered_again(login, dt_user):
    data = {"term": "autumn", "pupils_on_roll": "900", "attendance_percent": "94", "persistent_absence_percent": "17",
            "suspensions": "4", "suspension_days": "6", "permanent_exclusions": "0", "reading_expected_percent": "70",
            "writing_expected_percent": "65", "maths_expected_percent": "70"}
    client = login(dt_user)
    client.post(reverse("reporting:school_figures_year", args=[2025]), data)
    client.post(reverse("reporting:school_figures_year", args=[2025]), {**data, "attendance_percent": "95.5"})
    assert SchoolFigures.objects.get().attendance_percent == Decimal("95.5")


def test_it_lets_a_report_whose_build_stalled_be_asked_for_again(head, django_capture_on_commit_callbacks,
                                                                  time_machine, monkeypatch):
    queued = []
    monkeypatch.setattr("reporting.services.build_governor_report.delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(academic_year=2025, by=head)
    assert report.was_queued and queued == [report.pk]
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(academic_year=2025, by=head)
    assert not again.was_queued and queued == [report.pk]  # one is running: asking again is refused
    time_machine.move_to(dt.datetime(2026, 7, 15, 12, 11))  # the worker died: nothing for 11 minutes
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.report_request(academic_year=2025, by=head)
    assert retried.was_queued and queued == [report.pk, report.pk]


@pytest.mark.parametrize(("answer", "queued_again"), [(False, True), (True, False), (None, False)])
def test_a_build_quiet_for_two_minutes_with_no_worker_answering_can_be_asked_for_at_once(
        head, django_capture_on_commit_callbacks, time_machine, monkeypatch, answer, queued_again):
    time_machine.move_to(dt.datetime(2026, 7, 15, 12, 0))
    queued, pings = [], []
    monkeypatch.setattr("reporting.services.build_governor_report.delay", queued.append)
    monkeypatch.setattr("cwsw.builds.workers_answering", lambda: pings.append(1) or answer)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(academic_year=2025, by=head)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(academic_year=2025, by=head)
    assert not pings  # nothing quiet yet: no worker is asked
    time_machine.move_to(dt.datetime(2026, 7, 15, 12, 2))  # killed outright: two minutes without a move
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(academic_year=2025, by=head)
    assert again.was_queued is queued_again and len(queued) == 1 + queued_again
    if queued_again:
        assert [r.pk for r in GovernorReport.objects.all()] == [report.pk]


def test_it_marks_a_stalled_build_failed_and_says_so(login, head, time_machine):
    GovernorReport.objects.create(academic_year=2025, status="building", requested_by=head)
    time_machine.move_to(dt.datetime(2026, 7, 15, 12, 11))
    page = reverse("reporting:governor_report", args=[GovernorReport.objects.get().pk])
    assert "Nothing has moved for 10 minutes" in login(head).get(page).content.decode()
    assert GovernorReport.objects.get().status == "building"  # a page only reads
    mark_stalled_builds()  # the beat task, every minute
    assert "nothing moved for 10 minutes" in login(head).get(page).content.decode()
    assert GovernorReport.objects.get().status == "failed"


def test_it_tells_the_user_a_build_is_already_running(login, dt_user, head):
    GovernorReport.objects.create(academic_year=2025, status="building", requested_by=head)
    response = login(dt_user).post(reverse("reporting:governor_report_list"), {"academic_year": "2025"}, follow=True)
    assert "was already asked for at" in response.content.decode()


def test_it_explains_every_hidden_number_and_draws_pep_compliance(school, head, django_capture_on_commit_callbacks):
    report = build(head, django_capture_on_commit_callbacks)
    text = " ".join(pdf_text(report).split())
    assert "so a \"c\" does not always mean a small number" in text
    assert "secondary suppression" in text
    titles = [chart["title"] for chart in report.charts]
    assert titles[:2] == ["The cohort", "PEP compliance per term"]
    assert "Attendance against the whole school" in titles
    pep_chart = report.charts[1]["svg"]
    assert "On time" in pep_chart and "Missed or overdue" in pep_chart
    # The pupils joined the school in September 2024: 2024/25 is compared; 2023/24 had no cohort on roll.
    assert "Pupils in the cohort by year" in titles
    assert "2024/25" in text and "2023/24" not in text


def test_the_report_page_shows_governors_the_same_charts(school, head, governor, login,
                                                         django_capture_on_commit_callbacks):
    report = build(head, django_capture_on_commit_callbacks)
    body = login(governor).get(report.get_absolute_url()).content.decode()
    assert body.count("<figure") == len(report.charts) >= 5
    assert report.charts[1]["svg"] in body
    for pupil in school:
        assert pupil.last_name not in body


def test_it_warns_the_dt_of_whole_school_figures_lower_than_the_cohorts(school, head, dt_user, governor, login,
                                                                       django_capture_on_commit_callbacks):
    from pep.models import ExclusionConsultation

    for i, pupil in enumerate(school[10:13]):  # three CIN pupils suspended for 4.5 days each
        ExclusionConsultation.objects.create(
            pupil=pupil, incident_date=dt.date(2025, 11, 3 + i), incident="Demo incident",
            proposed_action="suspension", decision="suspension", decision_date=dt.date(2025, 11, 4 + i),
            first_day=dt.date(2025, 11, 5 + i), days=Decimal("4.5"))
    SchoolFigures.objects.filter(academic_year=2025).update(suspension_days=Decimal("12.0"))
    page = login(dt_user).get(reverse("reporting:school_figures_year", args=[2025])).content.decode()
    assert ("School days lost to suspension: the whole school&#x27;s figure for 2025/26 (12.0) is lower than "
            "the cohort&#x27;s own (13.5)") in page
    assert "Suspensions: the whole school" not in page  # 40 against 3: nothing wrong there
    report = build(head, django_capture_on_commit_callbacks)
    assert 'data-testid="figure-warning"' in login(dt_user).get(report.get_absolute_url()).content.decode()
    assert 'data-testid="figure-warning"' not in login(governor).get(report.get_absolute_url()).content.decode()


def test_it_compares_gcse_grades_by_key_stage_and_counts_provision_and_leavers(head,
                                                                              django_capture_on_commit_callbacks):
    """Year 11 in 2025/26: born Sep 2009 to Aug 2010. Twelve looked-after pupils (eight at grade 4 or above in
    English and maths: 66.7%) and twenty-four others (twelve at 4 or above): 20 of 36 in the school, 55.6%."""
    today = dt.date(2026, 7, 15)
    cohort = [CareEpisodeFactory(kind="CLA", start_date=dt.date(2023, 1, 9), pupil__date_of_birth=dt.date(2010, 3, 1),
                                 pupil__admission_date=dt.date(2021, 9, 1)).pupil for _ in range(12)]
    others = [PupilFactory(date_of_birth=dt.date(2010, 3, 1), admission_date=dt.date(2021, 9, 1)) for _ in range(24)]
    for i, pupil in enumerate(cohort + others):
        passed = i < 8 or 12 <= i < 24
        for subject, grade in (("english_language", 5 if passed else 3), ("maths", 4 if passed else 3)):
            SubjectGrade.objects.create(pupil=pupil, academic_year=2025, term="spring", subject=subject,
                                        current=grade, target=6)
            # An older term's grades do not count: the latest term entered does.
            SubjectGrade.objects.create(pupil=pupil, academic_year=2025, term="autumn", subject=subject, current=1)
    for pupil in cohort:
        Provision.objects.create(pupil=pupil, kind="alternative", provider="Demo Skills Centre",
                                 start_date=dt.date(2025, 10, 6), hours_a_week=Decimal("10"), reason="Vocational",
                                 review_due=dt.date(2026, 1, 12), vs_agreed_on=dt.date(2025, 10, 1))
        pupil.leaving_date, pupil.leaving_reason = dt.date(2026, 7, 1), "post16"
        pupil.destination_school = "Demo Sixth Form College"
        pupil.save()
    data = figures.report_data(academic_year=2025, today=today)
    rows = {(stage, measure): (n, pct, school) for stage, measure, n, pct, school in data["attainment"]["rows"]}
    assert rows[("KS4", "English and maths at grade 4 or above (working at)")] == (12, Decimal("66.7"),
                                                                                  Decimal("55.6"))
    assert rows[("KS4", "English and maths at grade 5 or above (working at)")] == (12, Decimal("0.0"),
                                                                                  Decimal("0.0"))
    assert data["provision"]["rows"][0] == ("Alternative provision", 12, 12, 0)  # every review overdue on 15 Jul
    assert data["transitions"]["left"] == 12
    assert data["transitions"]["reasons"] == [("Post-16 education or training", 12)]
    # Four of six passing would point at children: the percentage is hidden.
    for pupil in cohort[2:8]:
        SubjectGrade.objects.filter(pupil=pupil).delete()
    data = figures.report_data(academic_year=2025, today=today)
    assert data["attainment"]["rows"][0][2:4] == (6, "c")
    text = pdf_text(build(head, django_capture_on_commit_callbacks))
    assert "English and maths at grade 4 or above" in text and "Alternative provision" in text
    assert "Left the school in the year" in text and "Post-16 education or training" in text


def test_it_counts_the_best_english_grade_and_maths_from_each_pupil_s_latest_term_with_grades():
    """Year 11 in 2025/26, six looked-after pupils in each group. Counted: English literature alone (4 and
    maths 4); language 3 and literature 5 (the better counts) with maths 5; a spring with only predicted grades,
    so autumn's 4s count; and 3s. Not counted: a latest term with no English or maths grade (the earlier one
    does not stand in), English with no maths, and Year 6 pupils, whose GCSE grades no KS2 measure reads."""
    def pupils(born):
        return [CareEpisodeFactory(kind="CLA", start_date=dt.date(2023, 1, 9), pupil__date_of_birth=born,
                                   pupil__admission_date=dt.date(2021, 9, 1)).pupil for _ in range(6)]

    def grades(pupil, term, *, predicted_only=False, **subjects):
        for subject, grade in subjects.items():
            SubjectGrade.objects.create(pupil=pupil, academic_year=2025, term=term, subject=subject,
                                        current=None if predicted_only else grade,
                                        predicted=grade if predicted_only else None)

    year_11, year_6 = dt.date(2010, 3, 1), dt.date(2015, 3, 1)
    for pupil in pupils(year_11):
        grades(pupil, "spring", english_literature=4, maths=4)
    for pupil in pupils(year_11):
        grades(pupil, "spring", english_language=3, english_literature=5, maths=5)
    for pupil in pupils(year_11):
        grades(pupil, "autumn", english_language=4, maths=4)
        grades(pupil, "spring", predicted_only=True, english_language=9, maths=9)
    for pupil in pupils(year_11):
        grades(pupil, "spring", english_language=3, maths=3)
    for pupil in pupils(year_11):
        grades(pupil, "autumn", english_language=9, maths=9)
        grades(pupil, "spring", history=6)
    for pupil in pupils(year_11):
        grades(pupil, "spring", english_language=9, history=9)
    for pupil in pupils(year_6):
        grades(pupil, "spring", english_language=9, maths=9)

    data = figures.report_data(academic_year=2025, today=dt.date(2026, 7, 15))
    rows = {(stage, measure): (n, pct) for stage, measure, n, pct, _ in data["attainment"]["rows"]}
    assert rows == {("KS4", "English and maths at grade 4 or above (working at)"): (24, Decimal("75.0")),
                    ("KS4", "English and maths at grade 5 or above (working at)"): (24, Decimal("25.0"))}
