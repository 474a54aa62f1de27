"""Reads about PEPs: the compliance grid and a child's PEPs owed, all from the stored PEP slots.

Nothing here runs the PEP rule (`compliance.pep_duties`): the slots it gave are stored (`slots.py`) and every
page, count and list reads them, so a red row and the count under it always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Q

from cwsw.models import Term
from cwsw.terms import SchoolCalendar, TermDates
from pupils.models import DueItem, Pupil

from .. import compliance
from ..models import PEPS_A_YEAR, PepSlot

# The grid's statuses, as counted under it and shown in its cells, in order.
OVERDUE, MISSED, LATER, NOT_NEEDED = "overdue", "missed", "later", "not_needed"
GRID_COUNTS = [
    (compliance.ON_TIME, "On time"),
    (compliance.LATE, "Late"),
    (OVERDUE, "Overdue"),
    (MISSED, "Missed"),
    (compliance.DUE_SOON, "Due soon"),
    (LATER, "Not yet due"),
    (NOT_NEEDED, "Not needed"),
]


def _grid_status(slot: PepSlot, today: dt.date) -> str:
    status = slot.status(today)
    if status == compliance.MISSING:
        return OVERDUE if slot.overdue_on(today) else MISSED
    if status in (compliance.PLANNED_SOON, compliance.UPCOMING):
        return LATER
    if status == compliance.NOT_REQUIRED:
        return NOT_NEEDED
    return status


def as_shown(slots: list[PepSlot], today: dt.date) -> list[PepSlot]:
    """The slots with what a page shows of them on the day: `shown_status` (a GRID_COUNTS key, the column it is
    counted in) and `shown_label` ("On time", "Overdue", "Not needed (leaving 17 Dec 2026)"...)."""
    for slot in slots:
        slot.shown_status, slot.shown_label = _grid_status(slot, today), slot.label(today)
    return slots


@dataclass(frozen=True)
class PupilRef:
    pk: int
    first_name: str
    last_name: str


@dataclass
class GridRow:
    pupil: PupilRef
    cells: list[list[PepSlot]]  # each term's slots (an initial PEP and a review can share a term)
    # The child's overdue PEPs, from any academic year, the oldest first.
    overdue: list[PepSlot] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(1 for slots in self.cells for slot in slots if slot.held_on is not None)

    @property
    def fewer_than_expected(self) -> bool:
        return self.held < PEPS_A_YEAR


@dataclass
class Grid:
    academic_year: int
    terms: list[TermDates]
    rows: list[GridRow]  # the children on this page
    counts: list[dict[str, int]]  # each term's slots by status, over every child the grid holds
    overdue_children: int  # children the grid holds with a PEP overdue, from any year (the red rows)
    page: Any = None  # the Paginator page of pupil ids

    @property
    def count_rows(self) -> list[list[tuple[str, str, int]]]:
        """Each term's counts as (status, words, how many), those that are not 0, in GRID_COUNTS' order."""
        return [[(key, label, counts[key]) for key, label in GRID_COUNTS if counts[key]] for counts in self.counts]


def peps_due_now(today: dt.date) -> Any:
    """The "what is due" rows of PEPs, due today (overdue, or due in the next 14 days): the dashboard's."""
    return DueItem.objects.on(today).filter(kind="peps_due")


