"""The school's MIS: the register exported as CSV, and pupils, attendance and attainment
imported from the MIS's CSV exports.

Every import runs the same way (`_import`): read the header, check every row, and save
every row or none, with one access-log row per pupil imported.

Long because each kind of file's reader is a few lines beside the one skeleton they share.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cwsw.models import AccessLog
from cwsw.terms import academic_year_label

from . import cohort, years
from .derived import derived_rebuild
from .models import GCSE_SUBJECTS, SEN_CHOICES, AttainmentRecord, AttendanceRecord, Pupil, SubjectGrade

# --- CSV export -------------------------------------------------------------------

EXPORT_HEADER = [
    "UPN", "First name", "Last name", "Date of birth", "Year group", "Category",
    "SEN", "FSM", "Admission date", "Leaving date", "Key adult",
]


def safe_cell(value: Any) -> str:
    """Stop a spreadsheet from running a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def register_export(*, pupils: QuerySet, by: Any, as_of: dt.date) -> list[list[str]]:
    """Return the CSV rows of the register, writing one access-log row per pupil."""
    exported = list(pupils.select_related("key_adult"))
    AccessLog.record(user=by, code="register.exported", pupils=exported)
    rows = [EXPORT_HEADER]
    for p in exported:
        rows.append([safe_cell(v) for v in (
            p.upn, p.first_name, p.last_name, p.date_of_birth.isoformat(),
            years.year_group_label(years.year_group(p.date_of_birth, as_of)),
            cohort.category_label(p.category, getattr(p, "plan", None)) if p.category else "",
            p.sen_status, "Y" if p.fsm_eligible else "N",  # the census codes the import reads
            p.admission_date.isoformat(), p.leaving_date.isoformat() if p.leaving_date else "",
            (p.key_adult.get_full_name() or p.key_adult.username) if p.key_adult else "",
        )])
    return rows


# --- The import skeleton ------------------------------------------------------------

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
FIELD_LABELS = {"upn": "UPN"}

Row = dict[str, str]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RowReader:
    """How one kind of import reads its rows, prepared once for the whole file.

    key: what must be unique in the file (raises ValidationError if the row cannot say);
    build: the records, unsaved and validated (raises ValidationError if the row is bad);
    duplicate: the message for a row whose key is on an earlier line.
    """

    key: Callable[[Row], Any]
    build: Callable[[Row], list[models.Model]]
    duplicate: Callable[[Any, int], str]


def _decode(data: bytes) -> str:
    """The file's text: UTF-16 (with its byte-order mark, or by its pattern of NULs), UTF-8 or Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:20:2].count(0) > 4 and 0 not in data[0:20:2]:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0:20:2].count(0) > 4 and 0 not in data[1:20:2]:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding.startswith("utf-16"):
            raise ValidationError("The file looks like UTF-16 text but cannot be read as it; save it as CSV "
                                  "(UTF-8) from the spreadsheet.") from None
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ValidationError("The file has NUL characters in it, so it is not a CSV export: save it as CSV "
                              "(UTF-8) from the MIS or spreadsheet.")
    return text


def _read_rows(data: bytes, headers: dict[str, str]) -> tuple[list[str], list[tuple[int, Row]]]:
    """The header's columns and every row that has anything in it; a ValidationError says what is wrong."""
    reader = csv.reader(io.StringIO(_decode(data)))
    try:
        header = next(reader, [])
        columns = [headers.get(h.strip().lower(), "") for h in header]
        repeated = sorted({h.strip() for h, c in zip(header, columns, strict=True)
                           if c and columns.count(c) > 1}, key=lambda h: (h.lower(), h))
        if repeated:
            raise ValidationError(
                f"The header row names the same column more than once ({', '.join(repeated)}): "
                "keep one, so it is clear which to read."
            )
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                many = "fewer" if len(values) < len(header) else "more"
                raise ValidationError(
                    f"Line {reader.line_num} has {many} cells ({len(values)}) than the header ({len(header)}): "
                    "a cell may be missing, or a quote (\") left open."
                )
            rows.append((reader.line_num, {c: v for c, v in zip(columns, values, strict=True) if c}))
    except csv.Error as error:
        raise ValidationError(f"Line {reader.line_num} cannot be read as CSV ({error}).") from None
    return columns, rows


class FileRefused(Exception):
    """A file that cannot be read at all: the line to look at and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def read_checked_rows(data: bytes, *, headers: dict[str, str], required: tuple[str, ...],
                      empty: str) -> list[tuple[int, Row]]:
    """The file's rows, once its header has every required column and it has a row; else FileRefused."""
    try:
        columns, rows = _read_rows(data, headers)
    except ValidationError as error:
        raise FileRefused(1, " ".join(error.messages)) from None
    missing = [c for c in required if c not in columns]
    if missing:
        raise FileRefused(1, f"The header row has no column for: {', '.join(c.replace('_', ' ') for c in missing)}.")
    if not rows:
        raise FileRefused(2, empty)
    return rows


