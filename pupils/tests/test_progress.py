"""Secondary attainment: KS2 scaled scores and GCSE grades by hand and by CSV (all rows or none), the
progress chart and the chronology on the pupil page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cwsw.models import AccessLog
from pep.models import ExclusionConsultation, PepMeeting, Provision
from pupils import chronology, progress
from pupils.models import AttainmentRecord, AttendanceContact, AttendanceRecord, SafeguardingNote, SubjectGrade
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))


def year_9(**kwargs):
    """In Year 9 in 2025/26 (born 2011/12); in Year 6 in 2022/23."""
    return PupilFactory(date_of_birth=D(2012, 3, 14), admission_date=D(2023, 9, 4), **kwargs)


def enter(client, pupil, which, **fields):
    data = {f"{which}-{k}": v for k, v in fields.items()}
    return client.post(reverse("pupils:record_save", args=[pupil.pk, which]), data)


def test_ks2_scores_go_against_the_summer_of_year_6_and_between_80_and_120(login, dt_user):
    pupil = year_9()
    client = login(dt_user)
    form = enter(client, pupil, "attainment", academic_year=2022, term="summer", reading_score=121).context[
        "attainment_form"]
    assert "Enter 120 or less." in form.errors["reading_score"][0]
    form = enter(client, pupil, "attainment", academic_year=2022, term="spring", maths_score=104).context[
        "attainment_form"]
    assert "against the summer term" in form.errors["maths_score"][0]
    form = enter(client, pupil, "attainment", academic_year=2023, term="summer", maths_score=104).context[
        "attainment_form"]
    assert "was in Year 7; their KS2 tests were in Year 6, 2022/23" in form.errors["maths_score"][0]
    assert not AttainmentRecord.objects.exists()
    assert enter(client, pupil, "attainment", academic_year=2022, term="summer", reading_score=80,
                 maths_score=120).status_code == 302
    record = AttainmentRecord.objects.get()
    assert (record.reading_score, record.maths_score, record.gps_score) == (80, 120, None)


def test_gcse_grades_are_entered_and_a_second_entry_corrects_them(login, dt_user):
    pupil = year_9()
    client = login(dt_user)
    form = enter(client, pupil, "grades", academic_year=2025, term="autumn", subject="maths").context["grades_form"]
    assert "at least one of the grade working at" in form.non_field_errors()[0]
    enter(client, pupil, "grades", academic_year=2025, term="autumn", subject="maths", current=4, target=6)
    enter(client, pupil, "grades", academic_year=2025, term="autumn", subject="maths", current=5, predicted=6,
          target=6)
    grade = SubjectGrade.objects.get()
    assert (grade.current, grade.predicted, grade.target) == (5, 6, 6)
    page = client.get(reverse("pupils:records", args=[pupil.pk])).content.decode()
    assert "GCSE grades" in page and "Maths" in page


GRADES = "UPN,Academic year,Term,Subject,Working at,Predicted,Target\n"


def upload(client, text):
    return client.post(reverse("pupils:records_import"),
                       {"file": SimpleUploadedFile("grades.csv", text.encode(), content_type="text/csv")})


def test_a_grades_file_is_imported_whole_or_not_at_all(login, dt_user):
    pupil = year_9()
    client = login(dt_user)
    bad = (f"{pupil.upn},2025/26,Autumn,English,5,6,7\n"
           f"{pupil.upn},2025/26,Autumn,Mathematics,10,6,7\n"
           f"{pupil.upn},2025/26,Autumn,Astrology,5,6,7\n"
           f"{pupil.upn},2025/26,Autumn,English Language,4,5,7\n")
    errors = upload(client, GRADES + bad).context["result"].errors
    assert [line for line, _ in errors] == [3, 4, 5]
    assert "should be 9 to 1, or U" in errors[0][1]
    assert "Subject 'Astrology' is not one the register knows" in errors[1][1]
    assert "also on line 2" in errors[2][1]  # "English" is English language
    assert not SubjectGrade.objects.exists()
    good = (f"{pupil.upn},2025/26,Autumn,English,5,6,7\n"
            f"{pupil.upn},2025/26,Autumn,Mathematics,U,3,5\n")
    assert upload(client, GRADES + good).status_code == 302
    assert dict(SubjectGrade.objects.values_list("subject", "current")) == {"english_language": 5, "maths": 0}
    assert AccessLog.objects.filter(action=AccessLog.IMPORT, code="records.imported", pupil_id=pupil.pk).exists()


def test_a_grades_file_cannot_carry_attendance_and_ks2_scores_import_with_attainment(login, dt_user):
    pupil = year_9()
    client = login(dt_user)
    mixed = "UPN,Academic year,Term,Subject,Working at,Possible sessions,Attended sessions\n"
    errors = upload(client, mixed + f"{pupil.upn},2025,autumn,Maths,5,60,55\n").context["result"].errors
    assert "one subject's grades per row" in errors[0][1]
    scores = "UPN,Academic year,Term,KS2 reading,KS2 maths,KS2 GPS\n"
    assert upload(client, scores + f"{pupil.upn},2022/23,Summer,104,99,\n").status_code == 302
    record = AttainmentRecord.objects.get()
    assert (record.reading_score, record.maths_score, record.gps_score) == (104, 99, None)


def test_the_progress_chart_joins_the_terms_and_shows_the_target(login, staff):
    pupil = year_9(key_adult=staff)
    assert progress.progress(pupil) is None
    for year, term, grade in ((2024, "summer", 3), (2025, "autumn", 4)):
        SubjectGrade.objects.create(pupil=pupil, academic_year=year, term=term, subject="maths", current=grade,
                                    target=6)
    chart = progress.progress(pupil)
    assert chart["first"] == "Summer 2024/25" and chart["last"] == "Autumn 2025/26"
    svg = str(chart["svg"])
    assert svg.count("<circle") == 2 and "stroke-dasharray=\"3 4\"" in svg and ">Maths</text>" in svg
    # The key adult sees the chart on the pupil page, and no chronology (a social-care record).
    page = login(staff).get(reverse("pupils:detail", args=[pupil.pk])).content.decode()
    assert "GCSE grade working at, by term" in page and 'data-testid="chronology"' not in page


def test_a_primary_pupils_chart_draws_the_judgements():
    pupil = PupilFactory(date_of_birth=D(2016, 5, 1))
    for term, reading in (("autumn", "wts"), ("spring", "exp"), ("summer", "gds")):
        AttainmentRecord.objects.create(pupil=pupil, academic_year=2024, term=term, reading=reading)
    svg = str(progress.progress(pupil)["svg"])
    assert svg.count("<circle") == 3 and "Greater depth" in svg and ">Reading</text>" in svg


def looked_after_story():
    episode = CareEpisodeFactory(kind="CLA", start_date=D(2024, 1, 8), social_worker_name="Demo Worker")
    pupil = episode.pupil
    PepMeeting.objects.create(pupil=pupil, academic_year=2024, term="autumn", meeting_date=D(2024, 10, 10),
                              status="complete")
    ExclusionConsultation.objects.create(pupil=pupil, incident_date=D(2025, 3, 3), incident="Demo",
                                         proposed_action="suspension", decision="suspension",
                                         decision_date=D(2025, 3, 3), days=2)
    AttendanceRecord.objects.create(pupil=pupil, academic_year=2024, term="autumn", possible_sessions=100,
                                    attended_sessions=97)
    AttendanceRecord.objects.create(pupil=pupil, academic_year=2024, term="spring", possible_sessions=100,
                                    attended_sessions=91)
    Provision.objects.create(pupil=pupil, kind="part_time", start_date=D(2025, 4, 28), end_date=D(2025, 6, 6),
                             hours_a_week=15, reason="Phased return", review_due=D(2025, 5, 19))
    return pupil


def test_the_chronology_tells_the_story_in_date_order_for_each_role(login, dsl, dt_user, head):
    pupil = looked_after_story()
    AttendanceContact.objects.create(pupil=pupil, contacted_on=D(2025, 4, 2), contacted="carer",
                                     agreed="Morning calls", by=dsl)
    SafeguardingNote.objects.create(pupil=pupil, written_by=dsl, text="Demo note for the DSL only")
    entries = chronology.chronology(pupil, dsl, timezone.localdate())
    texts = [e.text for e in entries]
    assert [e.day for e in entries] == sorted((e.day for e in entries), reverse=True)
    assert any(t.startswith("Safeguarding note") for t in texts)
    assert "Attendance concern, Spring 2024/25: 91.0%, down from 97.0%" in texts
    assert "Part-time timetable ended" in texts and "Looked after (CLA) began; social worker Demo Worker" in texts
    assert any(t.startswith("Suspension, incident 3 Mar 2025") for t in texts)
    assert any("PEP" in e.kind for e in entries)
    dt_texts = [e.text for e in chronology.chronology(pupil, dt_user, timezone.localdate())]
    assert not any(t.startswith("Safeguarding note") for t in dt_texts) and len(dt_texts) == len(texts) - 1
    page = login(dt_user).get(reverse("pupils:detail", args=[pupil.pk])).content.decode()
    assert "Attendance concern, Spring 2024/25" in page and "Demo note for the DSL only" not in page


def test_the_chronology_takes_the_same_queries_however_long(login, dsl, django_assert_max_num_queries):
    client = login(dsl)
    pupil = looked_after_story()
    SubjectGrade.objects.create(pupil=pupil, academic_year=2019, term="summer", subject="maths", current=3)

    def queries():
        url = reverse("pupils:detail", args=[pupil.pk])
        client.get(url)
        with django_assert_max_num_queries(60) as captured:
            client.get(url)
        return len(captured)

    few = queries()
    for i in range(8):
        PepMeeting.objects.create(pupil=pupil, academic_year=2023 - i, term="summer", meeting_date=D(2023 - i, 6, 1),
                                  status="complete")
        ExclusionConsultation.objects.create(pupil=pupil, incident_date=D(2025, 1, 6 + i), incident="Demo",
                                             proposed_action="suspension")
        AttendanceContact.objects.create(pupil=pupil, contacted_on=D(2025, 2, 1 + i), contacted="carer",
                                         agreed="Demo", by=dsl)
        SubjectGrade.objects.create(pupil=pupil, academic_year=2020 + i, term="summer", subject="maths", current=4)
    assert queries() == few
