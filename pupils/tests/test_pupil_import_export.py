import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwsw.models import AccessLog
from pupils.models import Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db

HEADER = "UPN,Forename,Legal Surname,DOB,Admission Date,SEN,FSM\n"
GOOD = "B801200005001,Muffin,Testington,14/03/2013,04/09/2024,K,Y\n"


def upload(client, text, name="mis.csv"):
    data = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("pupils:import"), {"file": data})


def test_it_imports_pupils_from_an_mis_export(login, dt_user):
    response = upload(login(dt_user), HEADER + GOOD)
    pupil = Pupil.objects.get()
    assert response.url == reverse("pupils:list") + "?category=all&ordering=-admitted"
    assert pupil.upn in login(dt_user).get(response.url).content.decode()  # not hidden by the default filter
    assert (pupil.date_of_birth, pupil.sen_status, pupil.fsm_eligible) == (dt.date(2013, 3, 14), "K", True)
    assert AccessLog.objects.filter(pupil=pupil, action="import").exists()


def test_it_updates_a_pupil_already_on_the_register(login, dt_user):
    PupilFactory(upn="B801200005001", first_name="Old")
    upload(login(dt_user), HEADER + GOOD)
    assert Pupil.objects.get().first_name == "Muffin"


def test_it_imports_nothing_if_any_row_is_bad_and_says_which(login, dt_user):
    bad = "C801200005001,Crumpet,Mockworth,99/99/2013,04/09/2024,N,N\n"
    response = upload(login(dt_user), HEADER + GOOD + bad + GOOD.replace("Muffin", "Twin"))
    errors = response.context["result"].errors
    assert not Pupil.objects.exists()
    assert [line for line, _ in errors] == [3, 4]
    assert "is not a date" in errors[0][1]
    assert "also on line 2" in errors[1][1]
    assert "Line 3" in response.content.decode()


def test_it_reports_a_bad_upn_with_its_rule(login, dt_user):
    response = upload(login(dt_user), HEADER + GOOD.replace("B8012", "C8012"))
    expected = "UPN: The check letter is wrong: for these digits it should be B."
    assert response.context["result"].errors == [(2, expected)]


def test_it_reports_missing_columns(login, dt_user):
    response = upload(login(dt_user), "UPN,Forename\nB801200005001,Muffin\n")
    (line, message), = response.context["result"].errors
    assert line == 1 and "last name, date of birth, admission date" in message


def test_it_reports_bad_sen_and_fsm_values(login, dt_user):
    response = upload(login(dt_user), HEADER + GOOD.replace(",K,Y", ",Q,maybe"))
    assert "SEN status 'Q'" in response.context["result"].errors[0][1]


def test_it_reports_an_empty_file(login, dt_user):
    response = upload(login(dt_user), HEADER)
    assert response.context["result"].errors == [(2, "The file has no pupils in it.")]


def test_it_keeps_the_staff_out(login, staff):
    assert upload(login(staff), HEADER + GOOD).status_code == 403
    assert not Pupil.objects.exists()


def read_export(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_exports_the_filtered_register_and_logs_each_pupil(login, dt_user):
    cla = CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 1)).pupil
    CareEpisodeFactory(kind="CIN", start_date=dt.date(2025, 1, 1))
    rows = read_export(login(dt_user).get(reverse("pupils:export"), {"category": "CLA"}))
    assert rows[0][0] == "UPN"
    assert [r[0] for r in rows[1:]] == [cla.upn]
    assert list(AccessLog.objects.filter(action="export").values_list("pupil_id", flat=True)) == [cla.pk]


def test_it_stops_a_spreadsheet_running_a_name_as_a_formula(login, dt_user):
    CareEpisodeFactory(pupil__first_name="=HYPERLINK(\"x\")")
    rows = read_export(login(dt_user).get(reverse("pupils:export")))
    assert rows[1][1].startswith("'=")
