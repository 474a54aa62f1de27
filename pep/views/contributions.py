"""The designated teacher's side of contributions from outside the school: invite, withdraw, decide.

The pages an invitation link opens, for someone with no account, are in `contributors.py`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.pages import form_page

from .. import selectors, services
from ..access import get_contribution_for, get_invitation_for, get_pep_for
from ..forms import DecisionForm, InvitationForm, QualityRequestForm
from ..invitation_rules import INVITATION_DAYS
from ..models import CONTRIBUTION, HELD, QUALITY, SOCIAL_WORKER, PepMeeting
from .common import locked_refusal


def _invite(request: HttpRequest, pep: PepMeeting, form: forms.Form, title: str, purpose: str,
            offer: dict[str, str] | None = None) -> HttpResponse:
    return form_page(
        request, form=form, template="pep/form.html", context={"title": title, "pupil": pep.pupil, "offer": offer},
        act=lambda values: services.invitation_send(pep=pep, purpose=purpose, by=request.user, **values),
        done=lambda invitation: (f"The invitation is on its way to {invitation.email}. Its link works for "
                                 f"{INVITATION_DAYS} days, or until the PEP is signed off."),
        to=lambda invitation: invitation.pep)


@role_required(roles.can_do_casework)
def pep_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite the social worker, the adviser, the carer or the child (through an adult) to add their part."""
    pep = get_pep_for(request.user, pk)
    if refused := locked_refusal(request, pep, "invite anyone to it"):
        return refused
    worker = selectors.social_worker_on_record(pep)
    initial, offer = {}, None
    if worker is not None:
        if request.GET.get("who") == "social_worker":
            initial = {"role": SOCIAL_WORKER, **worker}
        else:
            offer = {"words": f"Invite the social worker on record, {worker['name']}",
                     "url": f"{request.path}?who=social_worker"}
    form = InvitationForm(request.POST or None, initial=initial)
    return _invite(request, pep, form, f"Invite a contributor: {pep}", CONTRIBUTION, offer=offer)


@role_required(roles.can_do_casework)
def pep_quality_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a held PEP to the Virtual School adviser, who rates it section by section."""
    pep = get_pep_for(request.user, pk)
    if pep.status != HELD:
        messages.error(request, services.QUALITY_ONLY_WHEN_HELD)
        return redirect(pep)
    form = QualityRequestForm(request.POST or None)
    return _invite(request, pep, form, f"Send for quality assurance: {pep}", QUALITY)


@role_required(roles.can_do_casework)
@require_POST
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, pk)
    try:
        services.invitation_withdraw(invitation=invitation, by=request.user)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, f"The link sent to {invitation.email} no longer works.")
    return redirect(invitation.pep)


@role_required(roles.can_do_casework)
@require_POST
def contribution_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = get_contribution_for(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to accept the contribution or set it aside.")
        return redirect(contribution.pep)
    try:
        contribution = services.contribution_decide(
            contribution=contribution, accept=form.cleaned_data["decision"] == "accept", by=request.user,
        )
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, f"The part from {contribution.by}: {contribution.get_status_display().lower()}.")
    return redirect(contribution.pep)
