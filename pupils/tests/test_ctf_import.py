"""Importing a common transfer file (CTF): read and shown first, then every pupil saved or none.

The files are built here from the CTF's structure (CTfile, Header, CTFpupilData, Pupil), with
synthetic pupils and valid UPNs.
"""

import datetime as dt
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwsw.models import AccessLog
from pupils import ctf
from pupils.models import Pupil, TransitionItem
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from pupils.validators import upn_check_letter

pytestmark = pytest.mark.django_db
URL = reverse("pupils:ctf_import")
LEA, ESTAB = "801", "2000"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0))


def upn(serial):
    body = f"{LEA}{ESTAB}25{serial:03d}"
    return upn_check_letter(body) + body


def pupil_xml(serial, *, first="Crumpet", last="Testington", dob="2013-03-14", entry="2024-09-04", leaving="",
              in_care=None, sen=None, fsm=None, extra=""):
    care = "" if in_care is None else (
        f"<InCare><InCare>{'true' if in_care else 'false'}</InCare><CareAuthority>878</CareAuthority></InCare>")
    sen_xml = "" if sen is None else f"<SENhistory><SEN><StartDate>2024-09-04</StartDate><SENprovision>{sen}" \
                                     "</SENprovision></SEN></SENhistory>"
    fsm_xml = "" if fsm is None else "<FSMhistory><FSMinstance><FSMstartDate>2024-09-04</FSMstartDate>" + (
        "" if fsm else "<FSMendDate>2025-03-31</FSMendDate>") + "<UKcountry>ENG</UKcountry></FSMinstance></FSMhistory>"
    return f"""
    <Pupil>
      <UPN>{upn(serial)}</UPN>
      <Surname>{last}</Surname>
      <Forename>{first}</Forename>
      <DOB>{dob}</DOB>
      <Sex>F</Sex>
      <BasicDetails><NCyearActual>7</NCyearActual>{care}</BasicDetails>
      {sen_xml}{fsm_xml}
      <Attendance><YearData><Year>2024</Year><SessionsPossible>380</SessionsPossible>
        <SessionsAuthorised>10</SessionsAuthorised><SessionsUnauthorised>4</SessionsUnauthorised></YearData></Attendance>
      <SchoolHistory>
        <School><LEA>878</LEA><Estab>2101</Estab><SchoolName>Demo Primary (synthetic)</SchoolName>
          <EntryDate>2017-09-06</EntryDate><LeavingDate>2024-07-19</LeavingDate></School>
        <School><LEA>{LEA}</LEA><Estab>{ESTAB}</Estab><SchoolName>Demo Academy (synthetic)</SchoolName>
          <EntryDate>{entry}</EntryDate>{f"<LeavingDate>{leaving}</LeavingDate>" if leaving else ""}</School>
      </SchoolHistory>
      <StageAssessments><KeyStage><Stage>KS2</Stage></KeyStage></StageAssessments>{extra}
    </Pupil>"""


def ctf_file(*pupils, version="24.0", root="CTfile"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root}>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>{version}</CTFversion>
    <DateTime>2026-03-02T08:00:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>Demo MIS</SupplierID>
    <SourceSchool><LEA>{LEA}</LEA><Estab>{ESTAB}</Estab><SchoolName>Demo Academy (synthetic)</SchoolName>
      <AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>XXX</LEA><Estab>XXXX</Estab></DestSchool>
  </Header>
  <CTFpupilData>{"".join(pupils)}
  </CTFpupilData>
