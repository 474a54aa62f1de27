from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog
from cwsw.navigation import next_or
from cwsw.terms import (
    academic_year_label,
    academic_year_of,
    financial_year_label,
    financial_year_of,
    year_in_range,
)
from pupils.access import get_pupil_for

from . import selectors, services
from .access import (
    get_allocation_for,
    get_contribution_for,
    get_exclusion_for,
    get_invitation_for,
    get_pep_for,
    get_provision_for,
    get_spend_for,
    get_target_for,
    get_transfer_pack_for,
)
from .compliance import STATUS_LABELS
from .contributions import INVITATION_DAYS
from .forms import (
    AllocationCorrectForm,
    AllocationForm,
    DecisionForm,
    ExclusionForm,
    InvitationForm,
    PepHoldForm,
    PepPlanForm,
    PepRatingForm,
    PepTargetForm,
    ProvisionForm,
    QualityRequestForm,
    RateForm,
    ReopenForm,
    SpendCorrectForm,
    SpendForm,
    TargetReviewForm,
    WithdrawForm,
    financial_year_choices,
)
from .models import (
    HELD,
    PLANNED,
    PROVISION_REVIEW_SOON_DAYS,
    QUALITY,
    PepMeeting,
    PpPlusAllocation,
    PpPlusRate,
    TransferPack,
)
from .pdf import render_pep


def _year_param(request: HttpRequest, default: int) -> int:
    return year_in_range(request.GET.get("year", default), current=default) or default


def _locked(request: HttpRequest, pep: PepMeeting, to: str) -> HttpResponse | None:
    """Send the user back to a completed PEP, saying why, instead of showing a form."""
    try:
        pep.refuse_if_locked(to)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
        return redirect(pep)
    return None


# --- PEPs ----------------------------------------------------------------------------


@role_required(roles.can_do_casework)
def grid(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = _year_param(request, academic_year_of(today))
    show = request.GET.get("show", "")
    if request.GET.get("overdue") == "1":  # the older link
        show = "overdue"
    overdue_only, due_only = show == "overdue", show == "due"
    search = request.GET.get("q", "").strip()[:100]
    grid = selectors.compliance_grid(user=request.user, academic_year=year, today=today, overdue_only=overdue_only,
                                     due_only=due_only, search=search, page=request.GET.get("page"))
    page = grid.page
    page.object_list = grid.rows = selectors.named_rows(grid.rows)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "grid": grid,
        "page": page,
        "query": query.urlencode(),
        "year": year,
        "overdue_only": overdue_only,
        "show": show if show in ("overdue", "due") else "",
        "search": search,
        "today": today,
        "year_label": academic_year_label(year),
        "previous_year": year - 1,
        "next_year": year + 1,
        "status_labels": STATUS_LABELS,
    }
    return render(request, "pep/grid.html", context)


GRADES_SHOWN = 12  # the latest term's few subjects; the rest are on the attainment page


@role_required(roles.can_see_social_care)
def pupil_casework(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    today = timezone.localdate()
    year = academic_year_of(today)
    fy = financial_year_of(today)
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pupil], detail="Casework")
    category, plan = pupil.category_and_plan(today)
    peps = list(pupil.peps.order_by("-meeting_date"))  # the list below, and the year's slots
    context = {
        "pupil": pupil,
        "category": category,
        "plan": plan,
        "slots": selectors.pupil_slots(pupil=pupil, academic_year=year, today=today, peps=peps),
        "overdue": selectors.pupil_overdue(pupil=pupil, today=today),
        "year_label": academic_year_label(year),
        "peps": peps,
        "allocations": selectors.pupil_allocations(pupil=pupil),
        "pp": selectors.pp_summary(financial_year=fy, pupil=pupil),
        "rate": PpPlusRate.rate_for(fy),
        "fy_label": financial_year_label(fy),
        "exclusions": selectors.pupil_exclusions(pupil=pupil, today=today),
        "attendance": pupil.attendance_records.order_by("-academic_year", "-term"),
        "attainment": pupil.attainment_records.order_by("-academic_year", "-term"),
        "grades": pupil.subject_grades.order_by("-academic_year", "-term", "subject")[:GRADES_SHOWN],
        "provisions": selectors.pupil_provisions(pupil=pupil, category=category),
        "today": today,
    }
    return render(request, "pep/pupil_casework.html", context)


