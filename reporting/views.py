import csv
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.pages import csv_download
from cwsw.terms import academic_year_label, academic_year_of, year_in_range
from pupils import due
from pupils.mis import safe_cell
from pupils.models import Pupil

from . import services
from .figures import school_figure_warnings
from .forms import NarrativeForm, ReportRequestForm, SchoolFiguresForm, TrainingForm
from .models import GovernorReport, ReportNarrative, SchoolFigures, TrainingRecord
from .reminders import digest_for
from .selectors import dashboard_for


def dashboard(request: HttpRequest) -> HttpResponse:
    """The landing page: what this user's roles need to see first."""
    return render(request, "reporting/dashboard.html",
                  {"board": dashboard_for(request.user, timezone.localdate()), "today": timezone.localdate()})


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


# --- Each kind of "what is due", its own list ----------------------------------------------------------------


def _due_rows(request: HttpRequest, key: str) -> tuple[Any, Any, dict[str, Any]]:
    """The kind (404 if unknown, 403 if the user's roles do not act on it) and its rows due today, filtered as
    the page's form says: late only, a pupil's name or UPN, sorted by due date or name."""
    kind = due.kind(key)
    if kind is None:
        raise Http404
    if not kind.acts(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    rows = due.due_on(request.user, today, [kind]).select_related("pupil")
    filters = {"late": request.GET.get("late") == "1", "q": request.GET.get("q", "").strip()[:100],
               "sort": "name" if request.GET.get("sort") == "name" else "due"}
    if filters["late"]:
        rows = rows.filter(due__lt=today)
    if filters["q"]:
        rows = rows.filter(pupil__in=Pupil.objects.search(filters["q"]).values("pk"))
    order = ("pupil__last_name", "pupil__first_name", "due", "pk") if filters["sort"] == "name" else ("due", "pk")
    return kind, rows.order_by(*order), filters


@role_required(roles.can_see_social_care)
def due_list(request: HttpRequest, kind: str) -> HttpResponse:
    """One kind of item due today, every one of them, a page at a time: the dashboard's count, listed."""
    found, rows, filters = _due_rows(request, kind)
    page = Paginator(rows, settings.REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for row in page:
        row.where, row.late = found.where(row), row.due < today
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reporting/due_list.html", {
        "kind": found, "page": page, "filters": filters, "query": query.urlencode(), "today": today,
        "export_query": query.urlencode()})


@role_required(roles.can_see_social_care)
def due_export(request: HttpRequest, kind: str) -> HttpResponse:
    """What the list shows, filters and all, as CSV; each pupil in it is logged as exported."""
    found, rows, _ = _due_rows(request, kind)
    rows = list(rows)
    today = timezone.localdate()
    services.due_export_log(rows=rows, kind=found.key, by=request.user)
    response = csv_download(f"due-{found.key}-{today.isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow(["Pupil", "What", "Due", "Late"])
    for row in rows:
        writer.writerow([safe_cell(f"{row.pupil.first_name} {row.pupil.last_name}"), safe_cell(row.note),
                         row.due.isoformat(), "yes" if row.due < today else "no"])
    return response
