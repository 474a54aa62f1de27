"""No file makes an import fail with a server error: each is imported whole, or refused with a reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pupils import mis
from pupils.models import Pupil

pytestmark = pytest.mark.django_db
HEADER = "UPN,Forename,Legal Surname,DOB,Admission Date,SEN,FSM\r\n"
GOOD = "B801200005001,Muffin,Testington,14/03/2013,04/09/2024,K,Y\r\n"


def upload(client, data: bytes):
    return client.post(reverse("pupils:import"), {"file": SimpleUploadedFile("mis.csv", data, "text/csv")})


def errors_for(data: bytes):
    return mis.pupils_import(data=data, by=None).errors  # refused before anything is saved or logged


@pytest.mark.parametrize("row, message", [
    ("B801200005001,Muffin,Testington\r\n", "Line 2 has fewer cells (3) than the header (7)"),
    (GOOD.strip() + ",extra\r\n", "Line 2 has more cells (8) than the header (7)"),
    ('B801200005001,"Muffin,Testington,14/03/2013,04/09/2024,K,Y\r\n', "a quote"),
])
def test_it_says_which_line_is_short_long_or_badly_quoted(row, message):
    errors = errors_for((HEADER + row).encode())
    assert message in errors[0][1]
    assert not Pupil.objects.exists()


def test_it_refuses_nul_bytes():
    errors = errors_for((HEADER + GOOD.replace("Muffin", "Muf\x00fin")).encode())
    assert "NUL characters" in errors[0][1] and not Pupil.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "cp1252"])
def test_it_reads_the_encodings_spreadsheets_save_in(encoding, dt_user):
    result = mis.pupils_import(data=(HEADER + GOOD.replace("Muffin", "Zoë")).encode(encoding), by=dt_user)
    assert result.ok, result.errors
    assert Pupil.objects.get().first_name == "Zoë"


def test_it_tells_the_second_of_two_imports_at_once_to_try_again(monkeypatch, dt_user):
    def clash(self, *args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Pupil, "save", clash)  # the other import saved the same UPN first
    result = mis.pupils_import(data=(HEADER + GOOD).encode(), by=dt_user)
    assert "saved some of these records at the same moment" in result.errors[0][1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: (HEADER + t).encode("utf-8", "replace")))
def test_it_never_fails_with_a_server_error_whatever_the_file(login, dt_user, data):
    assert upload(login(dt_user), data).status_code in (200, 302)
