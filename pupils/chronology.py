"""A pupil's chronology: the story of their time with the school, newest first, as a DSL or an
inspector reads it (not the field-by-field change log of the History page).

Each kind of entry comes from a source, shown only to the roles that may see that kind of
record. The register's own sources are here; other apps add theirs from their
AppConfig.ready() (so this app names none of their models). Each source reads its entries
in one query, so the chronology runs in a constant number of queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.terms import TERM_NAMES, academic_year_bounds

from . import attendance
from .models import (
    AttendanceRecord,
    CareEpisode,
    Pupil,
    SafeguardingNote,
    TransitionItem,
    is_persistently_absent,
)


@dataclass(frozen=True)
class Entry:
    day: dt.date
    kind: str       # a word for the badge: "Care", "PEP", "Suspension"...
    text: str
    url: str = ""
    alert: bool = False  # drawn so that it stands out (a permanent exclusion, a late step)


@dataclass(frozen=True)
class Source:
    key: str
    may_see: Callable[[Any], bool]
    entries: Callable[[Pupil, dt.date], list[Entry]]
    # The pupil's related records the entries read through `pupil.<relation>.all()`: fetched once, and not
    # again if the page already fetched them for itself (prefetch_related_objects skips those).
    prefetch: Callable[[], list[Prefetch]] = lambda: []


def episodes_prefetch() -> Prefetch:
    """A pupil's care episodes, newest first, with who flagged them: for the pupil page and the chronology."""
    return Prefetch("episodes", queryset=CareEpisode.objects.select_related("flagged_by").order_by("-start_date",
                                                                                                   "-id"))


def steps_prefetch() -> Prefetch:
    return Prefetch("transition_items", queryset=TransitionItem.objects.select_related("done_by"))


def notes_prefetch() -> Prefetch:
    return Prefetch("safeguarding_notes", queryset=SafeguardingNote.objects.select_related("written_by"))


SOURCES: list[Source] = []


def source_register(source: Source) -> None:
    """Add a kind of entry to every pupil's chronology (once, however often ready() runs)."""
    if all(s.key != source.key for s in SOURCES):
        SOURCES.append(source)


def chronology(pupil: Pupil, user: Any, today: dt.date) -> list[Entry]:
    """The entries this user may see, newest first (on one day, in the order the sources give them)."""
    sources = [source for source in SOURCES if source.may_see(user)]
    prefetch_related_objects([pupil], *(lookup for source in sources for lookup in source.prefetch()))
    entries = [entry for source in sources for entry in source.entries(pupil, today)]
    return sorted(entries, key=lambda e: e.day, reverse=True)


# --- The register's own sources -------------------------------------------------------


def _roll(pupil: Pupil, today: dt.date) -> list[Entry]:
    entries = [Entry(pupil.admission_date, "Joined", "Admitted to the school")]
    if pupil.leaving_date:
        reason = f": {pupil.get_leaving_reason_display().lower()}" if pupil.leaving_reason else ""
        where = f", to {pupil.destination_school}" if pupil.destination_school else ""
        verb = "Leaves" if pupil.leaving_date > today else "Left"
        entries.append(Entry(pupil.leaving_date, "Left", f"{verb} the school{reason}{where}"))
    return entries


def _episodes(pupil: Pupil, today: dt.date) -> list[Entry]:
    entries = []
    for e in pupil.episodes.all():
        worker = f"; social worker {e.social_worker_name}" if e.social_worker_name else ""
        who = ""
        if e.flagged_by:
            who = f" (flagged by {e.flagged_by.get_full_name() or e.flagged_by.username})"
        url = reverse("pupils:episode_edit", args=[e.pk])
        entries.append(Entry(e.start_date, "Care", f"{e.get_kind_display()} began{worker}{who}", url))
        if e.end_date and e.end_date <= today:
            entries.append(Entry(e.end_date, "Care", f"{e.get_kind_display()} ended", url))
    return entries


def _notes(pupil: Pupil, today: dt.date) -> list[Entry]:
    return [Entry(timezone.localtime(n.written_at).date(), "Note", f"Safeguarding note by "
                                                f"{n.written_by.get_full_name() or n.written_by.username}: "
                                                f"{n.text[:200]}{'…' if len(n.text) > 200 else ''}")
            for n in pupil.safeguarding_notes.all()]


def _attendance(pupil: Pupil, today: dt.date) -> list[Entry]:
    """Each term at 90% or lower, or 5 points down on the term before, dated the term's last day."""
    records = sorted(AttendanceRecord.objects.filter(pupil=pupil),
                     key=lambda r: (r.academic_year, TERM_NAMES.index(r.term)))
    entries, before = [], None
    url = reverse("pupils:records", args=[pupil.pk])
    for record in records:
        low = is_persistently_absent(attended=record.attended_sessions, possible=record.possible_sessions)
        fallen = before is not None and attendance.fell_by(
            attendance.FALL_POINTS, attended=record.attended_sessions, possible=record.possible_sessions,
            before_attended=before.attended_sessions, before_possible=before.possible_sessions)
        if low or fallen:
            why = [f"{record.percentage}%"] + ([f"down from {before.percentage}%"] if fallen else [])
            entries.append(Entry(_term_end(record), "Attendance",
                                 f"Attendance concern, {record.term_label}: {', '.join(why)}", url, alert=True))
        before = record
    return entries


def _term_end(record: AttendanceRecord) -> dt.date:
    """A term's nominal last day (the figures are for the whole term): 31 Dec, 31 Mar or 31 Jul."""
    first, last = academic_year_bounds(record.academic_year)
    return {"autumn": dt.date(first.year, 12, 31), "spring": dt.date(last.year, 3, 31),
            "summer": dt.date(last.year, 7, 31)}[record.term]


def _contacts(pupil: Pupil, today: dt.date) -> list[Entry]:
    url = reverse("pupils:records", args=[pupil.pk])
    return [Entry(c.contacted_on, "Attendance",
                  f"{c.get_contacted_display()}{f' ({c.name})' if c.name else ''} contacted about attendance: "
                  f"{c.agreed[:200]}", url)
            for c in pupil.attendance_contacts.all()]


def _steps(pupil: Pupil, today: dt.date) -> list[Entry]:
    entries = []
    for item in pupil.transition_items.all():
        if item.done_on:
            confirmed = f" (confirmed by {item.confirmed_by})" if item.confirmed_by else ""
            entries.append(Entry(item.done_on, "Transfer", f"{item.label}{confirmed}"))
        elif item.due_date < today:
            entries.append(Entry(item.due_date, "Transfer", f"{item.label}: not done by its deadline",
                                 reverse("pupils:transition_done", args=[item.pk]), alert=True))
    return entries


def _sdq(pupil: Pupil, today: dt.date) -> list[Entry]:
    return [Entry(s.completed_on, "SDQ", f"SDQ total {s.total}", reverse("pupils:records", args=[pupil.pk]))
            for s in pupil.sdq_scores.all()]


for _source in (
    Source("roll", roles.can_see_social_care, _roll),
    Source("episodes", roles.can_see_social_care, _episodes, lambda: [episodes_prefetch()]),
    Source("notes", roles.can_see_safeguarding_notes, _notes, lambda: [notes_prefetch()]),
    Source("attendance", roles.can_see_social_care, _attendance),
    Source("contacts", roles.can_see_social_care, _contacts),
    Source("transitions", roles.can_see_social_care, _steps, lambda: [steps_prefetch()]),
    Source("sdq", roles.can_see_social_care, _sdq),
):
    source_register(_source)