@role_required(roles.can_see_social_care)
def pupil_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """What comes next for one pupil: the partial the pupil page loads."""
    pupil = get_pupil_for(request.user, pk)
    today = timezone.localdate()
    slots = selectors.pupil_slots(pupil=pupil, academic_year=academic_year_of(today), today=today)
    context = {
        "pupil": pupil,
        "next_slot": next((s for s in slots if s.due and s.status in ("missing", "due_soon", "planned", "upcoming")),
                          None),
        "overdue": selectors.pupil_overdue(pupil=pupil, today=today),
        "pp": selectors.pp_summary(financial_year=financial_year_of(today), pupil=pupil),
        "flags": [row for row in selectors.pupil_exclusions(pupil=pupil, today=today) if row.flags.any],
    }
    return render(request, "pep/_pupil_summary.html", context)


@role_required(roles.can_do_casework)
def pep_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    today = timezone.localdate()
    form = PepPlanForm(request.POST or None, initial={"meeting_date": today})
    form.instance.pupil = pupil
    if request.method == "POST" and form.is_valid():
        pep = services.pep_plan(pep=form.instance, by=request.user)
        messages.success(request, f"{pep} is planned for {pep.meeting_date:%-d %b %Y}.")
        return redirect(pep)
    return render(request, "pep/form.html", {"form": form, "title": f"Plan a PEP for {pupil}", "pupil": pupil})


@role_required(roles.can_do_casework)
def pep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pep.pupil], detail="PEP")
    # Until the meeting is held there is no previous PEP to review, no target and no reopening to show.
    held = pep.status != PLANNED
    previous = services.previous_pep(pep) if held else None
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
        "blockers": services.completion_blockers(pep, previous=previous) if pep.status == HELD else [],
        "invitations": outside.invitations,
        "contributions": outside.contributions,
        "quality_review": outside.quality_review,
    }
    return render(request, "pep/pep_detail.html", context)


