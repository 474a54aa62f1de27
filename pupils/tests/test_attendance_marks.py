"""Daily attendance marks: the DfE codes, a term's figures counted from them, severe absence, and
"tell the social worker" for a pupil with a social worker absent with no reason."""

import datetime as dt
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwsw.models import AccessLog
from pupils import attendance_codes as codes
from pupils.models import AttendanceMark, AttendanceRecord, DueItem, is_persistently_absent, is_severely_absent
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
URL = reverse("pupils:marks_import")
TODAY = dt.date(2026, 3, 4)  # a Wednesday in the spring term (default dates: 1 January to Easter Sunday)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 4, 16, 0))


def csv(*rows, header="UPN,Date,Session,Code"):
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode()


def read(client, data):
    return client.post(URL, {"file": SimpleUploadedFile("marks.csv", data, content_type="text/csv")})


def confirm(client):
    return client.post(URL, {"confirm": "1"})


# One of each way a mark can count, over five school days (Monday 23 February to Friday 27 February).
WEEK = ["/", "\\", "L", "B", "I", "N", "Y1", "C2", "K", "G"]


def week_of(pupil):
    days = [dt.date(2026, 2, 23) + dt.timedelta(days=i) for i in range(5)]
    return [(pupil.upn, f"{day:%d/%m/%Y}", session, code)
            for (day, session), code in zip([(d, s) for d in days for s in ("AM", "PM")], WEEK, strict=True)]


def test_it_counts_sessions_the_dfe_way_on_a_hand_worked_week():
    # Y1 is not a possible session: 9 possible. Attended: / \ L (present) and B K (approved activity): 5.
    # Missed: I C2 (authorised) and N G (unauthorised): 4. Attendance 5 / 9 = 55.6%.
    assert codes.sessions(WEEK) == (9, 5)
    assert {codes.kind_of(c) for c in WEEK} == set(codes.KIND_LABELS)


def test_a_term_of_marks_becomes_the_term_s_attendance(login, dt_user):
    pupil = PupilFactory(admission_date=dt.date(2024, 9, 4))
    client = login(dt_user)
    response = read(client, csv(*week_of(pupil)))
    assert response.context["result"].ok and not AttendanceMark.objects.exists()  # shown, not saved
    assert confirm(client).status_code == 302
    record = AttendanceRecord.objects.get(pupil=pupil, academic_year=2025, term="spring")
    assert (record.possible_sessions, record.attended_sessions, record.from_marks) == (9, 5, True)
    assert str(record.percentage) == "55.6" and record.persistently_absent and not record.severely_absent
    assert AccessLog.objects.filter(code="marks.imported", pupil=pupil).exists()


def test_severe_absence_starts_at_exactly_half_the_sessions_missed():
    assert is_severely_absent(attended=5, possible=10) and is_persistently_absent(attended=5, possible=10)
    assert not is_severely_absent(attended=6, possible=10)
    assert is_severely_absent(attended=0, possible=1) and not is_severely_absent(attended=0, possible=0)
    assert AttendanceRecord(possible_sessions=140, attended_sessions=70).severely_absent


def test_importing_a_session_again_replaces_its_mark(login, dt_user):
    pupil = PupilFactory(admission_date=dt.date(2024, 9, 4))
    client = login(dt_user)
    read(client, csv((pupil.upn, "02/03/2026", "AM", "N"), (pupil.upn, "02/03/2026", "PM", "N")))
    confirm(client)
    read(client, csv((pupil.upn, "02/03/2026", "AM", "I")))  # the reason came in: illness
    confirm(client)
    assert dict(AttendanceMark.objects.values_list("session", "code")) == {"am": "I", "pm": "N"}
    record = AttendanceRecord.objects.get(pupil=pupil)
    assert (record.possible_sessions, record.attended_sessions) == (2, 0)


@pytest.mark.parametrize(("row", "message"), [
    (("{upn}", "02/03/2026", "AM", "H"), "H (holiday authorised) is no longer a code"),
    (("{upn}", "02/03/2026", "AM", "ZZ"), "is not one of the DfE's attendance codes"),
    (("{upn}", "05/03/2026", "AM", "/"), "is in the future"),
    (("{upn}", "02/03/2026", "Evening", "/"), "should be AM or PM"),
    (("{upn}", "2nd March", "AM", "/"), "is not a date"),
    (("B801200005001", "02/03/2026", "AM", "/"), "is not on the register"),
])
def test_it_refuses_a_file_with_a_bad_line_and_saves_nothing(login, dt_user, row, message):
    pupil = PupilFactory(upn="W801200025001", admission_date=dt.date(2024, 9, 4))
    client = login(dt_user)
    good = (pupil.upn, "02/03/2026", "PM", "/")
    response = read(client, csv(good, tuple(cell.format(upn=pupil.upn) for cell in row)))
    body = html.unescape(response.content.decode())
    assert "Line 3: " in body and message in body
    assert confirm(client).status_code == 302 and not AttendanceMark.objects.exists()


def test_it_refuses_the_same_session_twice_in_one_file(login, dt_user):
    pupil = PupilFactory(admission_date=dt.date(2024, 9, 4))
    response = read(login(dt_user), csv((pupil.upn, "02/03/2026", "AM", "/"), (pupil.upn, "2026-03-02", "am", "N")))
    assert response.context["result"].errors == [(3, "The same pupil, day and session is also on line 2.")]


