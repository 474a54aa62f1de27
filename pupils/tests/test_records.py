"""Attendance and attainment per term: entered by hand or imported, all rows or none."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pupils.models import AttainmentRecord, AttendanceRecord
from pupils.tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))


def test_it_derives_attendance_and_persistent_absence():
    record = AttendanceRecord(possible_sessions=120, attended_sessions=107)
    assert record.percentage == Decimal("89.2")
    assert record.persistently_absent
    assert not AttendanceRecord(possible_sessions=100, attended_sessions=91).persistently_absent


def test_it_counts_exactly_90_per_cent_as_persistent_absence():
    # Missing 10% or more is persistent absence: 126 of 140 sessions is 90.0%.
    assert AttendanceRecord(possible_sessions=140, attended_sessions=126).persistently_absent
    assert AttendanceRecord(possible_sessions=100, attended_sessions=90).persistently_absent


def test_it_does_not_round_a_pupil_into_or_out_of_persistent_absence():
    # 9,001 of 10,000 (90.01%) shows as 90.0% but missed under 10%; 8,999 (89.99%) missed over 10%.
    assert not AttendanceRecord(possible_sessions=10000, attended_sessions=9001).persistently_absent
    assert AttendanceRecord(possible_sessions=10000, attended_sessions=8999).persistently_absent


def enter(client, pupil, which, **fields):
    data = {f"{which}-{k}": v for k, v in fields.items()}
    return client.post(reverse("pupils:record_save", args=[pupil.pk, which]), data)


def test_it_lets_the_dt_enter_attendance_and_updates_it_on_a_second_entry(login, dt_user):
    pupil = PupilFactory()
    client = login(dt_user)
    enter(client, pupil, "attendance", academic_year=2025, term="autumn", possible_sessions=60, attended_sessions=50)
    enter(client, pupil, "attendance", academic_year=2025, term="autumn", possible_sessions=60, attended_sessions=58)
    assert AttendanceRecord.objects.get().attended_sessions == 58


def test_it_refuses_more_attended_than_possible(login, dt_user):
    pupil = PupilFactory()
    response = enter(login(dt_user), pupil, "attendance", academic_year=2025, term="autumn",
                     possible_sessions=60, attended_sessions=61)
    assert "cannot be more than possible" in response.context["attendance_form"].errors["attended_sessions"][0]
    assert not AttendanceRecord.objects.exists()


def test_it_refuses_attainment_with_no_subject(login, dt_user):
    response = enter(login(dt_user), PupilFactory(), "attainment", academic_year=2025, term="autumn")
    assert "at least one of reading" in response.context["attainment_form"].non_field_errors()[0]


HEADER = "UPN,Academic year,Term,Possible sessions,Attended sessions,Reading,Writing,Maths\n"


def upload(client, text):
    return client.post(reverse("pupils:records_import"),
                       {"file": SimpleUploadedFile("records.csv", text.encode(), content_type="text/csv")})


def test_it_imports_attendance_and_attainment(login, dt_user):
    pupil = PupilFactory()
    upload(login(dt_user), HEADER + f"{pupil.upn},2025/26,Autumn,60,54,EXP,WTS,GDS\n")
    assert AttendanceRecord.objects.get(pupil=pupil).percentage == Decimal("90.0")
    assert AttainmentRecord.objects.get(pupil=pupil).maths == "gds"


def test_it_imports_nothing_if_a_row_is_bad(login, dt_user):
    pupil = PupilFactory()
    rows = (f"{pupil.upn},2025,autumn,60,54,EXP,,\n"
            f"B801200005001,2025,autumn,60,54,,,\n"
            f"{pupil.upn},2025,winter,60,54,,,\n"
            f"{pupil.upn},2025,spring,60,70,,,\n"
            f"{pupil.upn},2025,summer,60,50,Brilliant,,\n")
    errors = upload(login(dt_user), HEADER + rows).context["result"].errors
    assert [line for line, _ in errors] == [3, 4, 5, 6]
    assert "No pupil with UPN" in errors[0][1]
    assert "should be autumn, spring or summer" in errors[1][1]
    assert "cannot be more than possible" in errors[2][1]
    assert "should be below, WTS, EXP or GDS" in errors[3][1]
    assert not AttendanceRecord.objects.exists() and not AttainmentRecord.objects.exists()


@pytest.mark.parametrize(("year", "saved"), [
    ("2025/26", True), ("2025-26", True), ("2025/2026", True), ("2025", True),
    ("2024/99", False), ("2025/25", False), ("2025/27", False), ("25/26", False), ("2025/26x", False),
])
def test_an_academic_year_that_does_not_follow_on_is_refused_not_read_as_its_first_year(login, dt_user, year, saved):
    pupil = PupilFactory()
    response = upload(login(dt_user), HEADER + f"{pupil.upn},{year},Autumn,60,54,,,\n")
    assert AttendanceRecord.objects.filter(pupil=pupil).exists() is saved
    if saved:
        assert AttendanceRecord.objects.get(pupil=pupil).academic_year == 2025
    else:
        assert f"Academic year '{year}'" in response.context["result"].errors[0][1]


def test_a_file_naming_a_column_twice_is_refused(login, dt_user):
    pupil = PupilFactory()
    other = PupilFactory()
    header = "UPN,Academic year,Term,Possible sessions,Attended sessions,upn\n"
    result = upload(login(dt_user), header + f"{pupil.upn},2025/26,Autumn,60,54,{other.upn}\n").context["result"]
    assert any("names the same column more than once (UPN, upn)" in message for _, message in result.errors)
    assert not AttendanceRecord.objects.exists()
