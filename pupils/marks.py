"""Daily attendance marks from the MIS: a CSV of UPN, date, session (AM or PM) and the DfE code.

`marks_read` checks every line and says what the file holds (nothing saved); `marks_save` saves the marks,
every line or none, replacing a session's mark imported before, and works each touched term's attendance
out again from its marks (`term_figures_rebuild`): that term's `AttendanceRecord` is then the marks' count
(`attendance_codes.sessions`), marked `from_marks`, and the per-term figures typed or imported as CSV go on
working for the terms with no marks. The pupils' derived facts (attendance concerns, "what is due",
including "tell the social worker" for an unexplained or unauthorised absence) are rebuilt in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cwsw.models import AccessLog, Term
from cwsw.terms import SchoolCalendar, TermDates

from . import attendance_codes as codes
from . import cohort
from .derived import derived_rebuild
from .mis import FileRefused, parse_date, read_checked_rows
from .models import AttendanceMark, AttendanceRecord, CategorySpell, Pupil

MARK_HEADERS = {
    "upn": "upn", "unique pupil number": "upn",
    "date": "date", "attendance date": "date",
    "session": "session", "am/pm": "session", "am pm": "session",
    "code": "code", "mark": "code", "attendance code": "code", "attendance mark": "code",
}
MARK_COLUMNS = ("upn", "date", "session", "code")
SESSION_WORDS = {"am": "am", "a": "am", "morning": "am", "pm": "pm", "p": "pm", "afternoon": "pm"}
CHUNK = 900  # pupils (or marks) in one query: SQLite takes so many parameters
MAX_MARKS = 60_000  # kept in the session between reading and saving: a month of a 1,400-pupil school


@dataclass
class MarksFile:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # upn, ISO date, session, code
    errors: list[tuple[int, str]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    pupils: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    # Absences with no reason or without leave, of pupils with a social worker on the day: (pupil, day, code).
    to_tell: list[tuple[Pupil, dt.date, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _code(text: str) -> str:
    code = text.strip().upper()
    if code in codes.CODES:
        return code
    if code in codes.RETIRED:
        raise ValidationError(codes.RETIRED[code])
    raise ValidationError(f"Code '{text.strip()}' is not one of the DfE's attendance codes.")


def marks_read(data: bytes, *, today: dt.date | None = None, calendar: SchoolCalendar | None = None) -> MarksFile:
    """Check every line of a marks file and say what it holds; nothing is saved."""
    today = today or timezone.localdate()
    calendar = calendar or Term.calendar()
    result = MarksFile()
    try:
        rows = read_checked_rows(data, headers=MARK_HEADERS, required=MARK_COLUMNS,
                                 empty="The file has no marks in it.")
    except FileRefused as refusal:
        result.errors.append((refusal.line, refusal.message))
        return result
    if len(rows) > MAX_MARKS:
        result.errors.append((1, f"The file has {len(rows):,} marks; import at most {MAX_MARKS:,} at a time "
                                 "(a month of a large school), or the day's marks each day."))
        return result
    pupils = Pupil.objects.in_bulk({r.get("upn", "").strip().upper() for _, r in rows}, field_name="upn")
    seen: dict[tuple[str, dt.date, str], int] = {}
    for line, row in rows:
        try:
            upn = row["upn"].strip().upper()
            if upn not in pupils:
                raise ValidationError(f"UPN {upn or '(empty)'} is not on the register: import the pupil first.")
            day = parse_date(row["date"], "Date")
            if day is None:
                raise ValidationError("The date is empty.")
            if day > today:
                raise ValidationError(f"{day:%-d %b %Y} is in the future.")
            if calendar.term_of(day) is None:
                raise ValidationError(f"{day:%-d %b %Y} is in no term of the school calendar: check the term dates.")
            session = SESSION_WORDS.get(row["session"].strip().lower())
            if session is None:
                raise ValidationError(f"Session '{row['session'].strip()}' should be AM or PM.")
            code = _code(row["code"])
            key = (upn, day, session)
            if key in seen:
                raise ValidationError(f"The same pupil, day and session is also on line {seen[key]}.")
            seen[key] = line
            result.rows.append((upn, day.isoformat(), session, code))
        except ValidationError as error:
            result.errors.append((line, " ".join(error.messages)))
    if result.errors:
        return result
    days = [dt.date.fromisoformat(day) for _, day, _, _ in result.rows]
    result.first, result.last = min(days), max(days)
    result.pupils = len({upn for upn, *_ in result.rows})
    kinds = Counter(codes.kind_of(code) for *_, code in result.rows)
    result.by_kind = [(codes.KIND_LABELS[k], kinds[k]) for k in codes.KIND_LABELS if kinds[k]]
    result.to_tell = _to_tell(result.rows, pupils)
    return result


def _to_tell(rows: list[tuple[str, str, str, str]], pupils: dict[str, Pupil]) -> list[tuple[Pupil, dt.date, str]]:
    """The file's unexplained or unauthorised absences of pupils with a social worker that day (CLA or CWSW)."""
    absent = sorted({(upn, day, code) for upn, day, _, code in rows if code in codes.TELL_SOCIAL_WORKER})
    if not absent:
        return []
    ids = {pupils[upn].pk for upn, _, _ in absent}
    spells = CategorySpell.objects.filter(pupil_id__in=ids, category__in=cohort.HAS_SOCIAL_WORKER)
    held = defaultdict(list)
    for spell in spells:
        held[spell.pupil_id].append((spell.start, spell.end))
    found = []
    for upn, day, code in absent:
        pupil, on = pupils[upn], dt.date.fromisoformat(day)
        if any(start <= on and (end is None or on <= end) for start, end in held[pupil.pk]):
            found.append((pupil, on, code))
    return found


