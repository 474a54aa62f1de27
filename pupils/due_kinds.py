"""The kinds of "what is due" that the register's own records give rise to (registered in `PupilsConfig.ready`).

Each works out, for many pupils at once, the items their records call for and the days each is listed on,
from stored facts only (the category spells, the attendance records' concern mark, the checklist steps).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.urls import reverse

from cwsw import roles
from cwsw.terms import SchoolCalendar, TermDates

from . import attendance_codes, cohort, transitions
from .due import Kind, item
from .models import (
    AttendanceContact,
    AttendanceMark,
    AttendanceRecord,
    CareEpisode,
    CategorySpell,
    DueItem,
    Pupil,
    SdqScore,
    TransitionItem,
    is_severely_absent,
)

ONE_DAY = dt.timedelta(days=1)
LEAVING_WINDOW_DAYS = 30
EHCP_REVIEW_DAYS = 30
TRANSITION_SOON_DAYS = 14


def _spells(pupil_ids: list[int], *categories: str) -> dict[int, list[CategorySpell]]:
    spells: dict[int, list[CategorySpell]] = defaultdict(list)
    rows = CategorySpell.objects.filter(pupil_id__in=pupil_ids)
    if categories:
        rows = rows.filter(category__in=categories)
    for spell in rows.order_by("pupil_id", "start"):
        spells[spell.pupil_id].append(spell)
    return spells


def _within(first: dt.date, last: dt.date | None, spells: list[CategorySpell]) -> list[tuple[dt.date, dt.date | None]]:
    """The days from first to last (None: no end) that fall in these spells, as runs."""
    runs = []
    for spell in spells:
        start = max(first, spell.start)
        ends = [end for end in (last, spell.end) if end is not None]
        end = min(ends) if ends else None
        if end is None or end >= start:
            runs.append((start, end))
    return runs


# --- Joining and leaving checklist steps ------------------------------------------------------------------


def transition_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    for step in TransitionItem.objects.outstanding().filter(pupil_id__in=pupil_ids):
        yield item(step.pupil_id, due=step.due_date, shown_from=step.due_date - dt.timedelta(days=TRANSITION_SOON_DAYS),
                   ref=step.pk, note=f"{step.label} ({transitions.CHECKLIST_LABELS[step.checklist].lower()})")


# --- Attendance concerns ---------------------------------------------------------------------------------


def _next_terms(term: TermDates, calendar: SchoolCalendar) -> list[TermDates]:
    later = [t for y in (term.academic_year, term.academic_year + 1) for t in calendar.terms_of(y)
             if t.start > term.start]
    return sorted(later, key=lambda t: t.start)[:2]


def attendance_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A concern (90% or lower, or down 5 points) stands while its term is this term, and on through the next
    term until that term's figures are entered; listed while the pupil is in the cohort (attendance.py)."""
    from .attendance import Figures, low_and_fallen, term_before

    records = {(r.pupil_id, r.academic_year, r.term): r for r in AttendanceRecord.objects.filter(
        pupil_id__in=pupil_ids).only("pupil_id", "academic_year", "term", "possible_sessions", "attended_sessions",
                                     "concern")}
    cohort_spells = _spells(pupil_ids)
    for (pupil_id, year, name), record in records.items():
        if not record.concern:
            continue
        term = next((t for t in calendar.terms_of(year) if t.name == name), None)
        if term is None:
            continue
        after = _next_terms(term, calendar)
        if not after:
            until = None
        elif (pupil_id, after[0].academic_year, after[0].name) in records:
            until = after[0].start - ONE_DAY
        else:
            until = after[1].start - ONE_DAY if len(after) > 1 else None
        now = Figures(record.attended_sessions, record.possible_sessions)
        before = records.get((pupil_id, *term_before(year, name)))
        before = Figures(before.attended_sessions, before.possible_sessions) if before is not None else None
        low, fallen = low_and_fallen(now, before)
        severe = is_severely_absent(attended=now.attended_sessions, possible=now.possible_sessions)
        reasons = [f"{now.percentage}% in {term.label}" + (" (severe absence: 50% or lower)" if severe
                                                         else " (90% or lower)" if low else "")]
        if fallen:
            reasons.append(f"down from {before.percentage}% the term before")
        note = "; ".join(reasons)
        for start, end in _within(term.start, until, cohort_spells[pupil_id]):
            yield item(pupil_id, due=start, shown_from=start, shown_until=end, ref=record.pk, note=note)