def _messages(error: ValidationError) -> str:
    """Flatten a ValidationError into one line: 'Field: message; ...'."""
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        label = "" if name == "__all__" else FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        parts.extend(f"{label}: {m}" if label else m for m in messages)
    return "; ".join(parts)


def _import(
    *, data: bytes, by: Any, headers: dict[str, str], required: tuple[str, ...], empty: str,
    prepare: Callable[[list[tuple[int, Row]]], RowReader], pupil_of: Callable[[Any], Pupil], code: str,
) -> ImportResult:
    """Check every row of a CSV export, then save every row's records, or none if any is bad."""
    result = ImportResult()
    try:
        rows = read_checked_rows(data, headers=headers, required=required, empty=empty)
    except FileRefused as refusal:
        result.errors.append((refusal.line, refusal.message))
        return result
    reader = prepare(rows)
    seen: dict[Any, int] = {}
    to_save: list[models.Model] = []
    for line, row in rows:
        try:
            key = reader.key(row)
            if key in seen:
                result.errors.append((line, reader.duplicate(key, seen[key])))
                continue
            seen[key] = line
            to_save.extend(reader.build(row))
        except ValidationError as error:
            result.errors.append((line, _messages(error)))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for record in to_save:
                if record.pk is None:
                    result.created += 1
                else:
                    result.updated += 1
                record.save()
            pupils = {pupil_of(r).pk: pupil_of(r) for r in to_save}
            derived_rebuild(pupils)  # their checklists, attendance concerns, what is due...
            AccessLog.record(user=by, code=code, pupils=pupils.values())
    except IntegrityError:
        # Another import (or a colleague) saved one of these records at the same moment.
        return ImportResult(errors=[(1, "Someone else saved some of these records at the same moment, so nothing "
                                        "from this file was saved. Import it again: it will update them.")])
    return result


