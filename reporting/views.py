import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import TaskFailure, Term
from cwsw.terms import academic_year_label, academic_year_of, financial_year_of, year_in_range
from pep import selectors
from pupils import cohort
from pupils.models import CategorySpell, Pupil

from . import services
from .due import LIST_SIZE, due_items
from .figures import cohort_chart, school_figure_warnings
from .forms import NarrativeForm, ReportRequestForm, SchoolFiguresForm, TrainingForm
from .models import GovernorReport, ReportNarrative, SchoolFigures, TrainingRecord
from .reminders import digest_for
from .suppression import suppress_counts

# Due items the dashboard shows as a count and a link (the others list their first few).
COUNTS_ONLY = {"peps_unsigned", "pp_unspent"}


def dashboard(request: HttpRequest) -> HttpResponse:
    """The landing page: what this user's roles need to see first."""
    user = request.user
    today = timezone.localdate()
    context: dict = {"today": today}
    on_roll = CategorySpell.objects.on(today).on_roll(today)  # the cohort today, from the spells' own index
    if roles.can_see_whole_register(user):
        counts = on_roll.category_counts()
        context["cohort_rows"] = cohort.labelled(counts)
        context["cohort_total"] = sum(counts.values())
    elif roles.has_role(user, roles.GOVERNOR):
        counts = on_roll.category_counts()
        cells, total = suppress_counts(counts)
        context["governor_rows"] = cohort.labelled(cells)
        context["governor_total"] = total
        context["governor_chart"] = cohort_chart([(cohort.CATEGORY_SHORT[c], cells[c]) for c in cohort.CATEGORIES],
                                                 title="The cohort today")
    if roles.can_read_governor_report(user):
        context["reports"] = GovernorReport.objects.filter(status=GovernorReport.READY)[:5]
    # What is due: the same items, computed in the same place, as the reminder e-mail.
    calendar = SimpleLazyObject(Term.calendar)  # read once, if a card needs it
    due = due_items(user, today=today, with_rows=True, calendar=calendar)
    context["due"] = due
    for item in due:
        context[item.key] = item.rows
        context[f"{item.key}_count"] = item.count
    context["due_counts_only"] = [item for item in due if item.count and item.key in COUNTS_ONLY]
    if roles.can_do_casework(user):
        context["pp"] = selectors.pp_summary(financial_year=financial_year_of(today))
    if roles.can_manage_school(user):
        this_year = academic_year_of(today)
        context["years_on_defaults"] = [
            academic_year_label(y) for y in (this_year, this_year + 1) if calendar.on_defaults(y)]
    if roles.can_see_task_failures(user):
        # Background work that failed in the last 30 days, so nobody relies on an e-mail never sent.
        failures = TaskFailure.objects.filter(at__gte=timezone.now() - dt.timedelta(days=30))
        context["task_failures"] = failures[:LIST_SIZE]
        context["task_failures_count"] = failures.count()
    if roles.has_role(user, roles.STAFF) and not roles.can_see_whole_register(user):
        context["key_pupils"] = Pupil.objects.on_roll(today).with_stored_category(today).visible_to(user)[:50]
    context["no_role"] = not roles.roles_of(user)
    return render(request, "reporting/dashboard.html", context)


# --- The Report to Governors -------------------------------------------------------


@role_required(roles.can_read_governor_report)
def governor_report_list(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST or None)
    if request.method == "POST":
        if not roles.can_do_casework(request.user):
            raise PermissionDenied
        if form.is_valid():
            report = services.report_request(academic_year=form.cleaned_data["academic_year"], by=request.user)
            # Its progress (and then its download) is on the report's page: a message saying it is
            # being built would stay there after it is ready.
            if not report.was_queued:
                messages.info(request, f"{report} was already asked for at "
                                       f"{timezone.localtime(report.requested_at):%H:%M}: it was not started twice.")
            return redirect(report)
    context = {"reports": GovernorReport.objects.all(), "form": form}
    return render(request, "reporting/governor_report_list.html", context)


@role_required(roles.can_read_governor_report)
def governor_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(GovernorReport, pk=pk)
    if request.htmx:
        return render(request, "reporting/_report_progress.html", {"report": report})
    context: dict[str, Any] = {"report": report}
    if roles.can_do_casework(request.user):
        context["warnings"] = school_figure_warnings(academic_year=report.academic_year,
                                                     today=timezone.localdate())
    return render(request, "reporting/governor_report.html", context)


@role_required(roles.can_read_governor_report)
def governor_report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = get_object_or_404(GovernorReport, pk=pk, status=GovernorReport.READY)
    services.report_download_log(report=report, by=request.user)
    return FileResponse(report.pdf.open("rb"), as_attachment=True,
                        filename=f"report-to-governors-{report.academic_year}.pdf", content_type="application/pdf")


def _year(year: int | None) -> int:
    current = academic_year_of(timezone.localdate())
    return current if year is None else year_in_range(year, current=current) or current


@role_required(roles.can_do_casework)
def narrative(request: HttpRequest, year: int | None = None) -> HttpResponse:
    year = _year(year)
    instance = ReportNarrative.objects.filter(academic_year=year).first() or ReportNarrative(academic_year=year)
    form = NarrativeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.narrative_save(narrative=form.instance, by=request.user)
        messages.success(request, "The narrative is saved.")
        return redirect("reporting:narrative_year", year=year)
    return render(request, "reporting/report_inputs.html", {
        "form": form, "title": f"Narrative for {academic_year_label(year)}", "year": year, "tab": "narrative"})


@role_required(roles.can_do_casework)
def school_figures(request: HttpRequest, year: int | None = None) -> HttpResponse:
    year = _year(year)
    form = SchoolFiguresForm(request.POST or None, academic_year=year)
    if request.method == "POST" and form.is_valid():
        services.school_figures_save(figures=form.instance, by=request.user)
        messages.success(request, "The whole-school figures are saved.")
        return redirect("reporting:school_figures_year", year=year)
    return render(request, "reporting/report_inputs.html", {
        "form": form, "title": f"Whole-school figures {academic_year_label(year)}", "year": year,
        "tab": "figures", "figures": SchoolFigures.objects.filter(academic_year=year),
        "warnings": school_figure_warnings(academic_year=year, today=timezone.localdate())})


@role_required(roles.can_do_casework)
def training(request: HttpRequest) -> HttpResponse:
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.training_record(training=form.instance, by=request.user)
        messages.success(request, "The training is recorded.")
        return redirect("reporting:training")
    return render(request, "reporting/report_inputs.html", {
        "form": form, "title": "Training", "tab": "training", "year": academic_year_of(timezone.localdate()),
        "training": TrainingRecord.objects.all()[:100]})


def digest(request: HttpRequest) -> HttpResponse:
    """What today's reminder e-mail would say to this user."""
    items = digest_for(request.user, today=timezone.localdate())
    return render(request, "reporting/digest.html", {"items": items})
