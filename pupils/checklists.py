"""The joining and leaving checklists kept in step with each pupil's records (a derived fact: pupils.derived).

Which steps a pupil gets, and their deadlines, are the rules of `transitions.py`; this stores them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cwsw.models import Term
from cwsw.terms import SchoolCalendar

from . import transitions
from .models import CareEpisode, Pupil, TransitionItem


@transaction.atomic
def checklists_sync(*, pupils: Iterable[Pupil], today: dt.date | None = None,
                    calendar: SchoolCalendar | None = None) -> None:
    """Bring these pupils' joining and leaving checklists in step with their dates and history.

    A step that now applies is added with its deadline; an open step's deadline follows the dates;
    a step for a new leaving (or admission) date starts again; an open step that no longer applies
    (the leaving was cancelled, the reason changed) goes. A step done stays done. Constant queries.
    """
    pupils = [p for p in pupils if p.pk]
    if not pupils:
        return
    today = today or timezone.localdate()
    calendar = calendar or Term.calendar()
    ids = [p.pk for p in pupils]
    # Two saves for the same pupil at once (the DT edits details as the DSL adds an episode) would both
    # add the same steps: the second waits for the first here, then finds its steps (PostgreSQL).
    list(Pupil.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    episodes: dict[int, list[CareEpisode]] = defaultdict(list)
    for episode in CareEpisode.objects.filter(pupil_id__in=ids):
        episodes[episode.pupil_id].append(episode)
    have: dict[int, dict[str, TransitionItem]] = defaultdict(dict)
    for item in TransitionItem.objects.filter(pupil_id__in=ids):
        have[item.pupil_id][item.step] = item
    new: list[TransitionItem] = []
    for pupil in pupils:
        items = have[pupil.pk]
        started = {(i.checklist, i.counted_from) for i in items.values()}
        wanted = transitions.steps_for(
            admission_date=pupil.admission_date, leaving_date=pupil.leaving_date, reason=pupil.leaving_reason,
            episodes=episodes[pupil.pk], today=today,
            joining_started=(transitions.JOINING, pupil.admission_date) in started,
            leaving_started=(transitions.LEAVING, pupil.leaving_date) in started,
        )
        for key, counted_from in wanted.items():
            due = transitions.deadline(transitions.STEPS[key], counted_from, calendar)
            item = items.get(key)
            if item is None:
                new.append(TransitionItem(pupil=pupil, step=key, counted_from=counted_from, due_date=due))
            elif item.counted_from != counted_from:
                # Left (or joined) again: the step is to be done again for this move.
                item.counted_from, item.due_date = counted_from, due
                item.done_on, item.done_by, item.confirmed_by, item.note = None, None, "", ""
                item.save()
            elif not item.is_done and item.due_date != due:
                item.due_date = due
                item.save(update_fields=["due_date"])
        for key, item in items.items():
            if key not in wanted and not item.is_done:
                item.delete()
    if new:
        bulk_create_with_history(new, TransitionItem)



def checklists_rebuild(pupil_ids: list[int], calendar: SchoolCalendar | None = None) -> None:
    """The joining and leaving checklists of these pupils, in step with their records (pupils.derived)."""
    checklists_sync(pupils=list(Pupil.objects.filter(pk__in=pupil_ids)), calendar=calendar)
