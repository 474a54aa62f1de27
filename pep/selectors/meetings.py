"""Reads about PEPs: the compliance grid, each child's slots, what is overdue or due soon."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Min, Q, Window

from cwsw import roles
from cwsw.models import SchoolProfile, Term
from cwsw.terms import academic_year_bounds, academic_year_of
from pupils import cohort
from pupils.access import of_visible_pupils
from pupils.models import CareEpisode, Pupil

from .. import compliance
from ..models import COMPLETE, HELD, PEPS_A_YEAR, PepMeeting, PepSlot


def _on_roll(admitted: dt.date, left: dt.date | None) -> compliance.Period:
    """The days a pupil is on roll: a leaving date is their first day off roll."""
    return compliance.Period(admitted, left and left - dt.timedelta(days=1))


@dataclass(frozen=True)
class PupilRef:
    pk: int
    first_name: str
    last_name: str


@dataclass(frozen=True)
class PepRef:
    """The few fields of a PEP the grid needs (the grid may cover hundreds of children)."""

    pk: int
    academic_year: int
    term: str
    status: str
    meeting_date: dt.date


@dataclass
class GridRow:
    pupil: PupilRef
    slots: list[compliance.Slot]
    held: int
    # The child's oldest overdue PEP, from any academic year.
    overdue: PepSlot | None = None

    @property
    def fewer_than_expected(self) -> bool:
        return self.held < PEPS_A_YEAR


@dataclass
class Grid:
    academic_year: int
    terms: list
    rows: list[GridRow]  # the children on this page, named by the caller
    counts: list  # each term's statuses over every child the grid holds, not only this page
    page: Any = None  # the Paginator page of pupil ids


def compliance_grid(*, user: Any, academic_year: int, today: dt.date, overdue_only: bool = False,
                    due_only: bool = False, search: str = "", page: str | int | None = 1) -> Grid:
    """Every looked-after child on roll in the year (that the user may see), by term, a page at a time;
    optionally only those with a PEP overdue, or overdue or due soon, or whose name or UPN matches.

    Which children, and the counts under the grid, come from the stored PEP slots; the rows shown are
    worked out by the rule itself (`grid_rows`) for the children on the page only.
    """
    pupils = Pupil.objects.visible_to(user)
    if search:
        pupils = pupils.search(search)
    first, last = academic_year_bounds(academic_year)
    looked_after = pupils.looked_after_during(first, last)
    overdue = PepSlot.objects.overdue(today).values("pupil")
    if overdue_only:
        looked_after = looked_after.filter(pk__in=overdue)
    elif due_only:
        soon = (PepSlot.objects.filter(academic_year=academic_year)
                .due_soon(today, compliance.DUE_SOON_DAYS).values("pupil"))
        looked_after = looked_after.filter(Q(pk__in=overdue) | Q(pk__in=soon))
    ordered = looked_after.order_by("last_name", "first_name", "pk").values_list("pk", flat=True)
    shown = Paginator(ordered, settings.GRID_PAGE_SIZE).get_page(page)
    terms, rows = grid_rows(pupils=Pupil.objects.filter(pk__in=list(shown.object_list)),
                            academic_year=academic_year, today=today)
    # Every child with a slot in the year was looked after and on roll in it: unnarrowed, the grid's children
    # are all the year's slots hold, and the counts need not ask which children.
    everyone = not (search or overdue_only or due_only) and roles.can_see_whole_register(user)
    counts = term_counts(None if everyone else looked_after, academic_year, terms, today)
    return Grid(academic_year, terms, rows, counts, shown)


def term_counts(pupils: Any, academic_year: int, terms: list, today: dt.date) -> list[dict[str, int]]:
    """Each term's on time, late, missing and due soon over all these children, or all the year's children
    when `pupils` is None (one query on the slots)."""
    soon = today + dt.timedelta(days=compliance.DUE_SOON_DAYS)
    not_held = Q(held_on__isnull=True)
    slots = PepSlot.objects.filter(academic_year=academic_year)
    if pupils is not None:
        slots = slots.filter(pupil__in=pupils.values("pk"))
    found = {
        row.pop("term"): row for row in
        slots.values("term").annotate(
            on_time=Count("pk", filter=Q(held_on__lte=F("due"))),
            late=Count("pk", filter=Q(held_on__gt=F("due"))),
            missing=Count("pk", filter=not_held & Q(due__lt=today)),
            due_soon=Count("pk", filter=not_held & Q(due__gte=today, due__lte=soon)),
        ).order_by()
    }
    empty = {"on_time": 0, "late": 0, "missing": 0, "due_soon": 0}
    return [found.get(term.name, empty) for term in terms]


def peps_due(*, user: Any, today: dt.date, limit: int) -> tuple[int, list[tuple[PupilRef, PepSlot]]]:
    """PEPs overdue (each child's oldest, from any year) and, for children with none overdue, PEPs due in the
    next DUE_SOON_DAYS days this academic year: how many, and the first `limit` by due date with the children's
    names (read for those only). From the stored slots, in a fixed number of queries."""
    slots = of_visible_pupils(user, PepSlot.objects.all())
    overdue = slots.overdue(today)
    soon = (slots.filter(academic_year=academic_year_of(today))
            .due_soon(today, compliance.DUE_SOON_DAYS).exclude(pupil__in=overdue.values("pupil")))
    if not limit:
        return overdue.values("pupil").distinct().count() + soon.count(), []
    # The children with the oldest overdue PEPs, each row carrying how many children have one (a window over
    # the grouped rows): one query, then those children's slots.
    children = list(overdue.order_by().values("pupil").annotate(first=Min("due"), children=Window(Count("*")))
                    .order_by("first", "pupil")[:limit])
    count = (children[0]["children"] if children else 0) + soon.count()
    if not count:
        return 0, []
    # Each child's oldest is due on their `first` day: naming those days lets the index of slots not yet held
    # set aside the other overdue slots before their rows are read (SQLite prefers that index to the pupil's).
    oldest = _oldest(overdue.filter(pupil__in=[c["pupil"] for c in children],
                                    due__in={c["first"] for c in children}))
    shown = [oldest[c["pupil"]] for c in children]
    if len(shown) < limit:
        shown += list(soon.order_by("due", "pk")[:limit - len(shown)])
    names = named([PupilRef(slot.pupil_id, "", "") for slot in shown])
    return count, list(zip(names, shown, strict=True))


def _pep_window(academic_year: int) -> tuple[dt.date, dt.date]:
    """Meeting dates that can count for the year's terms (a meeting in the summer holiday counts for autumn)."""
    return dt.date(academic_year, 7, 1), dt.date(academic_year + 1, 8, 31)


def _care_periods(ids: Any) -> dict[int, list[compliance.Period]]:
    periods: dict[int, list[compliance.Period]] = defaultdict(list)
    for pupil_id, start, end in (
        CareEpisode.objects.filter(kind=cohort.CLA, pupil__in=ids).order_by("start_date")
        .values_list("pupil_id", "start_date", "end_date")
    ):
        periods[pupil_id].append(compliance.Period(start, end))
    return periods


def _latest_held(ids: Any) -> dict[int, dt.date]:
    """Each pupil's latest PEP held, in any year (one query)."""
    return dict(
        PepMeeting.objects.filter(pupil__in=ids, status__in=[HELD, COMPLETE]).values("pupil")
        .annotate(latest=Max("meeting_date")).values_list("pupil", "latest").order_by()
    )


def _oldest(overdue: Any) -> dict[int, PepSlot]:
    """Each child's oldest of these overdue slots, marked overdue."""
    oldest: dict[int, PepSlot] = {}
    for slot in overdue.order_by("-due", "-pk"):
        slot.overdue = True
        oldest[slot.pupil_id] = slot  # the oldest is read last
    return oldest


def overdue_peps(*, pupils: Any, today: dt.date) -> dict[int, tuple[PupilRef, PepSlot]]:
    """The oldest overdue PEP of each of these children still looked after and on roll, from any academic
    year: from the stored slots (slots.py), in two queries."""
    # Names are not read here (a caller may show a few of many): see `named`.
    oldest = _oldest(PepSlot.objects.overdue(today).filter(pupil__in=pupils.values("pk")))
    return {pk: (PupilRef(pk, "", ""), slot) for pk, slot in oldest.items()}


def named(refs: list[PupilRef]) -> list[PupilRef]:
    """The same pupils with their names, read only for those about to be shown (one query)."""
    names = {pk: (first, last) for pk, first, last in
             Pupil.objects.filter(pk__in=[r.pk for r in refs]).values_list("pk", "first_name", "last_name")}
    return [PupilRef(r.pk, *names.get(r.pk, ("", ""))) for r in refs]


def named_rows(rows: list[GridRow]) -> list[GridRow]:
    """The grid rows about to be shown, with their children's names (one query)."""
    for row, pupil in zip(rows, named([row.pupil for row in rows]), strict=True):
        row.pupil = pupil
    return rows


def pupil_overdue(*, pupil: Pupil, today: dt.date) -> PepSlot | None:
    """The pupil's oldest overdue PEP, from any year, or None: from the stored slots."""
    slot = pupil.pep_slots.overdue(today).order_by("due", "pk").first()
    if slot is not None:
        slot.overdue = True
    return slot


def grid_rows(*, pupils: Any, academic_year: int, today: dt.date) -> tuple[list, list[GridRow]]:
    """The year's terms and the grid's rows for the given pupils (a page of them), worked out by the PEP rule:
    on time, late, missing, due soon, in a fixed number of queries.

    The rows are in name order but carry no names: a caller names the few it shows (`named_rows`),
    so the access log records exactly the children on the page.
    """
    first, last = academic_year_bounds(academic_year)
    calendar = Term.calendar()
    terms = calendar.terms_of(academic_year)
    school_days = SchoolProfile.load().initial_pep_school_days
    looked_after = pupils.looked_after_during(first, last)
    overdue = overdue_peps(pupils=pupils, today=today)
    ids = looked_after.values("pk")
    periods, latest = _care_periods(ids), _latest_held(ids)
    peps: dict[int, list[PepRef]] = defaultdict(list)
    for pk, pupil_id, term, status, meeting_date in (
        PepMeeting.objects.filter(meeting_date__range=_pep_window(academic_year), pupil__in=ids)
        .order_by("meeting_date").values_list("pk", "pupil_id", "term", "status", "meeting_date")
    ):
        peps[pupil_id].append(PepRef(pk, academic_year, term, status, meeting_date))
    rows = []
    ordered = looked_after.order_by("last_name", "first_name", "pk")
    for pk, admitted, left in ordered.values_list("pk", "admission_date", "leaving_date"):
        slots = compliance.pep_slots(
            cla_periods=periods[pk], on_roll=_on_roll(admitted, left), terms=terms, peps=peps[pk],
            school_days=school_days, calendar=calendar, today=today, latest_held=latest.get(pk),
        )
        held = sum(1 for s in slots if s.status in (compliance.ON_TIME, compliance.LATE))
        rows.append(GridRow(PupilRef(pk, "", ""), slots, held,
                            overdue[pk][1] if pk in overdue else None))
    return terms, rows


def pupil_slots(*, pupil: Pupil, academic_year: int, today: dt.date,
                peps: list[PepMeeting] | None = None) -> list[compliance.Slot]:
    """One pupil's PEP slots in the year. They are worked out from all the pupil's PEPs, read once: those in
    the year's terms, and the latest held in any year. `peps` is that list when the caller has it already."""
    calendar = Term.calendar()
    periods = [compliance.Period(start, end) for start, end in (
        pupil.episodes.filter(kind=cohort.CLA).order_by("start_date").values_list("start_date", "end_date"))]
    return compliance.pep_slots(
        cla_periods=periods, on_roll=_on_roll(pupil.admission_date, pupil.leaving_date),
        terms=calendar.terms_of(academic_year), peps=list(pupil.peps.all()) if peps is None else peps,
        school_days=SchoolProfile.load().initial_pep_school_days, calendar=calendar, today=today,
    )
