"""Pages about PEPs: the compliance grid, a PEP, its meeting record, sign-off, targets and their review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog, Term
from cwsw.pages import form_page
from cwsw.terms import academic_year_label
from pupils.access import get_pupil_for

from .. import selectors, services
from ..access import get_pep_for, get_target_for
from ..forms import PepHoldForm, PepPlanForm, PepRatingForm, PepTargetForm, ReopenForm, TargetReviewForm
from ..models import HELD, PLANNED
from ..pdf import render_pep
from .common import locked_refusal, year_param


@role_required(roles.can_do_casework)
def grid(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    calendar = Term.calendar()
    year = year_param(request, calendar.academic_year_of(today))
    show = request.GET.get("show", "")
    if request.GET.get("overdue") == "1":  # the older link
        show = "overdue"
    show = show if show in ("overdue", "due") else ""
    search = request.GET.get("q", "").strip()[:100]
    grid = selectors.compliance_grid(user=request.user, academic_year=year, today=today, show=show, search=search,
                                     page=request.GET.get("page"), calendar=calendar)
    page = grid.page
    page.object_list = grid.rows
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "grid": grid,
        "page": page,
        "query": query.urlencode(),
        "year": year,
        "show": show,
        "search": search,
        "today": today,
        "year_label": academic_year_label(year),
        "previous_year": year - 1,
        "next_year": year + 1,
    }
    return render(request, "pep/grid.html", context)


@role_required(roles.can_do_casework)
def pep_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = PepPlanForm(request.POST or None, initial={"meeting_date": timezone.localdate()})
    form.instance.pupil = pupil
    return form_page(request, form=form, template="pep/form.html",
                     context={"title": f"Plan a PEP for {pupil}", "pupil": pupil},
                     act=lambda values: services.pep_plan(pupil=pupil, by=request.user, **values),
                     done=lambda pep: f"{pep} is planned for {pep.meeting_date:%-d %b %Y}.", to=lambda pep: pep)


@role_required(roles.can_do_casework)
def pep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    AccessLog.record(user=request.user, code="pep.viewed", pupils=[pep.pupil], about=pep)
    # Until the meeting is held there is no previous PEP to review, no target and no reopening to show.
    held = pep.status != PLANNED
    previous = pep.previous() if held else None
    if held:  # this PEP's targets and the previous PEP's, in one read: both lists and the completion check use it
        prefetch_related_objects([p for p in (pep, previous) if p], "targets")
    outside = selectors.outside_parts(pep)
    context = {
        "pep": pep,
        "pupil": pep.pupil,
        "targets": pep.targets.all(),
        "previous": previous,
        "previous_targets": previous.targets.all() if previous else [],
        "review_form": TargetReviewForm(),
        "reopenings": pep.reopenings.select_related("by") if held else [],
        "blockers": pep.completion_blockers(previous=previous) if pep.status == HELD else [],
        "invitations": outside.invitations,
        "contributions": outside.contributions,
        "quality_review": outside.quality_review,
    }
    return render(request, "pep/pep_detail.html", context)


@role_required(roles.can_do_casework)
def pep_hold(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    if refused := locked_refusal(request, pep, "change it"):
        return refused
    return form_page(request, form=PepHoldForm(request.POST or None, instance=pep), template="pep/form.html",
                     context={"title": f"Record the meeting: {pep}", "pupil": pep.pupil},
                     act=lambda values: services.pep_hold(pep=pep, by=request.user, **values),
                     done="The meeting record is saved.", to=lambda saved: saved)


@role_required(roles.can_do_casework)
@require_POST
def pep_complete(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    try:
        services.pep_complete(pep=pep, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The PEP is complete, signed off and locked.")
    return redirect(pep)


@role_required(roles.can_do_casework)
def pep_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pep_reopen(pep=pep, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The PEP is open for changes again; the reason is recorded.")
        return redirect(pep)
    return render(request, "pep/form.html", {"form": form, "title": f"Reopen {pep}", "pupil": pep.pupil})


@role_required(roles.can_do_casework)
def pep_rate(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    form = PepRatingForm(request.POST or None, instance=pep)
    if request.method == "POST" and form.is_valid():
        try:
            services.pep_rate(pep=pep, rating=form.cleaned_data["vs_rating"],
                              feedback=form.cleaned_data["vs_feedback"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The Virtual School's rating is recorded.")
        return redirect(pep)
    title = f"Virtual School rating: {pep}"
    return render(request, "pep/form.html", {"form": form, "title": title, "pupil": pep.pupil})


@role_required(roles.can_do_casework)
def pep_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    pdf = render_pep(pep)
    AccessLog.record(user=request.user, code="pep.downloaded", pupils=[pep.pupil], about=pep)
    # No UPN in the name: a file name travels in e-mails and download folders.
    filename = f"pep-{pep.pk}-{pep.academic_year}-{pep.term}.pdf"
    return HttpResponse(pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@role_required(roles.can_do_casework)
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    if refused := locked_refusal(request, pep, "add targets"):
        return refused
    form = PepTargetForm(request.POST or None)
    form.instance.pep = pep
    return form_page(request, form=form, template="pep/form.html",
                     context={"title": f"Add a SMART target: {pep}", "pupil": pep.pupil},
                     act=lambda values: services.target_add(pep=pep, by=request.user, **values),
                     done="The target is added.", to=lambda target: target.pep)


@role_required(roles.can_do_casework)
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_target_for(request.user, pk)
    if refused := locked_refusal(request, target.pep, "change its targets"):
        return refused
    return form_page(request, form=PepTargetForm(request.POST or None, instance=target), template="pep/form.html",
                     context={"title": "Edit target", "pupil": target.pep.pupil},
                     act=lambda values: services.target_change(target=target, by=request.user, **values),
                     done="The target is saved.", to=lambda saved: saved.pep)


@role_required(roles.can_do_casework)
@require_POST
def target_review(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    target = get_target_for(request.user, target_pk)
    previous = pep.previous()
    if previous is None or target.pep_id != previous.pk:
        messages.error(request, "Only the previous PEP's targets are reviewed here.")
        return redirect(pep)
    form = TargetReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose met, partly met, not met or carried forward.")
        return redirect(pep)
    try:
        services.target_review(target=target, review=form.cleaned_data["review"],
                               notes=form.cleaned_data["notes"], in_pep=pep, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(pep)
