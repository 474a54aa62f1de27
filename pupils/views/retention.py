"""Records past the retention point: the head's review, and deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog

from .. import retention
from ..access import get_pupil_for
from ..forms import ErasureForm


@role_required(roles.can_review_retention)
def retention_review(request: HttpRequest) -> HttpResponse:
    """Records past the retention point (date of birth + 25 years), for the head to review."""
    pupils = retention.past_retention()
    AccessLog.record(user=request.user, code="retention.listed", pupils=pupils)
    return render(request, "pupils/retention.html", {"pupils": pupils, "years": retention.RETENTION_YEARS})


@role_required(roles.can_review_retention)
def pupil_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Review one record past the retention point and delete it, with its casework and history."""
    pupil = get_pupil_for(request.user, pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            retention.pupil_erase(pupil=pupil, by=request.user)
        except retention.ErasureRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("pupils:erase", pk=pk)
        messages.success(request, f"The records of pupil number {pk} are deleted. The access log keeps a note of it.")
        return redirect("pupils:retention")
    AccessLog.record(user=request.user, code="retention.viewed", pupils=[pupil])
    context = {
        "pupil": pupil,
        "form": form,
        "retain_until": retention.retention_point(pupil),
        "refusal": retention.erasure_refusal(pupil),
        "counts": retention.record_counts(pupil),
    }
    return render(request, "pupils/erase.html", context)
