"""Category spells: each pupil's cohort category over time, stored so a date is an indexed lookup.

A pupil's category (cohort.category_from_episodes) can change only on a few days: the day an
episode starts, the day after it ends, and the day after its six-year "had a social worker"
window closes. Between two such days it is constant, so the whole history is a short list of
spells (category, first day, last day or open; for a child with a social worker now, the plan in force,
and whether a kinship arrangement is active, which change only on those days too), each with a copy of
the pupil's dates on roll.
`spells_rebuild` works them out from a pupil's records; it is the first of the derived facts
`pupils.derived` rebuilds whenever a service changes a pupil's records. `cohort.py` stays the
rule the stored spells are tested against.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import transaction

from . import cohort

ONE_DAY = dt.timedelta(days=1)


class Spell(NamedTuple):
    category: str
    start: dt.date
    end: dt.date | None  # the last day; None while it has no end
    plan: str = ""  # with a social worker now: the plan in force ("CP" before "CIN", cohort.plan_from_episodes)
    kinship: bool = False  # a kinship arrangement is active (cohort.in_kinship_care), whatever the category


def _day_after(day: dt.date) -> dt.date | None:
    return None if day == dt.date.max else day + ONE_DAY


def change_days(episodes: Iterable[cohort.Episode]) -> list[dt.date]:
    """Every day on which the category may differ from the day before, in order."""
    days = set()
    for e in episodes:
        days.add(e.start_date)
        if e.end_date is not None:
            days.add(_day_after(e.end_date))
            if e.kind in cohort.PREVIOUS_KINDS:
                days.add(_day_after(cohort.previous_window_end(e.end_date)))
    days.discard(None)
    return sorted(days)


def spells_from_episodes(episodes: Iterable[cohort.Episode]) -> list[Spell]:
    """The pupil's spells in a category, from their care episodes (days in no category are left out)."""
    episodes = list(episodes)
    days = change_days(episodes)
    spells: list[Spell] = []
    for i, first in enumerate(days):
        last = days[i + 1] - ONE_DAY if i + 1 < len(days) else None
        category = cohort.category_from_episodes(episodes, first)
        if category is None:
            continue
        plan = (cohort.plan_from_episodes(episodes, first) or "") if category == cohort.CWSW else ""
        kinship = cohort.in_kinship_care(episodes, first)
        before = spells[-1] if spells else None
        if (before and (before.category, before.plan, before.kinship) == (category, plan, kinship)
                and before.end == first - ONE_DAY):
            spells[-1] = spells[-1]._replace(end=last)
        else:
            spells.append(Spell(category, first, last, plan, kinship))
    return spells


@transaction.atomic
def spells_rebuild(pupil_ids: Iterable[int]) -> int:
    """Replace the stored spells of these pupils with those their episodes give now; return how many."""
    from .models import CareEpisode, CategorySpell, Pupil

    ids = list(pupil_ids)
    by_pupil: dict[int, list[Any]] = defaultdict(list)
    on_roll: dict[int, tuple[dt.date, dt.date | None]] = {}
    for start in range(0, len(ids), 900):  # SQLite allows so many parameters in a query
        chunk = ids[start:start + 900]
        CategorySpell.objects.filter(pupil_id__in=chunk).delete()
        for episode in CareEpisode.objects.filter(pupil_id__in=chunk).only("pupil_id", "kind", "start_date",
                                                                              "end_date"):
            by_pupil[episode.pupil_id].append(episode)
        on_roll.update((pk, (admitted, left)) for pk, admitted, left in Pupil.objects.filter(
            pk__in=[pk for pk in chunk if pk in by_pupil]).values_list("pk", "admission_date", "leaving_date"))
    rows = [CategorySpell(pupil_id=pk, category=s.category, plan=s.plan, kinship=s.kinship, start=s.start, end=s.end,
                          admission_date=on_roll[pk][0], leaving_date=on_roll[pk][1])
            for pk, episodes in by_pupil.items() for s in spells_from_episodes(episodes)]
    CategorySpell.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
