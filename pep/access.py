"""One way to fetch each casework record: a record the user may not see is a 404."""

from typing import Any

from django.shortcuts import get_object_or_404

from cwsw import roles
from pupils.access import of_visible_pupils

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
    return get_object_or_404(of_visible_pupils(user, PepMeeting.objects.select_related("pupil")), pk=pk)


def get_target_for(user: Any, pk: int) -> PepTarget:
    return get_object_or_404(
        of_visible_pupils(user, PepTarget.objects.select_related("pep__pupil"), "pep__pupil"), pk=pk
    )


def get_allocation_for(user: Any, pk: int) -> PpPlusAllocation:
    return get_object_or_404(of_visible_pupils(user, PpPlusAllocation.objects.select_related("pupil")), pk=pk)


def get_exclusion_for(user: Any, pk: int) -> ExclusionConsultation:
    return get_object_or_404(of_visible_pupils(user, ExclusionConsultation.objects.select_related("pupil")), pk=pk)


def get_spend_for(user: Any, pk: int) -> PpPlusSpend:
    return get_object_or_404(
        of_visible_pupils(user, PpPlusSpend.objects.select_related("allocation__pupil"), "allocation__pupil"), pk=pk
    )


def get_invitation_for(user: Any, pk: int) -> Invitation:
    return get_object_or_404(
        of_visible_pupils(user, Invitation.objects.select_related("pep__pupil"), "pep__pupil"), pk=pk
    )


def get_contribution_for(user: Any, pk: int) -> Contribution:
    return get_object_or_404(
        of_visible_pupils(user, Contribution.objects.select_related("pep__pupil", "invitation"), "pep__pupil"), pk=pk
    )


def get_transfer_pack_for(user: Any, pk: int, *, with_pupil: bool = True) -> TransferPack:
    """A pack with safeguarding notes is the DSL's and the head's only: to anyone else it is not there.

    `with_pupil=False` reads the pack alone (its progress), so no pupil's record is read or logged.
    """
    packs = of_visible_pupils(user, TransferPack.objects.all())
    if with_pupil:
        packs = packs.select_related("pupil", "requested_by")
    if not roles.can_see_safeguarding_notes(user):
        packs = packs.filter(with_safeguarding=False)
    return get_object_or_404(packs, pk=pk)


def get_provision_for(user: Any, pk: int) -> Provision:
    return get_object_or_404(of_visible_pupils(user, Provision.objects.select_related("pupil")), pk=pk)
