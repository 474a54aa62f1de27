"""Reads about suspensions and exclusions: the year's records and each one's flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F

from cwsw.models import Term
from cwsw.terms import SchoolCalendar, academic_year_bounds
from pupils import cohort
from pupils.access import of_visible_pupils
from pupils.models import CareEpisode, Pupil

from ..exclusion_flags import ExclusionFlags, exclusion_flags
from ..models import ExclusionConsultation


@dataclass(frozen=True)
class ExclusionRow:
    """An exclusion record, the pupil's category on its decision date, and what needs doing."""

    exclusion: ExclusionConsultation
    category: str | None
    flags: ExclusionFlags
    plan: str | None = None  # "CP" or "CIN" on that day, for a CWSW pupil


def _exclusion_rows(
    exclusions: list[ExclusionConsultation], episodes: list[CareEpisode], *, calendar: Any, today: dt.date,
    sen_status: str, shown: Any = lambda e: True,
) -> list[ExclusionRow]:
    """Rows for one pupil's exclusions (all of them are needed to work out each one's flags)."""
    rows = []
    for e in exclusions:
        if shown(e):
            day = e.decision_date or today
            category = cohort.category_from_episodes(episodes, day)
            rows.append(ExclusionRow(e, category, exclusion_flags(
                e, pupil_exclusions=exclusions, calendar=calendar, category=category,
                sen_status=sen_status), plan=cohort.plan_from_episodes(episodes, day)))
    return rows


def pupil_exclusions(*, pupil: Pupil, today: dt.date) -> list[ExclusionRow]:
    exclusions = list(pupil.exclusions.all())
    if not exclusions:
        return []
    calendar = Term.calendar()
    return _exclusion_rows(exclusions, list(pupil.episodes.all()), calendar=calendar, today=today,
                           sen_status=pupil.sen_status)


EXCLUSION_ORDERINGS = {
    "": ("-incident_date", "-pk"),
    "oldest": ("incident_date", "pk"),
    "name": ("pupil__last_name", "pupil__first_name", "-incident_date", "pk"),
    "days": (F("days").desc(nulls_last=True), "-incident_date", "-pk"),
}


def exclusions_in_year(*, user: Any, academic_year: int, decision: str = "", ordering: str = "") -> Any:
    """The year's exclusion records of the pupils the user sees (a queryset to page): newest first unless
    `ordering` says otherwise, of one decision if given ("awaiting": none yet)."""
    first, last = academic_year_bounds(academic_year)
    records = ExclusionConsultation.objects.filter(incident_date__range=(first, last))
    if decision == "awaiting":
        records = records.filter(decision="")
    elif decision:
        records = records.filter(decision=decision)
    return of_visible_pupils(user, records).select_related("pupil").order_by(
        *EXCLUSION_ORDERINGS.get(ordering, EXCLUSION_ORDERINGS[""]))


def exclusion_rows(exclusions: list[ExclusionConsultation], *, today: dt.date,
                   calendar: SchoolCalendar | None = None) -> list[ExclusionRow]:
    """Rows for these exclusion records (their pupils selected), with their flags.

    A record's flags depend on the pupil's other suspensions and care history: those are read
    for these pupils only, in two queries, so a page of rows costs the same in any school.
    """
    ids = {e.pupil_id for e in exclusions}
    pupils = {e.pupil_id: e.pupil for e in exclusions}
    theirs: dict[int, list[ExclusionConsultation]] = defaultdict(list)
    for other in ExclusionConsultation.objects.filter(pupil__in=ids):
        other.pupil = pupils[other.pupil_id]
        theirs[other.pupil_id].append(other)
    episodes: dict[int, list[CareEpisode]] = defaultdict(list)
    for episode in CareEpisode.objects.filter(pupil__in=ids):
        episodes[episode.pupil_id].append(episode)
    wanted = {e.pk for e in exclusions}
    if calendar is None:
        calendar = Term.calendar()
    rows = []
    for pk in ids:
        rows += _exclusion_rows(theirs[pk], episodes[pk], calendar=calendar, today=today,
                                sen_status=pupils[pk].sen_status, shown=lambda e: e.pk in wanted)
    order = {e.pk: i for i, e in enumerate(exclusions)}
    return sorted(rows, key=lambda row: order[row.exclusion.pk])
