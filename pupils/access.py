"""The one way views fetch a pupil: a record the user may not see is a 404."""

from typing import Any

from django.shortcuts import get_object_or_404

from .models import CareEpisode, Pupil, TransitionItem


def get_pupil_for(user: Any, pk: int) -> Pupil:
    return get_object_or_404(Pupil.objects.visible_to(user), pk=pk)


def get_episode_for(user: Any, pk: int) -> CareEpisode:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(CareEpisode.objects.select_related("pupil").filter(pupil__in=visible), pk=pk)


def get_transition_item_for(user: Any, pk: int) -> TransitionItem:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(TransitionItem.objects.select_related("pupil").filter(pupil__in=visible), pk=pk)