def parse_date(text: str, label: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(f"{label} '{text}' is not a date (use DD/MM/YYYY).")


def _upns(rows: list[tuple[int, Row]]) -> list[str]:
    return [r.get("upn", "").strip().upper() for _, r in rows]


# --- Pupils from an MIS export -------------------------------------------------------

# Header names as MIS exports spell them, mapped to our fields.
PUPIL_HEADERS = {
    "upn": "upn", "unique pupil number": "upn",
    "first name": "first_name", "forename": "first_name", "legal forename": "first_name",
    "first_name": "first_name",
    "last name": "last_name", "surname": "last_name", "legal surname": "last_name",
    "last_name": "last_name",
    "date of birth": "date_of_birth", "dob": "date_of_birth", "date_of_birth": "date_of_birth",
    "admission date": "admission_date", "date of admission": "admission_date",
    "admission_date": "admission_date",
    "leaving date": "leaving_date", "date of leaving": "leaving_date", "leaving_date": "leaving_date",
    "sen": "sen_status", "sen status": "sen_status", "sen provision": "sen_status",
    "sen_status": "sen_status",
    "fsm": "fsm_eligible", "fsm eligible": "fsm_eligible", "fsm_eligible": "fsm_eligible",
}
PUPIL_COLUMNS = ("upn", "first_name", "last_name", "date_of_birth", "admission_date")
TRUE_WORDS = {"y", "yes", "true", "1", "t"}
FALSE_WORDS = {"n", "no", "false", "0", "f", ""}
SEN_CODES = {code for code, _ in SEN_CHOICES}


def _row_to_pupil(row: Row, existing: Pupil | None) -> Pupil:
    """Build (not save) the pupil a CSV row describes; raise ValidationError if it is bad."""
    pupil = existing or Pupil()
    pupil.upn = row["upn"].strip().upper()
    pupil.first_name = row["first_name"].strip()
    pupil.last_name = row["last_name"].strip()
    for name, label in (("date_of_birth", "Date of birth"), ("admission_date", "Admission date"),
                        ("leaving_date", "Leaving date")):
        if name in row:
            setattr(pupil, name, parse_date(row[name], label))
    if "sen_status" in row:
        sen = row["sen_status"].strip().upper() or "N"
        if sen not in SEN_CODES:
            raise ValidationError(f"SEN status '{sen}' is not one of N, K or E.")
        pupil.sen_status = sen
    if "fsm_eligible" in row:
        word = row["fsm_eligible"].strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ValidationError(f"FSM '{row['fsm_eligible']}' is not Y or N.")
        pupil.fsm_eligible = word in TRUE_WORDS
    # The UPN is unique: the row updating its own pupil is not a clash.
    pupil.full_clean(validate_unique=existing is None)
    return pupil


def _pupil_reader(rows: list[tuple[int, Row]]) -> RowReader:
    existing = Pupil.objects.in_bulk(_upns(rows), field_name="upn")

    def key(row: Row) -> str:
        return row.get("upn", "").strip().upper()

    return RowReader(
        key=key,
        build=lambda row: [_row_to_pupil(row, existing.get(key(row)))],
        duplicate=lambda upn, line: f"UPN {upn} is also on line {line}.",
    )


def pupils_import(*, data: bytes, by: Any) -> ImportResult:
    """Create or update pupils from an MIS CSV export: every row, or none if any is bad."""
    return _import(
        data=data, by=by, headers=PUPIL_HEADERS, required=PUPIL_COLUMNS, empty="The file has no pupils in it.",
        prepare=_pupil_reader, pupil_of=lambda pupil: pupil, code="pupils.imported",
        # A leaving date from the MIS starts a cohort pupil's transfer checklist, as one entered here does.
    )


# --- Attendance and attainment from an MIS export ----------------------------------

RECORD_HEADERS = {
    "upn": "upn", "academic year": "academic_year", "year": "academic_year", "term": "term",
    "possible sessions": "possible", "possible": "possible",
    "attended sessions": "attended", "attended": "attended", "present": "attended",
    "reading": "reading", "writing": "writing", "maths": "maths", "mathematics": "maths",
    "ks2 reading": "reading_score", "ks2 reading score": "reading_score", "reading score": "reading_score",
    "ks2 maths": "maths_score", "ks2 maths score": "maths_score", "maths score": "maths_score",
    "ks2 gps": "gps_score", "ks2 gps score": "gps_score", "gps score": "gps_score",
    "subject": "subject", "working at": "current", "current": "current", "current grade": "current",
    "predicted": "predicted", "predicted grade": "predicted", "target": "target", "target grade": "target",
}
GRADE_COLUMNS = ("current", "predicted", "target")
# Subject names as MIS exports write them, to the register's subjects.
SUBJECT_WORDS = {label.lower(): code for code, label in GCSE_SUBJECTS} | {code: code for code, _ in GCSE_SUBJECTS} | {
    "english": "english_language", "english lang": "english_language", "english lit": "english_literature",
    "mathematics": "maths", "math": "maths", "science": "combined_science", "double science": "combined_science",
    "art": "art", "design & technology": "design_technology", "d&t": "design_technology", "dt": "design_technology",
    "re": "religious_studies", "rs": "religious_studies", "computing": "computer_science", "pe": "pe",
    "physical education": "pe", "food technology": "food",
}
GRADE_WORDS = {str(g): g for g in range(1, 10)} | {"u": 0, "": None}
RECORD_COLUMNS = ("upn", "academic_year", "term")
TERM_WORDS = {"autumn": "autumn", "aut": "autumn", "spring": "spring", "spr": "spring",
              "summer": "summer", "sum": "summer"}
ATTAINMENT_WORDS = {
    "below": "below", "bel": "below", "working towards": "wts", "wts": "wts", "expected": "exp",
    "exp": "exp", "greater depth": "gds", "gds": "gds", "": "",
}


def _record_term(row: Row) -> tuple[int, str]:
    year_text = row.get("academic_year", "").strip()
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", year_text)
    if match is None:
        raise ValidationError(f"Academic year '{year_text}' should look like 2025 or 2025/26.")
    year = int(match.group(1))
    if match.group(2) and int(match.group(2)) % 100 != (year + 1) % 100:
        raise ValidationError(
            f"Academic year '{year_text}' is not a school year: did you mean {academic_year_label(year)}?")
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError(f"Academic year '{year_text}' is out of range.")
    term = TERM_WORDS.get(row.get("term", "").strip().lower())
    if term is None:
        raise ValidationError(f"Term '{row.get('term', '')}' should be autumn, spring or summer.")
    return year, term


def _whole_number(text: str, label: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationError(f"{label} '{text}' is not a whole number.") from None


def _score(row: Row, column: str, label: str) -> int | None:
    text = row.get(column, "").strip()
    return _whole_number(text, label) if text else None


def _row_to_grade(row: Row, pupil: Pupil, existing: dict) -> list[models.Model]:
    """A grades file's row: one subject's grades for one term."""
    if any(row.get(c, "").strip() for c in ("possible", "attended", "reading", "writing", "maths")):
        raise ValidationError("A file with a Subject column has one subject's grades per row: import attendance "
                              "and primary attainment in a file of their own.")
    year, term = _record_term(row)
    subject = _subject(row)
    record = existing.get((SubjectGrade, pupil.pk, year, term, subject)) or SubjectGrade(
        pupil=pupil, academic_year=year, term=term, subject=subject)
    for column in GRADE_COLUMNS:
        value = row.get(column, "").strip().lower()
        if value not in GRADE_WORDS:
            raise ValidationError(f"{column.capitalize()} grade '{row[column]}' should be 9 to 1, or U.")
        setattr(record, column, GRADE_WORDS[value])
    record.full_clean(validate_unique=False, validate_constraints=False)
    return [record]


def _subject(row: Row) -> str:
    text = row.get("subject", "").strip()
    subject = SUBJECT_WORDS.get(text.lower())
    if subject is None:
        raise ValidationError(f"Subject '{text}' is not one the register knows; use one of: "
                              f"{', '.join(label for _, label in GCSE_SUBJECTS)}.")
    return subject


def _row_to_records(row: Row, pupil: Pupil, existing: dict) -> list[models.Model]:
    year, term = _record_term(row)
    records: list[models.Model] = []
    if row.get("possible", "").strip() or row.get("attended", "").strip():
        record = existing.get((AttendanceRecord, pupil.pk, year, term)) or AttendanceRecord(
            pupil=pupil, academic_year=year, term=term)
        if record.from_marks:
            raise ValidationError(f"{record.term_label}'s attendance is counted from the daily marks imported "
                                  "from the MIS; leave it out of this file, or import the corrected marks.")
        record.possible_sessions = _whole_number(row.get("possible", ""), "Possible sessions")
        record.attended_sessions = _whole_number(row.get("attended", ""), "Attended sessions")
        records.append(record)
    grades = {}
    for subject in ("reading", "writing", "maths"):
        value = row.get(subject, "").strip().lower()
        if value not in ATTAINMENT_WORDS:
            raise ValidationError(f"{subject.capitalize()} '{row[subject]}' should be below, WTS, EXP or GDS.")
        grades[subject] = ATTAINMENT_WORDS[value]
    scores = {name: _score(row, name, f"KS2 {label} score") for name, label in
              (("reading_score", "reading"), ("maths_score", "maths"), ("gps_score", "GPS"))}
    if any(grades.values()) or any(v is not None for v in scores.values()):
        record = existing.get((AttainmentRecord, pupil.pk, year, term)) or AttainmentRecord(
            pupil=pupil, academic_year=year, term=term)
        for subject, grade in grades.items():
            setattr(record, subject, grade)
        for name, score in scores.items():
            if score is not None or name in row:  # an empty cell in a column the file has clears it
                setattr(record, name, score)
        records.append(record)
    if not records:
        raise ValidationError("The row has neither attendance nor attainment.")
    for record in records:
        record.full_clean(validate_unique=False, validate_constraints=False)
    return records


def _record_reader(rows: list[tuple[int, Row]]) -> RowReader:
    pupils = Pupil.objects.in_bulk(_upns(rows), field_name="upn")

    def pupil(row: Row) -> Pupil:
        upn = row.get("upn", "").strip().upper()
        if upn not in pupils:
            raise ValidationError(f"No pupil with UPN '{upn}' is on the register.")
        return pupils[upn]

    if any("subject" in row for _, row in rows):  # a grades file: one subject's term per row
        existing = {(SubjectGrade, r.pupil_id, r.academic_year, r.term, r.subject): r
                    for r in SubjectGrade.objects.filter(pupil__in=pupils.values())}
        return RowReader(
            key=lambda row: (pupil(row).pk, *_record_term(row), _subject(row)),
            build=lambda row: _row_to_grade(row, pupil(row), existing),
            duplicate=lambda key, line: f"This pupil's grades in this subject and term are also on line {line}.",
        )
    existing = {
        (type(r), r.pupil_id, r.academic_year, r.term): r
        for model in (AttendanceRecord, AttainmentRecord)
        for r in model.objects.filter(pupil__in=pupils.values())
    }
    return RowReader(
        key=lambda row: (pupil(row).pk, *_record_term(row)),
        build=lambda row: _row_to_records(row, pupil(row), existing),
        duplicate=lambda key, line: f"This pupil's term is also on line {line}.",
    )


def records_import(*, data: bytes, by: Any) -> ImportResult:
    """Create or update attendance and attainment (or, in a file with a Subject column, GCSE grades) from a
    CSV: every row, or none if any is bad."""
    return _import(
        data=data, by=by, headers=RECORD_HEADERS, required=RECORD_COLUMNS, empty="The file has no rows in it.",
        prepare=_record_reader, pupil_of=lambda record: record.pupil, code="records.imported",
    )
