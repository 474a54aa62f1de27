"""The one way views fetch a pupil: a record the user may not see is a 404."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cwsw import roles

from .models import CareEpisode, Pupil, TransitionItem


def of_visible_pupils(user: Any, records: QuerySet, field: str = "pupil") -> QuerySet:
    """These records, limited to the pupils the user may see. A role that sees the whole register gets
    no condition at all: "IN (every pupil)" only keeps the database from using its indexes."""
    if roles.can_see_whole_register(user):
        return records
    return records.filter(**{f"{field}__in": Pupil.objects.visible_to(user)})


def get_pupil_for(user: Any, pk: int) -> Pupil:
    return get_object_or_404(Pupil.objects.visible_to(user), pk=pk)


def get_episode_for(user: Any, pk: int) -> CareEpisode:
    return get_object_or_404(of_visible_pupils(user, CareEpisode.objects.select_related("pupil")), pk=pk)


def get_transition_item_for(user: Any, pk: int) -> TransitionItem:
    return get_object_or_404(of_visible_pupils(user, TransitionItem.objects.select_related("pupil")), pk=pk)
