"""The pages someone from outside the school sees through an invitation link, and nothing else.

The only views of the app that need no login (`login_not_required`).

They have no account: the link's token finds the invitation, and a code e-mailed to its
address, once given, lets this browser session see the child's first name and year group
and their own part. A link that does not work (unknown, expired, withdrawn, used up, locked,
or its PEP signed off) gets one plain page that says only that. Every visit and submission
is in the access log under the contributor's address.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from cwsw.clientip import client_address
from cwsw.models import SchoolProfile

from .. import invitation_rules as rules
from .. import services
from ..models import ACCEPTED, CHILD, CONTRIBUTION, OPEN, Contribution, Invitation
from ..pdf import render_contribution_copy

SESSION_KEY = "contributor_invitations"
SESSION_ENDED_KEPT = ("Kept as a draft. Your session has ended: when you send it, you will be asked for a new "
                      "code, and what you wrote will be there.")
# The part this browser has just sent, so the thanks page can offer a copy of it.
SENT_KEY = "contributor_sent"


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="The 6-digit code", regex=r"^\s*\d{6}\s*$", max_length=12,
        error_messages={"invalid": "Enter the 6 digits from the e-mail.",
                        "required": "Enter the code from the e-mail."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}),
    )


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "pep/contribute/gone.html", status=404)


def _find(request: HttpRequest, token: str) -> Invitation | None:
    """The invitation the link is for, if any; an address trying many unknown links is refused a while."""
    address = client_address(request) or "unknown"
    if rules.UNKNOWN_LINKS.exceeded(address):
        return None
    invitation = Invitation.objects.by_token_hash(rules.hash_token(token)) if len(token) <= 64 else None
    if invitation is None:
        rules.UNKNOWN_LINKS.count(address)
    return invitation


def _log_visit(invitation: Invitation, shown: str) -> None:
    """Log a visit to the link: `shown` says what it showed ("nothing", "code page", "part", "pep")."""
    invitation.log("invitation.visited", data={"shown": shown})


def _verified(request: HttpRequest, invitation: Invitation) -> bool:
    return invitation.verified_at is not None and invitation.pk in request.session.get(SESSION_KEY, [])


@login_not_required
@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = _find(request, token)
    if found is None:
        return _gone(request)
    if found.state() != OPEN:
        _log_visit(found, "nothing: the link no longer works")
        return _gone(request)
    if not _verified(request, found):
        if request.method == "POST" and request.POST.get("action") not in ("send", "code"):
            kept = _keep_answers_sent_after_the_session(request, found)
            if request.headers.get("X-Autosave"):  # the page saving as they type: told in its status line
                said = (SESSION_ENDED_KEPT if kept else "Not saved: your session has ended. Open the link in your "
                        "e-mail again to carry on.")
                return HttpResponse(said, content_type="text/plain", headers={"X-Session-Ended": "1"})
            if kept:
                messages.info(request, "For your security you were signed out, so your answers were not sent yet. "
                                       "They are kept: ask for a new code below, and they will be there for you to "
                                       "send.")
            return redirect(request.path)
        return _code_step(request, found)
    # Keep the session alive while they write (it ends after 30 idle minutes, as staff sessions do).
    request.session["contributor_seen"] = int(timezone.now().timestamp())
    if found.purpose == CONTRIBUTION:
        return _part_step(request, found)
    return _quality_step(request, found)


def _code_step(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    form = CodeForm()
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            services.invitation_send_code(invitation=invitation)
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
        else:
            messages.success(request, "We have sent a code to your e-mail address. It may take a minute to arrive.")
        return redirect(request.path)
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            problem = services.invitation_check_code(invitation=invitation, code=form.cleaned_data["code"].strip())
            if problem == services.LINK_GONE:
                return _gone(request)
            if not problem:
                request.session.cycle_key()
                request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), invitation.pk]
                return redirect(request.path)
            form.add_error("code", problem)
        else:
            _log_visit(invitation, "nothing: the code was not in the right form")
    else:
        _log_visit(invitation, "nothing before the code")
    invitation.refresh_from_db(fields=["code_sent_at"])
    return render(request, "pep/contribute/code.html", {"form": form, "code_sent": invitation.code_sent_at})


def _about(invitation: Invitation) -> dict:
    """What a contributor may know of the child: first name and year group, and the meeting."""
    pupil = invitation.pep.pupil
    return {
        "invitation": invitation,
        "first_name": pupil.first_name,
        "year_group": pupil.year_group_label,
        "meeting_date": invitation.pep.meeting_date,
        "school": SchoolProfile.load(),
    }


def _questions(invitation: Invitation) -> list[rules.Question]:
    return rules.questions_for(invitation.role, invitation.pep.pupil.year_group(invitation.pep.meeting_date))


def _keep_answers_sent_after_the_session(request: HttpRequest, invitation: Invitation) -> bool:
    """Their part, sent after the session ended (they wrote for over 30 minutes): kept as the draft, unread,
    for when they have given a new code. Whether it was kept."""
    if invitation.purpose != CONTRIBUTION or invitation.verified_at is None:
        return False
    draft = rules.PartForm(request.POST, questions=_questions(invitation)).draft()
    if not draft:
        return False
    try:
        services.contribution_draft_save(invitation=invitation, draft=draft)
    except ValidationError:
        return False
    return True


def _part_step(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    questions = _questions(invitation)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "draft":
        return _save_draft(request, invitation, rules.PartForm(request.POST, questions=questions))
    # An empty POST is still a POST: it must say what is missing, not show the blank form again.
    form = rules.PartForm(request.POST if request.method == "POST" else None, questions=questions,
                          initial=invitation.draft)
    if request.method == "POST" and form.is_valid():
        try:
            contribution = services.contribution_submit(invitation=invitation, answers=form.answers())
        except ValidationError:
            return _gone(request)
        request.session[SENT_KEY] = contribution.pk
        return redirect("contribute:thanks")
    _log_visit(invitation, "their part" if request.method == "GET" else "their part, with corrections asked")
    context = {**_about(invitation), "form": form, "is_child": invitation.role == CHILD,
               "draft_saved_at": invitation.draft_saved_at}
    return render(request, "pep/contribute/part.html", context)


def _save_draft(request: HttpRequest, invitation: Invitation, form: rules.PartForm) -> HttpResponse:
    """Keep what they have typed: sent by the page as they write (answered with the time, for the page to
    show), or by the "Save and finish later" button without JavaScript (answered with the page again)."""
    try:
        saved_at = services.contribution_draft_save(invitation=invitation, draft=form.draft())
    except ValidationError:
        return _gone(request)
    said = f"Saved as a draft at {timezone.localtime(saved_at):%H:%M}."
    if request.headers.get("X-Autosave"):
        return HttpResponse(said, content_type="text/plain")
    messages.success(request, f"{said} You can close this page and come back through the link in your e-mail "
                              "to finish it (you will be sent a new code).")
    return redirect(request.path)


def _quality_step(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    pep = invitation.pep
    form = rules.QualityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quality_submit(invitation=invitation, sections=form.sections(),
                                    feedback=form.cleaned_data["feedback"])
        except ValidationError:
            return _gone(request)
        return redirect("contribute:thanks")
    _log_visit(invitation, "the PEP, for its quality check")
    previous = pep.previous()
    context = {
        **_about(invitation), "form": form, "pep": pep, "targets": pep.targets.all(),
        "previous_targets": previous.targets.all() if previous else [],
        "accepted": pep.contributions.filter(status=ACCEPTED).select_related("invitation"),
    }
    return render(request, "pep/contribute/quality.html", context)


@login_not_required
@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "pep/contribute/thanks.html", {"can_copy": SENT_KEY in request.session})


@login_not_required
@never_cache
def copy(request: HttpRequest) -> HttpResponse:
    """A PDF of the part this browser just sent, for the contributor's own records (while the session lasts)."""
    contribution = (Contribution.objects.select_related("invitation", "pep__pupil")
                    .filter(pk=request.session.get(SENT_KEY)).first())
    if contribution is None:
        return _gone(request)
    contribution.invitation.log("contribution.copied", about=contribution)
    pdf = render_contribution_copy(contribution)
    return HttpResponse(pdf, content_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="my-part-of-the-pep.pdf"'})
