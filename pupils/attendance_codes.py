"""The DfE's national attendance and absence codes (from August 2024, "Working together to improve school
attendance"), each with its meaning and how it counts: one table that the marks import, the term figures,
the calendar strip and the "tell the social worker" item all read.

How a mark counts:
- present and approved educational activity: a possible session, attended;
- authorised and unauthorised absence: a possible session, missed;
- not possible: not counted at all (the session is not one the pupil could have attended).

Attendance is attended / possible; absence is missed / possible. Persistent absence is missing 10% or more of
possible sessions, severe absence 50% or more (`pupils.models.records`). H (holiday authorised) is no longer a
code, so a file using it is refused line by line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

PRESENT, APPROVED, AUTHORISED, UNAUTHORISED, NOT_POSSIBLE = (
    "present", "approved", "authorised", "unauthorised", "not_possible")
KIND_LABELS = {
    PRESENT: "Present",
    APPROVED: "Approved educational activity",
    AUTHORISED: "Authorised absence",
    UNAUTHORISED: "Unauthorised absence",
    NOT_POSSIBLE: "Not a possible session",
}
ATTENDED_KINDS = (PRESENT, APPROVED)
MISSED_KINDS = (AUTHORISED, UNAUTHORISED)


class Code(NamedTuple):
    code: str
    meaning: str
    kind: str


CODES = {c.code: c for c in [
    Code("/", "Present (morning)", PRESENT),
    Code("\\", "Present (afternoon)", PRESENT),
    Code("L", "Late, arrived before the register closed", PRESENT),
    Code("K", "Attending education provision arranged by the local authority", APPROVED),
    Code("V", "Attending an educational visit or trip", APPROVED),
    Code("P", "Participating in a supervised sporting activity", APPROVED),
    Code("W", "Attending work experience", APPROVED),
    Code("B", "Attending any other approved educational activity", APPROVED),
    Code("D", "Dual registered: at another school", NOT_POSSIBLE),
    Code("C1", "Leave of absence: a regulated performance or regulated employment abroad", AUTHORISED),
    Code("M", "Leave of absence: a medical or dental appointment", AUTHORISED),
    Code("J1", "Leave of absence: an interview", AUTHORISED),
    Code("S", "Leave of absence: study leave", AUTHORISED),
    Code("X", "Not required to be in school (not of compulsory school age)", NOT_POSSIBLE),
    Code("C2", "Leave of absence: a part-time timetable", AUTHORISED),
    Code("C", "Leave of absence: exceptional circumstances", AUTHORISED),
    Code("T", "Parent travelling for occupational purposes", AUTHORISED),
    Code("R", "Religious observance", AUTHORISED),
    Code("I", "Illness (not medical or dental appointments)", AUTHORISED),
    Code("E", "Suspended or permanently excluded, no alternative provision made", AUTHORISED),
    Code("Q", "Unable to attend: lack of access arrangements", NOT_POSSIBLE),
    Code("Y1", "Unable to attend: transport not available", NOT_POSSIBLE),
    Code("Y2", "Unable to attend: widespread disruption to travel", NOT_POSSIBLE),
    Code("Y3", "Unable to attend: part of the school premises closed", NOT_POSSIBLE),
    Code("Y4", "Unable to attend: the whole school site unexpectedly closed", NOT_POSSIBLE),
    Code("Y5", "Unable to attend: in criminal justice detention", NOT_POSSIBLE),
    Code("Y6", "Unable to attend: public health guidance or law", NOT_POSSIBLE),
    Code("Y7", "Unable to attend: any other unavoidable cause", NOT_POSSIBLE),
    Code("Z", "Prospective pupil not on roll", NOT_POSSIBLE),
    Code("#", "Planned whole-school closure", NOT_POSSIBLE),
    Code("G", "Holiday not granted by the school", UNAUTHORISED),
    Code("N", "Reason for absence not yet provided", UNAUTHORISED),
    Code("O", "Absent in other or unknown circumstances", UNAUTHORISED),
    Code("U", "Arrived in school after the register closed", UNAUTHORISED),
]}
# A cohort pupil missing school with no reason, or without leave: their social worker is told that day.
TELL_SOCIAL_WORKER = frozenset(c.code for c in CODES.values() if c.kind == UNAUTHORISED)
RETIRED = {"H": "H (holiday authorised) is no longer a code: since August 2024 leave is C, C1 or C2."}


def kind_of(code: str) -> str:
    return CODES[code].kind


def sessions(codes: Iterable[str]) -> tuple[int, int]:
    """(possible, attended) sessions from a run of marks: the DfE's count."""
    possible = attended = 0
    for code in codes:
        kind = CODES[code].kind
        if kind == NOT_POSSIBLE:
            continue
        possible += 1
        attended += kind in ATTENDED_KINDS
    return possible, attended