def _invite(request: HttpRequest, pep: PepMeeting, form: forms.ModelForm, title: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        form.instance.pep = pep
        try:
            invitation = services.invitation_send(invitation=form.instance, by=request.user)
        except ValidationError as refusal:
            form.add_error(None, refusal)  # a field's refusal lands next to that field
        else:
            messages.success(request, f"The invitation is on its way to {invitation.email}. Its link works for "
                                      f"{INVITATION_DAYS} days, or until the PEP is signed off.")
            return redirect(pep)
    return render(request, "pep/form.html", {"form": form, "title": title, "pupil": pep.pupil})


@role_required(roles.can_do_casework)
def pep_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite the social worker, the adviser, the carer or the child (through an adult) to add their part."""
    pep = get_pep_for(request.user, pk)
    if refused := _locked(request, pep, "invite anyone to it"):
        return refused
    return _invite(request, pep, InvitationForm(request.POST or None), f"Invite a contributor: {pep}")


@role_required(roles.can_do_casework)
def pep_quality_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a held PEP to the Virtual School adviser, who rates it section by section."""
    pep = get_pep_for(request.user, pk)
    if pep.status != HELD:
        messages.error(request, services.QUALITY_ONLY_WHEN_HELD)
        return redirect(pep)
    form = QualityRequestForm(request.POST or None)
    form.instance.purpose = QUALITY
    return _invite(request, pep, form, f"Send for quality assurance: {pep}")


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


@role_required(roles.can_do_casework)
def pep_hold(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    if refused := _locked(request, pep, "change it"):
        return refused
    form = PepHoldForm(request.POST or None, instance=pep)
    if request.method == "POST" and form.is_valid():
        services.pep_hold(pep=form.instance, by=request.user)
        messages.success(request, "The meeting record is saved.")
        return redirect(pep)
    return render(request, "pep/form.html", {"form": form, "title": f"Record the meeting: {pep}", "pupil": pep.pupil})


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
    AccessLog.record(user=request.user, action=AccessLog.DOWNLOAD, pupils=[pep.pupil], detail="PEP PDF")
    filename = f"pep-{pep.pupil.upn}-{pep.academic_year}-{pep.term}.pdf"
    return HttpResponse(pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@role_required(roles.can_do_casework)
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    if refused := _locked(request, pep, "add targets"):
        return refused
    form = PepTargetForm(request.POST or None)
    form.instance.pep = pep
    if request.method == "POST" and form.is_valid():
        services.target_save(target=form.instance, by=request.user)
        messages.success(request, "The target is added.")
        return redirect(pep)
    return render(request, "pep/form.html", {"form": form, "title": f"Add a SMART target: {pep}", "pupil": pep.pupil})


@role_required(roles.can_do_casework)
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_target_for(request.user, pk)
    if refused := _locked(request, target.pep, "change its targets"):
        return refused
    form = PepTargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        services.target_save(target=form.instance, by=request.user)
        messages.success(request, "The target is saved.")
        return redirect(target.pep)
    return render(request, "pep/form.html", {"form": form, "title": "Edit target", "pupil": target.pep.pupil})


@role_required(roles.can_do_casework)
@require_POST
def target_review(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    pep = get_pep_for(request.user, pk)
    target = get_target_for(request.user, target_pk)
    previous = services.previous_pep(pep)
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


# --- Pupil Premium Plus -------------------------------------------------------------


@role_required(roles.can_do_casework)
def pp_school(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    fy = _year_param(request, financial_year_of(today))
    rates = list(PpPlusRate.objects.all())  # a row a year: the year's own rate is read from them
    rate = next((r.amount for r in rates if r.financial_year == fy), None)
    context = {
        "pp": selectors.pp_summary(financial_year=fy),
        "fy_label": financial_year_label(fy),
        "previous_year": fy - 1,
        "next_year": fy + 1,
        "rate": rate,
        "rates": rates,
        # A year without a rate, among those the form offers, links to the form with that year chosen.
        "add_rate_for": fy if rate is None and fy in dict(financial_year_choices()) else None,
    }
    return render(request, "pep/pp_school.html", context)


@role_required(roles.can_do_casework)
def rate_add(request: HttpRequest) -> HttpResponse:
    """A year's rate, added once a year: its own page, so the summary does not draw the form on every visit."""
    # Opened from a year's summary that has no rate, the form offers that year.
    form = RateForm(request.POST or None,
                    initial={"financial_year": _year_param(request, financial_year_of(timezone.localdate()))})
    if request.method == "POST" and form.is_valid():
        rate = services.rate_add(rate=form.instance, by=request.user)
        messages.success(request, f"The rate for {financial_year_label(rate.financial_year)} is added.")
        return redirect(f"{reverse('pep:pp_school')}?year={rate.financial_year}")
    return render(request, "pep/form.html", {"form": form, "title": "Add a year's PP+ rate per pupil"})


@role_required(roles.can_do_casework)
def allocation_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    today = timezone.localdate()
    fy = financial_year_of(today)
    source = PpPlusAllocation(pupil=pupil, financial_year=fy).default_source
    form = AllocationForm(request.POST or None, initial={
        "financial_year": fy, "amount": PpPlusRate.rate_for(fy), "source": source, "received_on": today,
    })
    form.instance.pupil = pupil
    if request.method == "POST" and form.is_valid():
        services.allocation_record(allocation=form.instance, by=request.user)
        messages.success(request, "The allocation is recorded.")
        return redirect("pep:pupil", pk=pupil.pk)
    return render(request, "pep/form.html", {"form": form, "title": f"PP+ received for {pupil}", "pupil": pupil})


@role_required(roles.can_do_casework)
def spend_add(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_allocation_for(request.user, pk)
    form = SpendForm(request.POST or None, allocation=allocation, initial={"spent_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.spend_record(spend=form.instance, by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The spend is recorded.")
            return redirect("pep:pupil", pk=allocation.pupil_id)
    context = {
        "form": form, "title": f"Spend from {allocation}", "pupil": allocation.pupil,
        "remaining": allocation.remaining(),
    }
    return render(request, "pep/form.html", context)


def _correction(request: HttpRequest, *, form: Any, pupil: Any, title: str, act: Any, done: str) -> HttpResponse:
    """A correction or withdrawal of PP+: the form, then the service, then back to the pupil's casework."""
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("pep:pupil", pk=pupil.pk)
    return render(request, "pep/form.html", {"form": form, "title": title, "pupil": pupil})


@role_required(roles.can_do_casework)
def allocation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an allocation recorded wrongly, with the reason."""
    allocation = get_allocation_for(request.user, pk)
    form = AllocationCorrectForm(request.POST or None, instance=allocation)
    return _correction(
        request, form=form, pupil=allocation.pupil, title=f"Correct {allocation}",
        act=lambda reason: services.allocation_correct(allocation=form.instance, reason=reason, by=request.user),
        done="The allocation is corrected; the history keeps what it was.",
    )


@role_required(roles.can_do_casework)
def allocation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an allocation recorded in error: it stays on file and counts in no total."""
    allocation = get_allocation_for(request.user, pk)
    return _correction(
        request, form=WithdrawForm(request.POST or None), pupil=allocation.pupil, title=f"Withdraw {allocation}",
        act=lambda reason: services.allocation_withdraw(allocation=allocation, reason=reason, by=request.user),
        done="The allocation is withdrawn.",
    )


@role_required(roles.can_do_casework)
def spend_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a spend recorded wrongly, with the reason."""
    spend = get_spend_for(request.user, pk)
    form = SpendCorrectForm(request.POST or None, instance=spend, allocation=spend.allocation)
    return _correction(
        request, form=form, pupil=spend.allocation.pupil, title=f"Correct the spend {spend}",
        act=lambda reason: services.spend_correct(spend=form.instance, reason=reason, by=request.user),
        done="The spend is corrected; the history keeps what it was.",
    )


@role_required(roles.can_do_casework)
def spend_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a spend recorded in error: it stays on file and counts in no total."""
    spend = get_spend_for(request.user, pk)
    return _correction(
        request, form=WithdrawForm(request.POST or None), pupil=spend.allocation.pupil,
        title=f"Withdraw the spend {spend}",
        act=lambda reason: services.spend_withdraw(spend=spend, reason=reason, by=request.user),
        done="The spend is withdrawn.",
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    """Show a service's refusal next to the field it concerns."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


# --- Suspensions, exclusions and the consultation ----------------------------------


@role_required(roles.can_record_exclusions)
def exclusions(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = _year_param(request, academic_year_of(today))
    records = selectors.exclusions_in_year(user=request.user, academic_year=year)
    page = Paginator(records, settings.REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": selectors.exclusion_rows(list(page.object_list), today=today), "page": page,
        "query": query.urlencode(), "year_label": academic_year_label(year),
        "previous_year": year - 1, "next_year": year + 1,
    }
    return render(request, "pep/exclusions.html", context)


@role_required(roles.can_record_exclusions)
def exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = ExclusionForm(request.POST or None, pupil=pupil, initial={"incident_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.exclusion_save(exclusion=form.instance, by=request.user)
        messages.success(request, "Saved.")
        return redirect(next_or(request, reverse("pep:pupil", args=[pupil.pk])))
    return render(request, "pep/form.html", {
        "form": form, "title": f"Suspension or exclusion: {pupil}", "pupil": pupil,
        "category": pupil.cohort_category(),
    })


@role_required(roles.can_record_exclusions)
def exclusion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exclusion = get_exclusion_for(request.user, pk)
    form = ExclusionForm(request.POST or None, instance=exclusion, pupil=exclusion.pupil)
    if request.method == "POST" and form.is_valid():
        services.exclusion_save(exclusion=form.instance, by=request.user)
        messages.success(request, "Saved.")
        return redirect(next_or(request, reverse("pep:pupil", args=[exclusion.pupil_id])))
    return render(request, "pep/form.html", {
        "form": form, "title": f"{exclusion}", "pupil": exclusion.pupil,
        "category": exclusion.pupil.cohort_category(),
    })


# --- Alternative provision and part-time timetables -----------------------------------


@role_required(roles.can_record_provision)
def provisions(request: HttpRequest) -> HttpResponse:
    """Every arrangement going on today, the overdue reviews first, and those ended in the last year."""
    today = timezone.localdate()
    current, ended = selectors.provisions_overview(user=request.user, today=today)
    return render(request, "pep/provisions.html", {
        "current": current, "ended": ended, "today": today, "soon_days": PROVISION_REVIEW_SOON_DAYS,
    })


def _provision_notice(pupil: Any) -> str:
    if pupil.cohort_category() == "CLA":
        return ("This pupil is looked after: agree any alternative provision or part-time timetable with the "
                "Virtual School first, record the date they agreed, and link it to a PEP target.")
    return ""


@role_required(roles.can_record_provision)
def provision_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = ProvisionForm(request.POST or None, pupil=pupil, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.provision_save(provision=form.instance, by=request.user)
        messages.success(request, "Saved.")
        return redirect(next_or(request, reverse("pep:pupil", args=[pupil.pk])))
    return render(request, "pep/form.html", {
        "form": form, "title": f"Alternative provision or part-time timetable: {pupil}", "pupil": pupil,
        "notice": _provision_notice(pupil),
    })


@role_required(roles.can_record_provision)
def provision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an arrangement, record its review (the next review date) or its end."""
    provision = get_provision_for(request.user, pk)
    form = ProvisionForm(request.POST or None, instance=provision, pupil=provision.pupil)
    if request.method == "POST" and form.is_valid():
        services.provision_save(provision=form.instance, by=request.user)
        messages.success(request, "Saved.")
        return redirect(next_or(request, reverse("pep:pupil", args=[provision.pupil_id])))
    return render(request, "pep/form.html", {
        "form": form, "title": f"{provision}: {provision.pupil}", "pupil": provision.pupil,
        "notice": _provision_notice(provision.pupil),
        "help": "To record a review, set the date of the next one. To record the end, enter the last day.",
    })


# --- The transfer pack ----------------------------------------------------------------


@role_required(roles.can_see_social_care)
def transfer_packs(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's transfer packs, and a button to build one for the next school."""
    pupil = get_pupil_for(request.user, pk)
    if request.method == "POST":
        pack = services.transfer_pack_request(pupil=pupil, by=request.user)
        return redirect(pack)
    services.packs_mark_stalled()
    packs = TransferPack.objects.filter(pupil=pupil).select_related("requested_by")
    if not roles.can_see_safeguarding_notes(request.user):
        packs = packs.filter(with_safeguarding=False)
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pupil], detail="transfer packs")
    return render(request, "pep/transfer_packs.html", {
        "pupil": pupil, "packs": packs[:20], "with_notes": roles.can_see_safeguarding_notes(request.user)})


@role_required(roles.can_see_social_care)
def transfer_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """One pack's progress, then its download (the progress part is polled by htmx)."""
    services.packs_mark_stalled()
    if request.htmx:
        pack = get_transfer_pack_for(request.user, pk, with_pupil=False)
        return render(request, "pep/_transfer_pack_progress.html", {"pack": pack})
    pack = get_transfer_pack_for(request.user, pk)
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pack.pupil], detail="transfer pack")
    return render(request, "pep/transfer_pack.html", {"pack": pack, "pupil": pack.pupil})


@role_required(roles.can_see_social_care)
def transfer_pack_download(request: HttpRequest, pk: int) -> FileResponse:
    pack = get_transfer_pack_for(request.user, pk)
    if pack.status != TransferPack.READY:
        return redirect(pack)
    services.transfer_pack_download_log(pack=pack, by=request.user)
    return FileResponse(pack.pdf.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=f"transfer-pack-{pack.pupil.upn}-{pack.requested_at:%Y-%m-%d}.pdf")
