"""Joining and leaving: the checklists of DESIGN.md, as plain rules.

A cohort pupil who leaves gets a transfer checklist, a pupil admitted with a social-care
history a joining checklist; each step has its deadline in school days from the leaving
(or admission) date, counted on the one school calendar. Which steps a pupil gets depends on
why they left and on their category; `steps_for` is the one place that says so, and
`checklists.checklists_sync` keeps the stored items in step with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cwsw.terms import SchoolCalendar

from . import cohort

# Why a pupil left.
MOVED_SCHOOL, MOVED_AWAY, EHE, POST16, PERMANENT_EXCLUSION, OTHER = (
    "moved_school", "moved_away", "ehe", "post16", "permanent_exclusion", "other")
LEAVING_REASONS = [
    (MOVED_SCHOOL, "Moved to another school"),
    (MOVED_AWAY, "Moved away (new school not yet known)"),
    (EHE, "Elective home education"),
    (POST16, "Post-16 education or training"),
    (PERMANENT_EXCLUSION, "Permanent exclusion"),
    (OTHER, "Other"),
]
# A destination must be named for these: the file goes to that school's or college's DSL.
NEEDS_DESTINATION = frozenset({MOVED_SCHOOL, POST16})

LEAVING, JOINING = "leaving", "joining"
CHECKLIST_LABELS = {LEAVING: "Leaving", JOINING: "Joining"}
DSL, DT = "DSL", "DT"

# A pupil admitted this long ago or less, with a social-care history on the day, gets a joining checklist.
JOINING_WINDOW = dt.timedelta(days=365)
# A leaving date further back than this (an old leaver from an MIS import, say) starts no checklist:
# its deadlines were long ago and its steps were done, or not, outside this register.
LEAVING_WINDOW = dt.timedelta(days=90)
# Items due within this many days, and late ones, are listed on the dashboard and in the digest.
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Step:
    key: str
    checklist: str
    label: str
    # The deadline: this many school days after the date counted from (0: by that date itself).
    school_days: int
    owner: str
    applies: Callable[[str, str], bool]  # (leaving reason, category) -> bool
    # Done only with the name of the person at the other school who confirmed it.
    needs_confirmation: bool = False
    # Done only after this step.
    after: str = ""

    @property
    def deadline_words(self) -> str:
        if self.school_days == 0:
            return "by the day the pupil comes off roll"
        days = f"{self.school_days} school day{'s' if self.school_days != 1 else ''}"
        return f"within {days} of {'leaving' if self.checklist == LEAVING else 'admission'}"


def _always(reason: str, category: str) -> bool:
    return True


def _not_ehe(reason: str, category: str) -> bool:
    return reason != EHE


def _ehe(reason: str, category: str) -> bool:
    return reason == EHE


def _looked_after(reason: str, category: str) -> bool:
    return category == cohort.CLA


def _looked_after_moving(reason: str, category: str) -> bool:
    return category == cohort.CLA and reason != EHE


def _ctf(reason: str, category: str) -> bool:
    # Post-16 providers do not take a common transfer file.
    return reason != POST16


STEPS: dict[str, Step] = {s.key: s for s in [
    Step("file_sent", LEAVING, "Child-protection file sent to the new school's DSL", 5, DSL, _not_ehe),
    Step("file_received", LEAVING, "Receipt of the file confirmed by the new school", 5, DSL, _not_ehe,
         needs_confirmation=True, after="file_sent"),
    Step("ehe_la_told", LEAVING, "Local authority told of the plan to home educate", 0, DSL, _ehe),
    Step("ehe_sw_told", LEAVING, "Social worker told (the Virtual School for a looked-after child)", 0, DSL, _ehe),
    Step("ehe_meeting", LEAVING, "Met the family and professionals before the pupil comes off roll", 0, DSL, _ehe),
    Step("vs_told", LEAVING, "Virtual School told of the move", 5, DT, _looked_after),
    Step("pep_passed", LEAVING, "PEP and PP+ balance passed on to the new school", 15, DT, _looked_after_moving),
    Step("ctf_sent", LEAVING, "Common transfer file (CTF) sent", 15, DT, _ctf),
    Step("file_requested", JOINING, "Safeguarding file requested from the previous school", 1, DSL, _always),
    Step("file_arrived", JOINING, "Safeguarding file received from the previous school", 5, DSL, _always,
         after="file_requested"),
    Step("vs_contacted", JOINING, "Virtual School contacted", 5, DT, _looked_after),
    Step("initial_pep_booked", JOINING, "Initial PEP meeting booked", 10, DT, _looked_after),
]}


def deadline(step: Step, counted_from: dt.date, calendar: SchoolCalendar) -> dt.date:
    """The step's due date: the n-th school day after the date counted from (or that date, for 0)."""
    return calendar.add_school_days(counted_from, step.school_days) if step.school_days else counted_from


def leaving_category(episodes: Iterable[cohort.Episode], leaving_date: dt.date) -> str | None:
    """The category on the pupil's last day on roll (the day before the leaving date)."""
    return cohort.category_from_episodes(episodes, leaving_date - dt.timedelta(days=1))


def steps_for(
    *, admission_date: dt.date, leaving_date: dt.date | None, reason: str,
    episodes: Iterable[cohort.Episode], today: dt.date, joining_started: bool = False,
    leaving_started: bool = False,
) -> dict[str, dt.date]:
    """The steps this pupil's checklists should have, each with the date its deadline counts from.

    A joining checklist starts only for an admission in the last year, a leaving one only for a
    leaving date in the last 90 days or ahead (`..._started`: it has started already for that date,
    and stays however long ago that was).
    """
    episodes = list(episodes)
    wanted: dict[str, dt.date] = {}
    joined_as = cohort.category_from_episodes(episodes, admission_date)
    if joined_as and (joining_started or admission_date >= today - JOINING_WINDOW):
        wanted.update({s.key: admission_date for s in STEPS.values()
                       if s.checklist == JOINING and s.applies("", joined_as)})
    if leaving_date is not None and (leaving_started or leaving_date >= today - LEAVING_WINDOW):
        left_as = leaving_category(episodes, leaving_date)
        if left_as:
            wanted.update({s.key: leaving_date for s in STEPS.values()
                           if s.checklist == LEAVING and s.applies(reason, left_as)})
    return wanted
