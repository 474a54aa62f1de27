"""What the casework pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from cwsw.terms import year_in_range

from ..models import PepMeeting


def year_param(request: HttpRequest, default: int) -> int:
    return year_in_range(request.GET.get("year", default), current=default) or default


def locked_refusal(request: HttpRequest, pep: PepMeeting, to: str) -> HttpResponse | None:
    """Send the user back to a completed PEP, saying why, instead of showing a form."""
    try:
        pep.refuse_if_locked(to)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
        return redirect(pep)
    return None