</{root}>""".encode()


def read(client, data):
    return client.post(URL, {"file": SimpleUploadedFile("school.xml", data, content_type="text/xml")})


def confirm(client):
    return client.post(URL, {"confirm": "1"})


def school(n=5):
    return ctf_file(*[pupil_xml(i, first=f"Pupil{i}", sen="K" if i == 1 else "N", fsm=i % 2 == 0)
                      for i in range(1, n + 1)])


def test_it_shows_a_whole_school_then_imports_it_in_one_confirmation(login, dt_user):
    client = login(dt_user)
    response = read(client, school())
    plan = response.context["plan"]
    assert len(plan.new) == 5 and not plan.changed and not Pupil.objects.exists()  # shown, not saved
    body = response.content.decode()
    assert "Nothing is saved yet" in body and "Attendance for 2024" in body  # read, and not imported
    assert "Assessment results for 5 pupils" in body
    assert confirm(client).status_code == 302
    assert Pupil.objects.count() == 5
    first = Pupil.objects.get(upn=upn(1))
    assert (first.first_name, first.date_of_birth, first.admission_date, first.sen_status) == (
        "Pupil1", dt.date(2013, 3, 14), dt.date(2024, 9, 4), "K")  # this school's entry date, not the primary's
    assert Pupil.objects.get(upn=upn(2)).fsm_eligible and not first.fsm_eligible
    assert AccessLog.objects.filter(code="ctf.imported").values("pupil").distinct().count() == 5


def test_a_second_import_of_the_same_file_changes_nothing(login, dt_user):
    client = login(dt_user)
    read(client, school())
    confirm(client)
    plan = read(client, school()).context["plan"]
    assert (len(plan.new), len(plan.changed), plan.unchanged) == (0, 0, 5)


def test_it_lists_what_changed_before_saving_it(login, dt_user):
    PupilFactory(upn=upn(1), first_name="Old", last_name="Testington", date_of_birth=dt.date(2013, 3, 14),
                 admission_date=dt.date(2024, 9, 4))
    client = login(dt_user)
    plan = read(client, ctf_file(pupil_xml(1, first="New"))).context["plan"]
    assert plan.changed[0][1] == ["First name: Old → New"]
    assert Pupil.objects.get().first_name == "Old"
    confirm(client)
    assert Pupil.objects.get().first_name == "New"


def test_it_lists_a_pupil_in_care_with_no_looked_after_episode_here(login, dt_user):
    recorded = CareEpisodeFactory(kind="CLA", start_date=dt.date(2025, 1, 6), pupil__upn=upn(2),
                                  pupil__admission_date=dt.date(2024, 9, 4)).pupil
    client = login(dt_user)
    response = read(client, ctf_file(pupil_xml(1, in_care=True), pupil_xml(2, in_care=True,
                                                                           first=recorded.first_name,
                                                                           last=recorded.last_name),
                                     pupil_xml(3, in_care=False)))
    assert [p.upn for p in response.context["plan"].in_care_to_record] == [upn(1)]
    assert "in the care of authority 878" in response.content.decode()
    confirm(client)
    assert Pupil.objects.get(upn=upn(1)).cohort_category() is None  # the DT records the episode and its start


def test_a_leaver_in_the_file_starts_the_leaving_checklist(login, dt_user):
    pupil = CareEpisodeFactory(kind="CIN", start_date=dt.date(2025, 1, 6), pupil__upn=upn(1),
                               pupil__first_name="Crumpet", pupil__last_name="Testington",
                               pupil__date_of_birth=dt.date(2013, 3, 14),
                               pupil__admission_date=dt.date(2024, 9, 4)).pupil
    client = login(dt_user)
    plan = read(client, ctf_file(pupil_xml(1, leaving="2026-02-27"))).context["plan"]
    assert [p.upn for p in plan.leavers] == [upn(1)]
    confirm(client)
    pupil.refresh_from_db()
    assert pupil.leaving_date == dt.date(2026, 2, 27)
    assert TransitionItem.objects.filter(pupil=pupil).exists()


def test_it_reads_one_pupil_s_file(login, dt_user):
    client = login(dt_user)
    read(client, ctf_file(pupil_xml(7)))
    confirm(client)
    assert list(Pupil.objects.values_list("upn", flat=True)) == [upn(7)]


@pytest.mark.parametrize("version", ["20.0", "21.0", "22.0", "23.0", "24.0", "25.0"])
def test_it_reads_each_version_from_ctf_20(login, dt_user, version):
    assert len(read(login(dt_user), ctf_file(pupil_xml(1), version=version)).context["plan"].new) == 1


def test_it_reads_a_file_whose_elements_are_in_a_namespace():
    data = ctf_file(pupil_xml(1)).replace(b"<CTfile>", b'<CTfile xmlns="urn:example:ctf">')
    assert [p.upn for p in ctf.ctf_read(data).pupils] == [upn(1)]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<CTfile><Header><CTFversion>24.0</CTFversion></Header><CTFpupilData><Pupil><Surname>&b;</Surname></Pupil>
</CTFpupilData></CTfile>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CTfile><Header><CTFversion>24.0</CTFversion></Header><CTFpupilData><Pupil><Surname>&secret;</Surname></Pupil>
</CTFpupilData></CTfile>"""