def test_an_unexplained_absence_today_is_due_for_the_dsl_until_the_social_worker_is_told(login, dt_user, dsl):
    pupil = CareEpisodeFactory(kind="CP", start_date=dt.date(2025, 9, 8),
                               pupil__admission_date=dt.date(2024, 9, 4)).pupil
    had_one = CareEpisodeFactory(kind="CIN", start_date=dt.date(2020, 1, 6), end_date=dt.date(2021, 1, 6),
                                 pupil__admission_date=dt.date(2024, 9, 4)).pupil  # no social worker now
    client = login(dt_user)
    response = read(client, csv((pupil.upn, "04/03/2026", "AM", "N"), (had_one.upn, "04/03/2026", "AM", "N")))
    assert [p.pk for p, _, _ in response.context["result"].to_tell] == [pupil.pk]
    confirm(client)
    due = DueItem.objects.filter(kind="absence_social_worker")
    assert [(d.pupil_id, d.due) for d in due] == [(pupil.pk, TODAY)]
    assert "tell the social worker" in due.get().note
    board = login(dsl).get(reverse("dashboard")).content.decode()
    assert "tell the social worker" in board
    # A call to the carer does not clear it; one to the social worker does.
    contact = reverse("pupils:record_save", args=[pupil.pk, "contact"])
    client.post(contact, {"contact-contacted_on": "2026-03-04", "contact-contacted": "carer",
                          "contact-agreed": "Carer says unwell."})
    assert DueItem.objects.filter(kind="absence_social_worker").exists()
    client.post(contact, {"contact-contacted_on": "2026-03-04", "contact-contacted": "social_worker",
                          "contact-name": "Demo Worker", "contact-agreed": "Told of the absence."})
    assert not DueItem.objects.filter(kind="absence_social_worker").exists()


def test_a_term_counted_from_marks_cannot_be_typed_over(login, dt_user):
    pupil = PupilFactory(admission_date=dt.date(2024, 9, 4))
    client = login(dt_user)
    read(client, csv(*week_of(pupil)))
    confirm(client)
    response = client.post(reverse("pupils:record_save", args=[pupil.pk, "attendance"]), {
        "attendance-academic_year": "2025", "attendance-term": "spring", "attendance-possible_sessions": "100",
        "attendance-attended_sessions": "99"})
    assert "counted from the daily marks" in html.unescape(response.content.decode())
    assert AttendanceRecord.objects.get(pupil=pupil).possible_sessions == 9


def test_the_records_page_shows_the_term_s_marks_as_a_strip(login, dt_user):
    pupil = PupilFactory(admission_date=dt.date(2024, 9, 4))
    client = login(dt_user)
    read(client, csv(*week_of(pupil)))
    confirm(client)
    response = client.get(reverse("pupils:records", args=[pupil.pk]))
    strip = response.context["strip"]
    monday = next(d for d in strip if d.day == dt.date(2026, 2, 23))
    assert (monday.am.code, monday.pm.code) == ("/", "\\")
    assert strip[-1].day == TODAY and strip[-1].am is None  # school days up to today, marked or not
    body = response.content.decode()
    assert 'data-testid="marks-strip"' in body and "(from the daily marks)" in body


def test_a_pupil_page_without_marks_shows_no_strip(login, dt_user):
    pupil = PupilFactory(admission_date=dt.date(2024, 9, 4))
    assert login(dt_user).get(reverse("pupils:records", args=[pupil.pk])).context["strip"] == []


def test_only_the_roles_that_import_may_use_it(login, staff, governor, dsl):
    for user in (staff, governor):
        assert login(user).get(URL).status_code == 403


def test_the_register_marks_persistent_and_severe_absence_from_the_latest_term(login, dt_user):
    def pupil_with(*terms):
        pupil = CareEpisodeFactory(kind="CIN", start_date=dt.date(2025, 9, 8),
                                   pupil__admission_date=dt.date(2024, 9, 4)).pupil
        for year, term, possible, attended in terms:
            AttendanceRecord.objects.create(pupil=pupil, academic_year=year, term=term, possible_sessions=possible,
                                            attended_sessions=attended)
        return pupil

    severe = pupil_with((2025, "autumn", 100, 98), (2025, "spring", 60, 30))  # exactly half missed this term
    persistent = pupil_with((2025, "spring", 60, 54))  # exactly 90%
    recovered = pupil_with((2025, "autumn", 100, 40), (2025, "spring", 60, 59))
    long_ago = pupil_with((2023, "summer", 100, 10))
    rows = login(dt_user).get(reverse("pupils:list")).context["page"].object_list
    assert {p.pk: p.absence or None for p in rows} == {
        severe.pk: "severe", persistent.pk: "persistent", recovered.pk: None, long_ago.pk: None}


def test_a_school_s_marks_are_saved_a_chunk_of_pupils_at_a_time(login, dt_user, monkeypatch):
    from pupils import marks

    monkeypatch.setattr(marks, "CHUNK", 2)  # five pupils: three chunks, as 1,400 pupils are two of 900
    pupils = [PupilFactory(admission_date=dt.date(2024, 9, 4)) for _ in range(5)]
    client = login(dt_user)
    read(client, csv(*[(p.upn, "02/03/2026", "AM", "N") for p in pupils]))
    confirm(client)
    read(client, csv(*[(p.upn, "02/03/2026", s, "/") for p in pupils for s in ("AM", "PM")]))
    confirm(client)
    assert AttendanceMark.objects.count() == 10 and not AttendanceMark.objects.filter(code="N").exists()
    assert {(r.possible_sessions, r.attended_sessions) for r in AttendanceRecord.objects.all()} == {(2, 2)}
