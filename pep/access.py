"""One way to fetch each casework record: a record the user may not see is a 404."""

from typing import Any

from django.shortcuts import get_object_or_404

from cwsw import roles
from pupils.models import Pupil

from .models import (
    Contribution,
    ExclusionConsultation,
    Invitation,
    PepMeeting,
    PepTarget,
    PpPlusAllocation,
    PpPlusSpend,
    Provision,
    TransferPack,
)


def get_pep_for(user: Any, pk: int) -> PepMeeting:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(PepMeeting.objects.select_related("pupil").filter(pupil__in=visible), pk=pk)


def get_target_for(user: Any, pk: int) -> PepTarget:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(
        PepTarget.objects.select_related("pep__pupil").filter(pep__pupil__in=visible), pk=pk
    )


def get_allocation_for(user: Any, pk: int) -> PpPlusAllocation:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(PpPlusAllocation.objects.select_related("pupil").filter(pupil__in=visible), pk=pk)


def get_exclusion_for(user: Any, pk: int) -> ExclusionConsultation:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(
        ExclusionConsultation.objects.select_related("pupil").filter(pupil__in=visible), pk=pk
    )


def get_spend_for(user: Any, pk: int) -> PpPlusSpend:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(
        PpPlusSpend.objects.select_related("allocation__pupil").filter(allocation__pupil__in=visible), pk=pk
    )


def get_invitation_for(user: Any, pk: int) -> Invitation:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(Invitation.objects.select_related("pep__pupil").filter(pep__pupil__in=visible), pk=pk)


def get_contribution_for(user: Any, pk: int) -> Contribution:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(
        Contribution.objects.select_related("pep__pupil", "invitation").filter(pep__pupil__in=visible), pk=pk
    )


def get_transfer_pack_for(user: Any, pk: int, *, with_pupil: bool = True) -> TransferPack:
    """A pack with safeguarding notes is the DSL's and the head's only: to anyone else it is not there.

    `with_pupil=False` reads the pack alone (its progress), so no pupil's record is read or logged.
    """
    packs = TransferPack.objects.filter(pupil__in=Pupil.objects.visible_to(user))
    if with_pupil:
        packs = packs.select_related("pupil", "requested_by")
    if not roles.can_see_safeguarding_notes(user):
        packs = packs.filter(with_safeguarding=False)
    return get_object_or_404(packs, pk=pk)


def get_provision_for(user: Any, pk: int) -> Provision:
    visible = Pupil.objects.visible_to(user)
    return get_object_or_404(Provision.objects.select_related("pupil").filter(pupil__in=visible), pk=pk)
