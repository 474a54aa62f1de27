"""Writes about transfer packs: asking for one (logged as an export) and each download."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cwsw import roles
from cwsw.builds import build_queue

from ..models import TransferPack
from ..tasks import build_transfer_pack
from .common import lock_pupil, log


@transaction.atomic
def transfer_pack_request(*, pupil: Any, by: Any) -> TransferPack:
    """Queue a transfer pack to be built once the request's transaction commits; logged as an export.

    Safeguarding notes go in only when the DSL or the head asks for it.
    """
    lock_pupil(pupil.pk)
    with_notes = roles.can_see_safeguarding_notes(by)
    pack = TransferPack.objects.create(pupil=pupil, requested_by=by, with_safeguarding=with_notes, stage="Queued")
    log(by, pupil.pk, "pack.built", about=pack, data={"with_safeguarding": with_notes})
    build_queue(pack, build_transfer_pack)
    return pack


@transaction.atomic
def transfer_pack_download_log(*, pack: TransferPack, by: Any) -> None:
    log(by, pack.pupil_id, "pack.downloaded", about=pack, data={"with_safeguarding": pack.with_safeguarding})
