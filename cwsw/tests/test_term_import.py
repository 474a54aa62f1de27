"""Term dates from an .ics file: a preview first, nothing saved until confirmed; broken files refused."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwsw.ics import calendar_import_read
from cwsw.models import Closure, Term

pytestmark = pytest.mark.django_db
D = dt.date
SAMPLE = (Path(__file__).parent / "data" / "term-dates-2025-26.ics").read_bytes()
URL = reverse("cwsw:terms_import")


def ics(*events):
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}@example.invalid\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:{start}\r\n"
        f"DTEND;VALUE=DATE:{end}\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n"
        for i, (title, start, end) in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


TERMS_2025 = [("Autumn term starts", "20250903", "20250904"), ("Autumn term ends", "20251219", "20251220"),
              ("Spring term starts", "20260105", "20260106"), ("Spring term ends", "20260327", "20260328"),
              ("Summer term starts", "20260413", "20260414"), ("Summer term ends", "20260722", "20260723")]


def upload(client, data):
    return client.post(URL, {"file": SimpleUploadedFile("terms.ics", data, content_type="text/calendar")})


def test_it_reads_the_terms_half_terms_and_inset_days_of_the_sample():
    result = calendar_import_read(SAMPLE)
    assert result.ok and [y.academic_year for y in result.years] == [2025]
    terms = {t.name: (t.start, t.end) for t in result.years[0].terms}
    assert terms == {"autumn": (D(2025, 9, 1), D(2025, 12, 19)), "spring": (D(2026, 1, 5), D(2026, 3, 27)),
                     "summer": (D(2026, 4, 13), D(2026, 7, 22))}
    kinds = [(c.start, c.kind) for c in result.years[0].closures]
    assert (D(2025, 10, 27), "half_term") in kinds and (D(2025, 10, 24), "inset") in kinds
    assert any("Parents' evening" in line for line in result.not_understood)


def test_it_shows_a_preview_and_saves_only_when_confirmed(login, dt_user):
    client = login(dt_user)
    preview = upload(client, SAMPLE)
    assert "Nothing is saved yet" in preview.content.decode() and not Term.objects.exists()
    client.post(URL, {"confirm": "1"})
    assert [(t.start_date, t.end_date) for t in Term.objects.filter(name="autumn")] == [(D(2025, 9, 1),
                                                                                         D(2025, 12, 19))]
    assert Closure.objects.filter(academic_year=2025, kind="inset").count() == 4


def test_it_replaces_a_years_dates_when_imported_again(login, dt_user):
    client = login(dt_user)
    upload(client, SAMPLE)
    client.post(URL, {"confirm": "1"})
    upload(client, ics(*TERMS_2025))
    client.post(URL, {"confirm": "1"})
    assert Term.objects.get(academic_year=2025, name="autumn").start_date == D(2025, 9, 3)
    assert not Closure.objects.exists()


def test_it_works_out_a_half_term_between_the_two_parts_of_a_term():
    result = calendar_import_read(ics(("Autumn 1 starts", "20250903", "20250904"),
                                      ("Autumn 1 ends", "20251024", "20251025"),
                                      ("Autumn 2 starts", "20251103", "20251104"), *TERMS_2025[1:]))
    assert result.ok, result.errors
    assert [(c.start, c.end) for c in result.years[0].closures] == [(D(2025, 10, 25), D(2025, 11, 2))]


@pytest.mark.parametrize("data, message", [
    (b"This is a letter to parents, not a calendar.", "not an iCalendar"),
    (ics(("Staff party", "20251219", "20251220")), "No term dates were found"),
    (ics(*TERMS_2025[:2], ("Spring term starts", "20251201", "20251202"), *TERMS_2025[3:]), "the terms overlap"),
    (ics(*TERMS_2025[:5], ("Summer term ends", "20260930", "20261001")), "inside the academic year"),
    (ics(*TERMS_2025[:5]), "no end for the summer term"),
])
def test_it_refuses_a_broken_file_with_a_clear_message_and_saves_nothing(login, dt_user, data, message):
    response = upload(login(dt_user), data)
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert login(dt_user).post(URL, {"confirm": "1"}).status_code == 302
    assert not Term.objects.exists() and not Closure.objects.exists()


def test_it_saves_term_dates_with_their_closures_by_hand(login, dt_user):
    data = {"autumn_start": "2025-09-03", "autumn_end": "2025-12-19", "spring_start": "2026-01-05",
            "spring_end": "2026-03-27", "summer_start": "2026-04-13", "summer_end": "2026-07-22",
            "closures-TOTAL_FORMS": "2", "closures-INITIAL_FORMS": "0",
            "closures-0-start_date": "2025-10-27", "closures-0-end_date": "2025-10-31", "closures-0-kind": "half_term",
            "closures-1-start_date": "2025-08-01", "closures-1-end_date": "2025-08-01", "closures-1-kind": "inset"}
    response = login(dt_user).post(reverse("cwsw:terms_year", args=[2025]), data)
    assert "must fall inside one of the terms" in response.content.decode() and not Term.objects.exists()
    data.update({"closures-1-start_date": "2026-01-05", "closures-1-end_date": "2026-01-05"})
    login(dt_user).post(reverse("cwsw:terms_year", args=[2025]), data)
    calendar = Term.calendar()
    assert not calendar.is_school_day(D(2025, 10, 28)) and not calendar.is_school_day(D(2026, 1, 5))
    assert calendar.add_school_days(D(2025, 10, 13), 20) == D(2025, 11, 17)


def test_it_prompts_the_dt_while_the_year_runs_on_defaults(login, dt_user, dsl, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    assert 'data-testid="calendar-prompt"' in login(dt_user).get(reverse("dashboard")).content.decode()
    assert 'data-testid="calendar-prompt"' not in login(dsl).get(reverse("dashboard")).content.decode()
    for year in (2025, 2026):
        for name, start, end in (("autumn", D(year, 9, 3), D(year, 12, 18)),
                                 ("spring", D(year + 1, 1, 5), D(year + 1, 3, 26)),
                                 ("summer", D(year + 1, 4, 13), D(year + 1, 7, 21))):
            Term.objects.create(academic_year=year, name=name, start_date=start, end_date=end)
    assert 'data-testid="calendar-prompt"' not in login(dt_user).get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("dtstart", [
    "DTSTART;VALUE=DATE:2027-10-25",  # dashes where iCalendar has none
    "DTSTART:garbage",
    "DTSTART:99991231",  # the last day there is: a day after it overflows
    "DTSTART;VALUE=DATE:18991231",
    "DTSTART:T101010",  # a time with no day
])
def test_an_event_whose_date_cannot_be_read_is_named_and_nothing_is_saved(login, dt_user, dtstart):
    hostile = ics(*TERMS_2025).replace(b"DTSTART;VALUE=DATE:20250903", dtstart.encode())
    response = upload(login(dt_user), hostile)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Some events have dates that cannot be read or are not plausible (“Autumn term starts”)" in page
    assert not Term.objects.exists()