def term_figures_rebuild(pupil_ids: Iterable[int], terms: Iterable[TermDates]) -> None:
    """Each pupil's attendance record for each term, counted from the term's marks (where it has any)."""
    ids, terms = list(pupil_ids), list(terms)
    for term in terms:
        marks: dict[int, list[str]] = defaultdict(list)
        for pupil_id, code in AttendanceMark.objects.filter(
                pupil_id__in=ids, date__range=(term.start, term.end)).values_list("pupil_id", "code"):
            marks[pupil_id].append(code)
        existing = {r.pupil_id: r for r in AttendanceRecord.objects.filter(
            pupil_id__in=list(marks), academic_year=term.academic_year, term=term.name)}
        for pupil_id, theirs in marks.items():
            possible, attended = codes.sessions(theirs)
            record = existing.get(pupil_id) or AttendanceRecord(
                pupil_id=pupil_id, academic_year=term.academic_year, term=term.name)
            if not possible:
                if record.pk and record.from_marks:
                    record.delete()
                continue
            record.possible_sessions, record.attended_sessions, record.from_marks = possible, attended, True
            record.save()


def marks_save(*, rows: list[tuple[str, str, str, str]] | list[list[str]], by: Any,
               calendar: SchoolCalendar | None = None) -> int:
    """Save the marks (every one or none), replacing a session's earlier mark; return how many."""
    calendar = calendar or Term.calendar()
    with transaction.atomic():
        pupils = Pupil.objects.in_bulk({upn for upn, *_ in rows}, field_name="upn")
        missing = {upn for upn, *_ in rows} - set(pupils)
        if missing:
            raise ValidationError(f"{len(missing)} pupils in the file are no longer on the register "
                                  "(deleted since the file was read), so nothing was saved. Read the file again.")
        marks = [AttendanceMark(pupil=pupils[upn], date=dt.date.fromisoformat(day), session=session, code=code)
                 for upn, day, session, code in rows]
        # The sessions marked before that the file marks again, read and deleted a chunk of pupils at a time
        # (SQLite takes so many parameters in a query).
        sessions_of = {(m.pupil_id, m.date, m.session) for m in marks}
        ids = sorted({m.pupil_id for m in marks})
        span = (min(m.date for m in marks), max(m.date for m in marks))
        for start in range(0, len(ids), CHUNK):
            marked = AttendanceMark.objects.filter(pupil_id__in=ids[start:start + CHUNK], date__range=span)
            stale = [pk for pk, pupil_id, day, session in marked.values_list("pk", "pupil_id", "date", "session")
                     if (pupil_id, day, session) in sessions_of]
            for first in range(0, len(stale), CHUNK):
                AttendanceMark.objects.filter(pk__in=stale[first:first + CHUNK]).delete()
        AttendanceMark.objects.bulk_create(marks, batch_size=1000)
        terms = {calendar.term_of(m.date) for m in marks} - {None}
        term_figures_rebuild(ids, terms)
        derived_rebuild(ids)  # attendance concerns, "what is due" (tell the social worker)
        AccessLog.record(user=by, code="marks.imported", pupils=list(pupils.values()),
                         data={"marks": len(marks)})
    return len(marks)


@dataclass(frozen=True)
class StripDay:
    day: dt.date
    am: codes.Code | None
    pm: codes.Code | None


def marks_strip(pupil: Pupil, term: TermDates, calendar: SchoolCalendar, today: dt.date) -> list[StripDay]:
    """The term's school days up to today with the day's two marks (None where none was imported)."""
    marks = {(m.date, m.session): m.code for m in pupil.attendance_marks.filter(
        date__range=(term.start, min(term.end, today)))}
    days = []
    day = term.start
    while day <= min(term.end, today):
        if calendar.is_school_day(day) or (day, "am") in marks or (day, "pm") in marks:
            am, pm = marks.get((day, "am")), marks.get((day, "pm"))
            days.append(StripDay(day, codes.CODES.get(am) if am else None, codes.CODES.get(pm) if pm else None))
        day += dt.timedelta(days=1)
    return days
