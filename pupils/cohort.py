"""The cohort rules of DESIGN.md, as plain functions.

A pupil's category on a day D is derived from their care episodes, in order of
precedence: CLA (a CLA episode active on D), PLA (a PLA episode started on or
before D), CWSW (a CIN or CP episode active on D), CWSW_PREV (a CLA, CIN or CP
episode ended in the six years before D), KINSHIP (a kinship arrangement, KIN, active
on D), else None. A pupil with an active kinship arrangement carries the kinship
marker whatever their category (`in_kinship_care`). The database version of the
same rules is `PupilQuerySet.with_category`; tests check the two agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

CLA, PLA, CIN, CP, KIN = "CLA", "PLA", "CIN", "CP", "KIN"
CWSW, CWSW_PREV, KINSHIP = "CWSW", "CWSW_PREV", "KINSHIP"

# In order of precedence: a pupil is in the first that applies.
CATEGORIES = (CLA, PLA, CWSW, CWSW_PREV, KINSHIP)
CATEGORY_LABELS = {
    CLA: "Looked after (CLA)",
    PLA: "Previously looked after (PLA)",
    CWSW: "Has a social worker (CWSW)",
    CWSW_PREV: "Had a social worker (last 6 years)",
    KINSHIP: "In kinship care",
}
# The same, short enough for a badge; and a current plan named, so CP and CIN can be told apart.
CATEGORY_SHORT = {
    CLA: "Looked after",
    PLA: "Previously looked after",
    CWSW: "Social worker",
    CWSW_PREV: "Had a social worker",
    KINSHIP: "Kinship care",
}
KINSHIP_MARKER = "Kinship care"
PLAN_LABELS = {CP: "Child protection plan", CIN: "Child in need plan"}
NOT_IN_COHORT_LABEL = "Not in the cohort"


def category_label(category: str | None, plan: str | None = None, *, short: bool = False) -> str:
    """The plain words for a category (and, for CWSW, its current plan): the one place pages,
    CSV files and PDFs take them from."""
    if not category:
        return NOT_IN_COHORT_LABEL
    if category == CWSW and plan in PLAN_LABELS:
        return PLAN_LABELS[plan]
    return (CATEGORY_SHORT if short else CATEGORY_LABELS)[category]


# The categories in which a pupil has a social worker now: the one told of an absence or a suspension.
HAS_SOCIAL_WORKER = (CLA, CWSW)

# Episodes that count towards "had a social worker in the last six years".
PREVIOUS_KINDS = (CLA, CIN, CP)
PREVIOUS_WINDOW_YEARS = 6


class Episode(Protocol):
    kind: str
    start_date: dt.date
    end_date: dt.date | None


def add_years(day: dt.date, years: int) -> dt.date:
    """Add calendar years; 29 February lands on 28 February in a common year.

    Beyond the calendar's ends (years 1 and 9999, reached only by nonsense input on its way
    to a validation error) the answer stops at the end.
    """
    year = day.year + years
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def previous_window_end(end_date: dt.date) -> dt.date:
    """Return the last day an episode that ended on end_date keeps a pupil in CWSW_PREV."""
    return add_years(end_date, PREVIOUS_WINDOW_YEARS)


def earliest_counting_end(as_of: dt.date) -> dt.date:
    """Return the earliest end date that still counts for CWSW_PREV on as_of."""
    candidate = add_years(as_of, -PREVIOUS_WINDOW_YEARS)
    # On 29 February, 28 February six years earlier is one day too early.
    if previous_window_end(candidate) < as_of:
        candidate += dt.timedelta(days=1)
    return candidate


def is_active(episode: Episode, as_of: dt.date) -> bool:
    return episode.start_date <= as_of and (episode.end_date is None or episode.end_date >= as_of)


def category_from_episodes(episodes: Iterable[Episode], as_of: dt.date) -> str | None:
    """Return the pupil's cohort category on as_of from their care episodes."""
    episodes = list(episodes)
    if any(e.kind == CLA and is_active(e, as_of) for e in episodes):
        return CLA
    if any(e.kind == PLA and e.start_date <= as_of for e in episodes):
        return PLA
    if any(e.kind in (CIN, CP) and is_active(e, as_of) for e in episodes):
        return CWSW
    threshold = earliest_counting_end(as_of)
    if any(
        e.kind in PREVIOUS_KINDS and e.end_date is not None and threshold <= e.end_date < as_of
        for e in episodes
    ):
        return CWSW_PREV
    if in_kinship_care(episodes, as_of):
        return KINSHIP
    return None


def in_kinship_care(episodes: Iterable[Episode], as_of: dt.date) -> bool:
    """A kinship arrangement (KIN) is active on as_of: the "kinship care" marker, whatever the category."""
    return any(e.kind == KIN and is_active(e, as_of) for e in episodes)


def plan_from_episodes(episodes: Iterable[Episode], as_of: dt.date) -> str | None:
    """The plan active on as_of: "CP" before "CIN" when both are, else None."""
    kinds = {e.kind for e in episodes if e.kind in (CIN, CP) and is_active(e, as_of)}
    return CP if CP in kinds else CIN if CIN in kinds else None


def category_during(episodes: Iterable[Episode], first: dt.date, last: dt.date) -> str | None:
    """The highest category (CLA first) the pupil had on any day from first to last, or None."""
    episodes = list(episodes)
    if last < first:
        return None

    def overlaps(e: Episode) -> bool:
        return e.start_date <= last and (e.end_date is None or e.end_date >= first)

    if any(e.kind == CLA and overlaps(e) for e in episodes):
        return CLA
    if any(e.kind == PLA and e.start_date <= last for e in episodes):
        return PLA
    if any(e.kind in (CIN, CP) and overlaps(e) for e in episodes):
        return CWSW
    # Some day D from first to last with end < D <= end + 6 years.
    if any(
        e.kind in PREVIOUS_KINDS and e.end_date is not None and e.end_date < last
        and previous_window_end(e.end_date) >= first
        for e in episodes
    ):
        return CWSW_PREV
    if any(e.kind == KIN and overlaps(e) for e in episodes):
        return KINSHIP
    return None


def labelled(counts: dict[str, object]) -> list[tuple[str, str, object]]:
    """Return (category, label, count) rows in the register's order, for templates."""
    return [(c, CATEGORY_LABELS[c], counts[c]) for c in CATEGORIES]