# --- Absences to tell the social worker of ---------------------------------------------------------------


def absence_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A day marked absent with no reason yet (N) or without leave (G, O, U) for a pupil with a social worker
    that day (looked after, or on a CIN or CP plan): due that day, until a contact with the social worker is
    logged on or after it."""
    absent: dict[tuple[int, dt.date], set[str]] = defaultdict(set)
    for pupil_id, day, code in AttendanceMark.objects.filter(
            pupil_id__in=pupil_ids, code__in=attendance_codes.TELL_SOCIAL_WORKER).values_list("pupil_id", "date",
                                                                                              "code"):
        absent[(pupil_id, day)].add(code)
    if not absent:
        return
    told: dict[int, dt.date] = {}
    for pupil_id, day in AttendanceContact.objects.filter(
            pupil_id__in={pk for pk, _ in absent}, contacted="social_worker").values_list("pupil_id", "contacted_on"):
        told[pupil_id] = max(day, told.get(pupil_id, day))
    spells = _spells(sorted({pk for pk, _ in absent}), *cohort.HAS_SOCIAL_WORKER)
    for (pupil_id, day), marked in sorted(absent.items()):
        if pupil_id in told and told[pupil_id] >= day:
            continue
        if not any(s.start <= day and (s.end is None or day <= s.end) for s in spells[pupil_id]):
            continue
        shown = ", ".join(sorted(marked))
        yield item(pupil_id, due=day, shown_from=day, note=f"Absent {day:%a %-d %b} ({shown}): tell the social worker")


# --- SDQ scores (looked-after children, once a year) -------------------------------------------------------

# Other places an SDQ total is recorded (pep registers its PEPs held with a total): pupil ids -> (id, date).
SDQ_SOURCES: list = []


def sdq_source_register(source: object) -> None:
    SDQ_SOURCES.append(source)


def sdq_dates_of(pupil_ids: list[int]) -> dict[int, list[dt.date]]:
    dates: dict[int, list[dt.date]] = defaultdict(list)
    for pupil_id, day in SdqScore.objects.filter(pupil_id__in=pupil_ids).values_list("pupil_id", "completed_on"):
        dates[pupil_id].append(day)
    for source in SDQ_SOURCES:
        for pupil_id, day in source(pupil_ids):
            dates[pupil_id].append(day)
    return dates


def _uncovered(start: dt.date, end: dt.date | None, covers: list[tuple[dt.date, dt.date]]) -> list[tuple]:
    """The runs of days from start to end (None: no end) that no (first, last) cover holds."""
    runs, cursor = [], start
    for first, last in sorted(covers):
        if end is not None and cursor > end:
            break
        if last < cursor:
            continue
        if first > cursor:
            runs.append((cursor, first - ONE_DAY if end is None else min(first - ONE_DAY, end)))
        cursor = max(cursor, last + ONE_DAY)
    if end is None or cursor <= end:
        runs.append((cursor, end))
    return runs


def sdq_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A looked-after child with no SDQ (on its own or in a PEP held) in the 12 months before a day: each run
    of such days while looked after is one item. An SDQ on day d covers d to d + 1 year."""
    dates = sdq_dates_of(pupil_ids)
    for pupil_id, spells in _spells(pupil_ids, cohort.CLA).items():
        covers = [(d, cohort.add_years(d, 1)) for d in dates.get(pupil_id, [])]
        for spell in spells:
            for start, end in _uncovered(spell.start, spell.end, covers):
                yield item(pupil_id, due=start, shown_from=start, shown_until=end, note="No SDQ in the last 12 months")


