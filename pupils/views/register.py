"""The register: the list with its filters, search, export, and the MIS imports."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog
from cwsw.pages import csv_download

from .. import attendance_codes, cohort, ctf, marks, mis
from ..access import of_visible_pupils
from ..filters import RegisterForm
from ..forms import CtfImportForm, ImportForm, MarksImportForm
from ..models import CategorySpell, Pupil


def _register_form(request: HttpRequest) -> RegisterForm:
    return RegisterForm(request.GET, user=request.user)


def _as_shown(pupils: Any) -> Any:
    """The register's columns: today's category and plan, recent persistent or severe absence, the new-flag mark
    and the key adult."""
    today = timezone.localdate()
    return pupils.with_category(today).with_recent_absence(today).with_new_flag().select_related("key_adult")


@role_required(roles.can_see_register)
def pupil_list(request: HttpRequest) -> HttpResponse:
    form = _register_form(request)
    counts = None
    if not request.htmx:  # the page's header: how many on roll in each category, from the spells' own index
        today = timezone.localdate()
        counts = of_visible_pupils(request.user, CategorySpell.objects.on(today).on_roll(today)).category_counts()
    # The page is chosen by ids alone; each pupil's category, plan and new-flag mark are then read for the
    # 25 shown, not for every pupil the filter holds before it is sorted.
    pupils = form.pupils(Pupil.objects.visible_to(request.user))
    paginator = Paginator(pupils.values_list("pk", flat=True), settings.REGISTER_PAGE_SIZE)
    if counts is not None and (total := form.count_from(counts)) is not None:
        paginator.count = total  # a category's pupils on roll: the header has counted them already
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    shown = _as_shown(Pupil.objects.filter(pk__in=ids)).in_bulk()
    page.object_list = [shown[pk] for pk in ids]
    AccessLog.record(user=request.user, code="pupil.listed", pupils=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
    }
    if request.htmx:
        return render(request, "pupils/_register_rows.html", context)
    context["count_rows"] = cohort.labelled(counts)
    # On a phone the filters fold behind a button, open when one is in use.
    context["filtered"] = any(value for key, value in request.GET.items() if key != "page")
    return render(request, "pupils/pupil_list.html", context)


@role_required(roles.can_import_export)
def pupil_export(request: HttpRequest) -> HttpResponse:
    pupils = _register_form(request).pupils(Pupil.objects.visible_to(request.user))
    rows = mis.register_export(pupils=_as_shown(pupils), by=request.user, as_of=timezone.localdate())
    stamp = timezone.localdate().isoformat()
    response = csv_download(f"cwsw-register-{stamp}.csv")
    csv.writer(response).writerows(rows)
    return response


@role_required(roles.can_import_export)
def pupil_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = mis.pupils_import(data=form.cleaned_data["file"].read(), by=request.user)
        if result.ok:
            messages.success(
                request, f"Imported: {result.created} new pupils, {result.updated} updated."
            )
            # Everyone on the register, newest admissions first: most pupils imported are in no category.
            return redirect(reverse("pupils:list") + "?category=all&ordering=-admitted")
    return render(request, "pupils/pupil_import.html", {"form": form, "result": result})


@role_required(roles.can_import_export)
def records_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].help_text = (
        "A CSV with a header row: UPN, Academic year (2025 or 2025/26), Term, and Possible sessions and "
        "Attended sessions, and/or Reading, Writing, Maths (below, WTS, EXP, GDS) and KS2 reading, KS2 maths, "
        "KS2 GPS (scaled scores, 80 to 120). For GCSE grades: UPN, Academic year, Term, Subject, Working at, "
        "Predicted, Target (9 to 1, or U), one subject per row."
    )
    result = None
    if request.method == "POST" and form.is_valid():
        result = mis.records_import(data=form.cleaned_data["file"].read(), by=request.user)
        if result.ok:
            messages.success(request, f"Imported: {result.created} new records, {result.updated} updated.")
            return redirect("pupils:records_import")
    return render(request, "pupils/records_import.html", {"form": form, "result": result})


CTF_SESSION_KEY = "pupils_ctf_import"


@role_required(roles.can_import_export)
def ctf_import(request: HttpRequest) -> HttpResponse:
    """Read a common transfer file, show what importing it would do, and save it only once confirmed."""
    if request.method == "POST" and request.POST.get("confirm"):
        rows = request.session.pop(CTF_SESSION_KEY, None)
        if not rows:
            messages.error(request, "There is nothing to import: read the file again.")
            return redirect("pupils:ctf_import")
        try:
            plan = ctf.ctf_import_save(pupils=ctf.pupils_from_session(rows), by=request.user)
        except ValidationError as error:
            # Changed since the preview (a colleague's edit, another import): say what, save nothing.
            return render(request, "pupils/ctf_import.html",
                          {"form": CtfImportForm(), "refused": error.messages})
        messages.success(request, f"Imported from the CTF: {len(plan.new)} new pupils, {len(plan.changed)} "
                                  f"updated, {plan.unchanged} unchanged.")
        if plan.in_care_to_record:
            messages.warning(request, f"{len(plan.in_care_to_record)} pupils are in care according to the file "
                                      "but have no open looked-after episode here: record each one's episode.")
        return redirect(reverse("pupils:list") + "?category=all&ordering=-admitted")
    form = CtfImportForm(request.POST or None, request.FILES or None)
    result = plan = None
    if request.method == "POST" and form.is_valid():
        result = ctf.ctf_read(form.cleaned_data["file"].read())
        if result.ok:
            plan = ctf.ctf_plan(result.pupils)
            if plan.ok:
                request.session[CTF_SESSION_KEY] = ctf.pupils_to_session(result.pupils)
    return render(request, "pupils/ctf_import.html", {"form": form, "result": result, "plan": plan})


MARKS_SESSION_KEY = "pupils_marks_import"
CODE_ROWS = [{"code": c.code, "meaning": c.meaning, "label": attendance_codes.KIND_LABELS[c.kind]}
             for c in attendance_codes.CODES.values()]


@role_required(roles.can_import_export)
def marks_import(request: HttpRequest) -> HttpResponse:
    """Read the MIS's daily attendance marks, show what the file holds, and save them once confirmed."""
    if request.method == "POST" and request.POST.get("confirm"):
        rows = request.session.pop(MARKS_SESSION_KEY, None)
        if not rows:
            messages.error(request, "There is nothing to import: read the file again.")
            return redirect("pupils:marks_import")
        try:
            saved = marks.marks_save(rows=rows, by=request.user)
        except ValidationError as error:
            return render(request, "pupils/marks_import.html",
                          {"form": MarksImportForm(), "refused": error.messages, "codes": CODE_ROWS})
        messages.success(request, f"Imported {saved:,} attendance marks; each term they fall in is counted again.")
        return redirect("pupils:marks_import")
    form = MarksImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = marks.marks_read(form.cleaned_data["file"].read())
        if result.ok:
            request.session[MARKS_SESSION_KEY] = result.rows
    return render(request, "pupils/marks_import.html", {"form": form, "result": result, "codes": CODE_ROWS})


SEARCH_RESULTS = 10


def search(request: HttpRequest, query: str) -> list[Pupil]:
    """Pupils this user may see whose name or UPN matches (at least two characters; at most ten)."""
    if len(query) < 2:
        return []
    return list(Pupil.objects.visible_to(request.user).search(query).order_by("last_name", "first_name", "pk")
                [:SEARCH_RESULTS])


@role_required(roles.can_flag)
def pupil_search(request: HttpRequest) -> HttpResponse:
    """The pupils matching a search, to choose one in the flag form (htmx partial)."""
    query = request.GET.get("q", "").strip()
    return render(request, "pupils/_pupil_choices.html", {"results": search(request, query), "q": query})


@role_required(roles.can_see_register)
def pupil_find(request: HttpRequest) -> HttpResponse:
    """The header's search: links to the pupils this user may see, leavers included (htmx partial)."""
    query = request.GET.get("q", "").strip()[:100]
    results = search(request, query)
    # The suspensions page uses the same search to choose whose suspension to record.
    target = "pep:exclusion_add" if request.GET.get("to") == "exclusion" and roles.can_record_exclusions(
        request.user) else "pupils:detail"
    return render(request, "pupils/_header_results.html", {"results": results, "q": query, "target": target})