def compliance_grid(*, user: Any, academic_year: int, today: dt.date, show: str = "", search: str = "",
                    page: str | int | None = 1, calendar: SchoolCalendar | None = None) -> Grid:
    """Every looked-after child on roll in the year (that the user may see), by term, a page at a time;
    optionally only those with a PEP overdue (`show="overdue"`), or overdue or due soon (`"due"`): the same
    rows the dashboard counts. Constant queries: the page's slots, names and overdue PEPs; the counts."""
    terms = (calendar or Term.calendar()).terms_of(academic_year)
    pupils = Pupil.objects.visible_to(user)
    if search:
        pupils = pupils.search(search)
    children = pupils.looked_after_during(terms[0].start, terms[-1].end)
    due = peps_due_now(today)
    if show == "overdue":
        children = children.filter(pk__in=due.filter(due__lt=today).values("pupil"))
    elif show == "due":
        children = children.filter(pk__in=due.values("pupil"))
    ordered = children.order_by("last_name", "first_name", "pk").values_list("pk", "first_name", "last_name")
    this_page = Paginator(ordered, settings.GRID_PAGE_SIZE).get_page(page)
    shown = [PupilRef(*row) for row in this_page.object_list]
    ids = [pupil.pk for pupil in shown]
    cells: dict[int, dict[str, list[PepSlot]]] = defaultdict(lambda: defaultdict(list))
    for slot in as_shown(list(PepSlot.objects.filter(pupil_id__in=ids, academic_year=academic_year)
                           .order_by("due", "pk")), today):
        cells[slot.pupil_id][slot.term].append(slot)
    overdue: dict[int, list[PepSlot]] = defaultdict(list)
    for slot in PepSlot.objects.overdue(today).filter(pupil_id__in=ids).order_by("due", "pk"):
        overdue[slot.pupil_id].append(slot)
    rows = [GridRow(pupil, [cells[pupil.pk][term.name] for term in terms], overdue[pupil.pk]) for pupil in shown]
    counts = term_counts(children, academic_year, terms, today)
    overdue_children = children.filter(pk__in=due.filter(due__lt=today).values("pupil")).count()
    return Grid(academic_year, terms, rows, counts, overdue_children, this_page)


def term_counts(pupils: Any, academic_year: int, terms: list[TermDates], today: dt.date) -> list[dict[str, int]]:
    """Each term's slots by status (`GRID_COUNTS`, and "missing" = overdue + missed) over these children, in one
    query: each count is the number of the grid's cells in that column showing that status."""
    soon = today + dt.timedelta(days=compliance.DUE_SOON_DAYS)
    owed, not_held = Q(reason=""), Q(reason="", held_on__isnull=True)
    still_owed = Q(held_after__isnull=True) & (Q(owed_until__isnull=True) | Q(owed_until__gte=today))
    found = {
        row.pop("term"): row for row in
        PepSlot.objects.filter(academic_year=academic_year, pupil__in=pupils.values("pk")).values("term").annotate(
            on_time=Count("pk", filter=owed & Q(held_on__lte=F("due"))),
            late=Count("pk", filter=owed & Q(held_on__gt=F("due"))),
            overdue=Count("pk", filter=not_held & Q(due__lt=today) & still_owed),
            missed=Count("pk", filter=not_held & Q(due__lt=today) & ~still_owed),
            due_soon=Count("pk", filter=not_held & Q(due__gte=today, due__lte=soon)),
            later=Count("pk", filter=not_held & Q(due__gt=soon)),
            not_needed=Count("pk", filter=~Q(reason="")),
        ).order_by()
    }
    empty = dict.fromkeys((key for key, _ in GRID_COUNTS), 0)
    counts = [found.get(term.name, empty) for term in terms]
    return [{**c, compliance.MISSING: c[OVERDUE] + c[MISSED]} for c in counts]


@dataclass(frozen=True)
class PupilPeps:
    """A child's PEPs owed as their pages show them: this year's by term, the next one due, the overdue."""

    terms: list[tuple[TermDates, list[PepSlot]]]
    next_due: PepSlot | None
    overdue: list[PepSlot]


def pupil_peps(*, pupil: Pupil, academic_year: int, today: dt.date,
               calendar: SchoolCalendar | None = None) -> PupilPeps:
    """One child's stored slots: the year's, by term; the next not yet held; every overdue one (any year)."""
    terms = (calendar or Term.calendar()).terms_of(academic_year)
    slots = as_shown(list(pupil.pep_slots.order_by("due", "pk")), today)
    by_term = [(term, [s for s in slots if s.academic_year == academic_year and s.term == term.name])
               for term in terms]
    owed = [s for s in slots if not s.reason and s.held_on is None and s.held_after is None]
    overdue = [s for s in owed if s.overdue_on(today)]
    next_due = next((s for s in owed if s.due >= today), None)
    return PupilPeps(by_term, next_due, overdue)