# --- EHC plan annual reviews ----------------------------------------------------------------------------------


def ehcp_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    for pk, review in Pupil.objects.filter(pk__in=pupil_ids, sen_status="E", ehcp_review_due__isnull=False
                                           ).values_list("pk", "ehcp_review_due"):
        yield item(pk, due=review, shown_from=review - dt.timedelta(days=EHCP_REVIEW_DAYS), note="EHC plan review")


# --- Leaving the six-year "had a social worker" window ---------------------------------------------------------


def leaving_window_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A "had a social worker" spell that ends with the pupil in no category the day after: listed in its
    last LEAVING_WINDOW_DAYS + 1 days."""
    spells = _spells(pupil_ids)
    for pupil_id, theirs in spells.items():
        starts = {spell.start for spell in theirs}
        for spell in theirs:
            if spell.category == cohort.CWSW_PREV and spell.end is not None and spell.end + ONE_DAY not in starts:
                yield item(pupil_id, due=spell.end, shown_from=max(spell.start, spell.end - dt.timedelta(
                    days=LEAVING_WINDOW_DAYS)), shown_until=spell.end, note="Leaves the cohort after this day")


# --- New flags from the DSL --------------------------------------------------------------------------------


def new_flag_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    for episode in CareEpisode.objects.unseen_flags().filter(pupil_id__in=pupil_ids):
        flagged = episode.flagged_at.date()
        yield item(episode.pupil_id, due=flagged, shown_from=flagged, ref=episode.pk,
                   note=f"Flagged: {episode.get_kind_display()}")


KINDS = [
    Kind("new_flags", "New social-worker flags from the DSL you have not marked read",
         lambda user: roles.has_role(user, roles.DESIGNATED_TEACHER, roles.HEADTEACHER),
         lambda row: reverse("pupils:detail", args=[row.pupil_id]), new_flag_items, on_roll_only=True, order=10,
         noun="new flag"),
    Kind("transitions", f"Joining and leaving checklist steps late or due in the next {TRANSITION_SOON_DAYS} days",
         roles.can_see_social_care, lambda row: reverse("pupils:transition_done", args=[row.ref]),
         transition_items, order=60, noun="checklist step"),
    Kind("attendance", "Cohort pupils whose attendance this term is 90% or lower, or down 5 points on last term",
         roles.can_see_social_care, lambda row: reverse("pupils:records", args=[row.pupil_id]), attendance_items,
         on_roll_only=True, order=70, noun="attendance concern"),
    Kind("absence_social_worker",
         "Unexplained or unauthorised absences of pupils with a social worker: tell the social worker",
         lambda user: roles.has_role(user, roles.DESIGNATED_TEACHER, roles.DSL, roles.HEADTEACHER),
         lambda row: reverse("pupils:records", args=[row.pupil_id]) + "#contacts", absence_items,
         on_roll_only=True, order=65, noun="absence"),
    Kind("sdq_due", "Looked-after children with no SDQ score in the last 12 months", roles.can_see_social_care,
         lambda row: reverse("pupils:records", args=[row.pupil_id]), sdq_items, on_roll_only=True, order=80,
         noun="SDQ"),
    Kind("ehcp_reviews", f"EHC plan annual reviews overdue or due in the next {EHCP_REVIEW_DAYS} days",
         roles.can_see_social_care, lambda row: reverse("pupils:edit", args=[row.pupil_id]), ehcp_items,
         on_roll_only=True, order=90, noun="EHC plan review"),
    Kind("leaving_window",
         f"Pupils leaving the six-year 'had a social worker' window in the next {LEAVING_WINDOW_DAYS} days",
         lambda user: roles.has_role(user, roles.DSL, roles.HEADTEACHER),
         lambda row: reverse("pupils:detail", args=[row.pupil_id]), leaving_window_items, on_roll_only=True,
         order=100, noun="pupil"),
]
