"""The common transfer file (CTF): the DfE's XML file of pupils that every English MIS exports and imports.

`ctf_read` reads a file into plain values (nothing is saved), `ctf_plan` compares them with the register
(new pupils, changed details, pupils the file says are in care with no open looked-after episode here,
leavers) and `ctf_import_save` saves them, all or nothing, once the user has confirmed what the plan showed.

The file is parsed with defusedxml: a DTD, an entity or an external reference (the XML tricks behind
"billion laughs" and file disclosure) is refused before anything is read, and so is a file over
MAX_BYTES. Elements are found by their local names, so a namespace or an element this reader does not use
changes nothing. Read from the file, per pupil: UPN, Forename, Surname, DOB; the entry and leaving dates of
the school that made the file (its SchoolHistory entry for the header's SourceSchool); the SEN provision
in force (SENhistory); free school meals (FSMhistory); InCare with its CareAuthority. A CTF carries
attendance as whole-year totals, which the register (by term, or by daily marks) cannot split, so it is
listed as not imported; assessment results (KS2 among them) are listed as not read, since their subject
and component codes have not been checked here against the DfE's specification: the attainment CSV takes
KS2 scaled scores.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cwsw.models import AccessLog

from . import cohort
from .derived import derived_rebuild
from .models import SEN_CHOICES, CareEpisode, Pupil

MAX_BYTES = 20 * 1024 * 1024
ASSESSMENT_ELEMENTS = {"StageAssessments", "StageAssessment", "AssessmentResults", "KeyStage"}
OLDEST_VERSION = 20  # CTF 20 (2019/20) onwards
SEN_CODES = {code for code, _ in SEN_CHOICES}
TRUE_WORDS, FALSE_WORDS = {"true", "1", "y", "yes"}, {"false", "0", "n", "no"}


@dataclass
class CtfPupil:
    """One pupil as the file gives them: plain values, kept in the session between preview and save."""

    line: int
    upn: str
    first_name: str
    last_name: str
    date_of_birth: str  # ISO dates as text: the session stores JSON
    admission_date: str = ""
    leaving_date: str = ""
    sen_status: str = ""  # "" when the file does not say
    fsm_eligible: bool | None = None
    in_care: bool | None = None
    care_authority: str = ""

    @property
    def name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def born(self) -> dt.date | None:
        return dt.date.fromisoformat(self.date_of_birth) if self.date_of_birth else None

    @property
    def admitted(self) -> dt.date | None:
        return dt.date.fromisoformat(self.admission_date) if self.admission_date else None

    @property
    def leaving(self) -> dt.date | None:
        return dt.date.fromisoformat(self.leaving_date) if self.leaving_date else None


@dataclass
class CtfFile:
    version: str = ""
    school: str = ""
    pupils: list[CtfPupil] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the file cannot be used at all
    not_imported: list[str] = field(default_factory=list)  # read, and not something the register keeps

    @property
    def ok(self) -> bool:
        return not self.errors


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _find(element: Element, name: str) -> Element | None:
    """The first element of this name anywhere below (a pupil's InCare sits in BasicDetails in some versions)."""
    return next((e for e in element.iter() if e is not element and _local(e.tag) == name), None)


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


class _LineTarget(TreeBuilder):
    """A tree builder that notes the line each element starts on, for messages that say where to look."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        expat = getattr(self.parser, "parser", None)
        self.lines[id(element)] = getattr(expat, "CurrentLineNumber", 0)
        return element


def _parse(data: bytes) -> tuple[Element, dict[int, int]]:
    target = _LineTarget()
    parser = safe_xml.DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    target.parser = parser
    parser.feed(data)
    return parser.close(), target.lines


def _date(text: str, what: str) -> str:
    if not text:
        return ""
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError(f"{what} '{text}' is not a date (a CTF writes YYYY-MM-DD).") from None
    return day.isoformat()


def _boolean(text: str) -> bool | None:
    word = text.lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _sen(pupil: Element) -> str:
    """The SEN provision in force: the latest SENhistory entry's, or a SENprovision given alone."""
    entries = []
    for entry in _children(_find(pupil, "SENhistory"), "SEN"):
        provision = _text(_child(entry, "SENprovision")).upper()
        if provision:
            entries.append((_text(_child(entry, "StartDate")), provision))
    provision = max(entries)[1] if entries else _text(_find(pupil, "SENprovision")).upper()
    if provision and provision not in SEN_CODES:
        raise ValidationError(f"SEN provision '{provision}' is not one of N, K or E.")
    return provision


def _fsm(pupil: Element, today: dt.date) -> bool | None:
    """Eligible for free school meals today: an FSM period that has begun and not ended; None if not said."""
    history = _find(pupil, "FSMhistory")
    if history is None:
        return None
    for period in history.iter():
        if _local(period.tag) != "FSMinstance":
            continue
        start, end = _text(_child(period, "FSMstartDate")), _text(_child(period, "FSMendDate"))
        if start and start[:10] <= today.isoformat() and (not end or end[:10] >= today.isoformat()):
            return True
    return False


def _in_care(pupil: Element) -> tuple[bool | None, str]:
    """InCare as true or false (in some versions an InCare element holding InCare and CareAuthority)."""
    element = _find(pupil, "InCare")
    if element is None:
        return None, ""
    inner = _child(element, "InCare")
    flag = _boolean(_text(inner if inner is not None else element))
    return flag, _text(_child(element, "CareAuthority")) or _text(_find(pupil, "CareAuthority"))


def _school_dates(pupil: Element, lea: str, estab: str) -> tuple[str, str]:
    """Entry and leaving dates at the school that made the file, from its SchoolHistory entry."""
    for school in _children(_find(pupil, "SchoolHistory"), "School"):
        if (_text(_child(school, "LEA")), _text(_child(school, "Estab"))) == (lea, estab):
            return (_date(_text(_child(school, "EntryDate")), "Entry date"),
                    _date(_text(_child(school, "LeavingDate")), "Leaving date"))
    return "", ""


def _pupil(element: Element, line: int, lea: str, estab: str, today: dt.date) -> CtfPupil:
    upn = _text(_child(element, "UPN")).upper()
    first, last = _text(_child(element, "Forename")), _text(_child(element, "Surname"))
    born = _text(_child(element, "DOB"))
    missing = [label for label, value in (("UPN", upn), ("Forename", first), ("Surname", last), ("DOB", born))
               if not value]
    if missing:
        raise ValidationError(f"No {', '.join(missing)}.")
    admitted, left = _school_dates(element, lea, estab)
    in_care, authority = _in_care(element)
    return CtfPupil(
        line=line, upn=upn, first_name=first, last_name=last,
        date_of_birth=_date(born, "Date of birth"),
        admission_date=admitted, leaving_date=left, sen_status=_sen(element), fsm_eligible=_fsm(element, today),
        in_care=in_care, care_authority=authority,
    )


def ctf_read(data: bytes, today: dt.date | None = None) -> CtfFile:
    """Read a CTF into plain values; `errors` says why a file cannot be used (then no pupil is read)."""
    today = today or timezone.localdate()
    result = CtfFile()
    if len(data) > MAX_BYTES:
        result.errors.append(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB, more than a CTF of a "
                             "whole school needs; export it again from the MIS.")
        return result
    try:
        root, lines = _parse(data)
    except DefusedXmlException:
        result.errors.append("The file uses an XML feature a CTF never needs (a DTD, an entity or an external "
                             "reference), so it was not read. Export the CTF again from the MIS.")
        return result
    except ParseError as error:
        result.errors.append(f"The file is not a well-formed XML file ({error}), so it is not a CTF. Check that "
                             "it is the .xml file the MIS exported, not a zipped or renamed one.")
        return result
    header = _child(root, "Header")
    if _local(root.tag) != "CTfile" or header is None:
        result.errors.append("The file is XML but not a common transfer file (it has no CTfile and Header).")
        return result
    result.version = _text(_child(header, "CTFversion"))
    match = re.match(r"(\d+)", result.version)
    if match is None or int(match.group(1)) < OLDEST_VERSION:
        result.errors.append(f"The file is CTF version '{result.version or 'not given'}'; the register reads "
                             f"CTF {OLDEST_VERSION} and later. Export it again from an up-to-date MIS.")
        return result
    source = _child(header, "SourceSchool")
    lea, estab = _text(_child(source, "LEA")), _text(_child(source, "Estab"))
    result.school = " ".join(part for part in (_text(_child(source, "SchoolName")), f"({lea}/{estab})") if part)
    years_of_attendance, assessed = set(), 0
    for element in root.iter():
        if _local(element.tag) != "Pupil":
            continue
        line = lines.get(id(element), 0)
        try:
            result.pupils.append(_pupil(element, line, lea, estab, today))
        except ValidationError as error:
            upn = _text(_child(element, "UPN")) or "no UPN"
            result.errors.append(f"Line {line} ({upn}): {' '.join(error.messages)}")
        years_of_attendance |= {_text(_child(y, "Year")) for y in element.iter() if _local(y.tag) == "YearData"}
        assessed += any(_local(e.tag) in ASSESSMENT_ELEMENTS for e in element.iter())
    if not result.pupils and not result.errors:
        result.errors.append("The file has no pupils in it.")
    years_of_attendance.discard("")
    if years_of_attendance:
        result.not_imported.append(
            f"Attendance for {', '.join(sorted(years_of_attendance))}: a CTF gives each year's totals, and the "
            "register keeps attendance by term; import the daily marks or the termly figures instead.")
    if assessed:
        result.not_imported.append(
            f"Assessment results for {assessed} pupil{'s' if assessed != 1 else ''} (KS2 and others): not read from a "
            "CTF yet; import KS2 scaled scores with the attainment CSV (Import attendance and attainment).")
    return result


# --- What an import would do, and doing it ---------------------------------------------

COMPARED = (("first_name", "First name"), ("last_name", "Last name"), ("date_of_birth", "Date of birth"),
            ("admission_date", "Admission date"), ("leaving_date", "Leaving date"), ("sen_status", "SEN"),
            ("fsm_eligible", "FSM"))


@dataclass
class CtfPlan:
    new: list[CtfPupil] = field(default_factory=list)
    changed: list[tuple[CtfPupil, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[CtfPupil] = field(default_factory=list)
    in_care_to_record: list[CtfPupil] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    records: list[Pupil] = field(default_factory=list)  # built and checked, not saved

    @property
    def ok(self) -> bool:
        return not self.problems


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.strftime("%-d %b %Y") if isinstance(value, dt.date) else str(value)


def _apply(record: Pupil, pupil: CtfPupil) -> list[str]:
    """Set the file's values on the record; return what changed, in words."""
    values: dict[str, Any] = {"first_name": pupil.first_name, "last_name": pupil.last_name,
                              "date_of_birth": pupil.born}
    if pupil.admitted:
        values["admission_date"] = pupil.admitted
    if pupil.leaving:
        values["leaving_date"] = pupil.leaving
    if pupil.sen_status:
        values["sen_status"] = pupil.sen_status
    if pupil.fsm_eligible is not None:
        values["fsm_eligible"] = pupil.fsm_eligible
    changes = []
    for name, label in COMPARED:
        if name in values and getattr(record, name) != values[name]:
            if record.pk:
                changes.append(f"{label}: {_shown(getattr(record, name))} → {_shown(values[name])}")
            setattr(record, name, values[name])
    return changes


def ctf_plan(pupils: list[CtfPupil]) -> CtfPlan:
    """What importing these pupils would create and change, and what each pupil's record would then say."""
    plan = CtfPlan()
    existing = Pupil.objects.in_bulk([p.upn for p in pupils], field_name="upn")
    looked_after_now = set(CareEpisode.objects.filter(
        pupil__upn__in=[p.upn for p in pupils if p.in_care], kind=cohort.CLA, end_date__isnull=True,
    ).values_list("pupil__upn", flat=True))
    seen: dict[str, int] = {}
    for pupil in pupils:
        if pupil.upn in seen:
            plan.problems.append(f"Line {pupil.line}: UPN {pupil.upn} is also on line {seen[pupil.upn]}.")
            continue
        seen[pupil.upn] = pupil.line
        record = existing.get(pupil.upn) or Pupil(upn=pupil.upn)
        was_leaving = record.leaving_date
        changes = _apply(record, pupil)
        if record.pk is None and record.admission_date is None:
            plan.problems.append(f"Line {pupil.line} ({pupil.upn}, {pupil.name}): the file gives no entry date at "
                                 "this school, and a new pupil needs an admission date.")
            continue
        try:
            record.full_clean(validate_unique=record.pk is None)
        except ValidationError as error:
            messages = "; ".join(m for ms in error.message_dict.values() for m in ms)
            plan.problems.append(f"Line {pupil.line} ({pupil.upn}, {pupil.name}): {messages}")
            continue
        plan.records.append(record)
        if record.pk is None:
            plan.new.append(pupil)
        elif changes:
            plan.changed.append((pupil, changes))
        else:
            plan.unchanged += 1
        if record.leaving_date and record.leaving_date != was_leaving:
            plan.leavers.append(pupil)
        if pupil.in_care and pupil.upn not in looked_after_now:
            plan.in_care_to_record.append(pupil)
    return plan


def ctf_import_save(*, pupils: list[CtfPupil], by: Any) -> CtfPlan:
    """Save what the plan shows, every pupil or none; the plan is worked out again here, so a colleague's
    change since the preview is compared, not overwritten unseen. Raises ValidationError listing the
    problems, with nothing saved."""
    try:
        with transaction.atomic():
            plan = ctf_plan(pupils)
            if not plan.ok:
                raise ValidationError(plan.problems)
            for record in plan.records:
                record.save()
            derived_rebuild(record.pk for record in plan.records)  # leavers' checklists, what is due...
            AccessLog.record(user=by, code="ctf.imported", pupils=plan.records)
    except IntegrityError:
        raise ValidationError("Someone else saved some of these pupils at the same moment, so nothing from this "
                              "file was saved. Import it again: it will update them.") from None
    return plan


def pupils_to_session(pupils: list[CtfPupil]) -> list[dict[str, Any]]:
    return [asdict(p) for p in pupils]


def pupils_from_session(rows: list[dict[str, Any]]) -> list[CtfPupil]:
    return [CtfPupil(**row) for row in rows]