@pytest.mark.parametrize(("data", "message"), [
    (b"UPN,Surname\nA,B\n", "not a well-formed XML file"),
    (ctf_file(pupil_xml(1))[:-40], "not a well-formed XML file"),
    (ctf_file(pupil_xml(1), root="Pupils"), "not a common transfer file"),
    (ctf_file(pupil_xml(1), version="19.0"), "the register reads CTF 20 and later"),
    (ctf_file(pupil_xml(1), version=""), "the register reads CTF 20 and later"),
    (ctf_file(), "no pupils"),
    (BILLION_LAUGHS, "a DTD, an entity or an external reference"),
    (EXTERNAL, "a DTD, an entity or an external reference"),
    (ctf_file(pupil_xml(1, dob="14/03/2013")), "Date of birth '14/03/2013' is not a date"),
    (ctf_file(pupil_xml(1, first="")), "No Forename"),
    (ctf_file(pupil_xml(1, sen="X")), "SEN provision 'X'"),
])
def test_it_refuses_a_broken_or_hostile_file_and_saves_nothing(login, dt_user, data, message):
    client = login(dt_user)
    response = read(client, data)
    assert message in html.unescape(response.content.decode())
    assert confirm(client).status_code == 302 and not Pupil.objects.exists()  # nothing was kept to confirm


def test_it_says_on_which_line_a_bad_pupil_is():
    data = ctf_file(pupil_xml(1), pupil_xml(2, dob=""))
    second = [n for n, text in enumerate(data.decode().splitlines(), start=1) if "<Pupil>" in text][1]
    result = ctf.ctf_read(data)
    assert not result.ok and result.errors == [f"Line {second} ({upn(2)}): No DOB."]


def test_it_refuses_a_file_with_one_bad_pupil_among_good_ones(login, dt_user):
    bad_upn = pupil_xml(2).replace(upn(2), "C801200025002")
    response = read(login(dt_user), ctf_file(pupil_xml(1), bad_upn, pupil_xml(3)))
    assert "check letter" in response.content.decode()
    assert not Pupil.objects.exists() and "import-preview" not in response.content.decode()


def test_it_refuses_a_huge_file_before_reading_it(login, dt_user, monkeypatch):
    from pupils.forms import CtfImportForm

    monkeypatch.setattr(CtfImportForm, "max_bytes", 1000)
    response = read(login(dt_user), school(5))
    assert "larger than" in str(response.context["form"].errors["file"]) and not Pupil.objects.exists()
    monkeypatch.setattr(ctf, "MAX_BYTES", 1000)  # and the reader itself, whoever calls it
    assert "larger than" in ctf.ctf_read(school(5)).errors[0]


def test_it_saves_nothing_if_the_register_changed_since_the_preview(login, dt_user):
    client = login(dt_user)
    read(client, ctf_file(pupil_xml(1), pupil_xml(2)))
    # Meanwhile a colleague adds the second pupil by hand, as having left before the file says they joined.
    PupilFactory(upn=upn(2), date_of_birth=dt.date(2013, 3, 14), admission_date=dt.date(2020, 9, 2),
                 leaving_date=dt.date(2024, 6, 1))
    response = confirm(client)
    assert "Nothing was saved" in response.content.decode()
    assert not Pupil.objects.filter(upn=upn(1)).exists()


def test_only_the_roles_that_import_may_use_it(login, staff, governor):
    for user in (staff, governor):
        assert login(user).get(URL).status_code == 403
