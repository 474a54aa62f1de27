"""Pages about transfer packs: a pupil's packs, one pack's progress, its download."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog
from pupils.access import get_pupil_for

from .. import services
from ..access import get_transfer_pack_for
from ..models import TransferPack


@role_required(roles.can_see_social_care)
def transfer_packs(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's transfer packs, and a button to build one for the next school."""
    pupil = get_pupil_for(request.user, pk)
    if request.method == "POST":
        pack = services.transfer_pack_request(pupil=pupil, by=request.user)
        return redirect(pack)
    packs = TransferPack.objects.filter(pupil=pupil).select_related("requested_by")
    if not roles.can_see_safeguarding_notes(request.user):
        packs = packs.filter(with_safeguarding=False)
    AccessLog.record(user=request.user, code="packs.viewed", pupils=[pupil])
    return render(request, "pep/transfer_packs.html", {
        "pupil": pupil, "packs": packs[:20], "with_notes": roles.can_see_safeguarding_notes(request.user)})


@role_required(roles.can_see_social_care)
def transfer_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """One pack's progress, then its download (the progress part is polled by htmx)."""
    if request.htmx:
        pack = get_transfer_pack_for(request.user, pk, with_pupil=False)
        return render(request, "pep/_transfer_pack_progress.html", {"pack": pack})
    pack = get_transfer_pack_for(request.user, pk)
    AccessLog.record(user=request.user, code="pack.viewed", pupils=[pack.pupil], about=pack)
    return render(request, "pep/transfer_pack.html", {"pack": pack, "pupil": pack.pupil})


@role_required(roles.can_see_social_care)
def transfer_pack_download(request: HttpRequest, pk: int) -> FileResponse:
    pack = get_transfer_pack_for(request.user, pk)
    if pack.status != TransferPack.READY:
        return redirect(pack)
    services.transfer_pack_download_log(pack=pack, by=request.user)
    # No UPN in the name: a file name travels in e-mails and download folders.
    return FileResponse(pack.pdf.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=f"transfer-pack-{pack.pk}-{pack.requested_at:%Y-%m-%d}.pdf")
