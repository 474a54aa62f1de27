"""Pages about suspensions and exclusions: the year's list, and recording one."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.navigation import next_or
from cwsw.pages import csv_download, form_page
from cwsw.terms import academic_year_label, academic_year_of
from pupils.access import get_pupil_for
from pupils.mis import safe_cell

from .. import selectors, services
from ..access import get_exclusion_for
from ..forms import ExclusionForm, ExclusionListForm
from ..models import ExclusionConsultation
from .common import year_param


@role_required(roles.can_record_exclusions)
def exclusions(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = year_param(request, academic_year_of(today))
    form = ExclusionListForm(request.GET)
    records = selectors.exclusions_in_year(user=request.user, academic_year=year, **form.values())
    page = Paginator(records, settings.REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": selectors.exclusion_rows(list(page.object_list), today=today), "page": page, "form": form,
        "query": query.urlencode(), "year_label": academic_year_label(year),
        "previous_year": year - 1, "next_year": year + 1, "year": year,
    }
    return render(request, "pep/exclusions.html", context)


EXPORT_HEADER = ["UPN", "Pupil", "Category", "Incident", "Proposed", "Decision", "Decision date", "First day",
                 "Days", "Virtual School consulted", "Social worker told", "Virtual School Head told", "To do"]


@role_required(roles.can_record_exclusions)
def exclusions_export(request: HttpRequest) -> HttpResponse:
    """The year's records as the page lists them, as CSV (what needs doing in words); each pupil logged."""
    today = timezone.localdate()
    year = year_param(request, academic_year_of(today))
    records = selectors.exclusions_in_year(user=request.user, academic_year=year,
                                           **ExclusionListForm(request.GET).values())
    rows = selectors.exclusion_rows(list(records), today=today)  # in the page's order
    services.exclusions_export_log(pupil_ids=sorted({row.exclusion.pupil_id for row in rows}),
                                   academic_year=year, by=request.user)
    response = csv_download(f"suspensions-{academic_year_label(year).replace('/', '-')}.csv")
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        e = row.exclusion
        writer.writerow([
            e.pupil.upn, safe_cell(f"{e.pupil.last_name}, {e.pupil.first_name}"), row.category or "",
            e.incident_date.isoformat(), e.get_proposed_action_display(), e.get_decision_display() or "Awaiting",
            _iso(e.decision_date), _iso(e.first_day), _days(e.days), _iso(e.consulted_on),
            _iso(e.social_worker_notified_on), _iso(e.vsh_notified_on),
            safe_cell("; ".join(words for words, _ in row.flags.to_do())),
        ])
    return response


def _days(days: Any) -> str:
    """Days as the page shows them: 2, 0.5, 10."""
    if days is None:
        return ""
    text = f"{days:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _iso(day: Any) -> str:
    return day.isoformat() if day else ""


def _exclusion_page(request: HttpRequest, *, pupil: Any, exclusion: ExclusionConsultation | None,
                    form: ExclusionForm, title: str, category: str | None) -> HttpResponse:
    return form_page(
        request, form=form, template="pep/form.html",
        context={"title": title, "pupil": pupil, "category": category},
        act=lambda values: services.exclusion_save(pupil=pupil, exclusion=exclusion, by=request.user, **values),
        done="Saved.", to=lambda record: next_or(request, reverse("pep:pupil", args=[pupil.pk])))


@role_required(roles.can_record_exclusions)
def exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    category = pupil.category_on()
    form = ExclusionForm(request.POST or None, pupil=pupil, category=category,
                         initial={"incident_date": timezone.localdate()})
    return _exclusion_page(request, pupil=pupil, exclusion=None, form=form, category=category,
                           title=f"Suspension or exclusion: {pupil}")


@role_required(roles.can_record_exclusions)
def exclusion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exclusion = get_exclusion_for(request.user, pk)
    category = exclusion.pupil.category_on()
    form = ExclusionForm(request.POST or None, instance=exclusion, pupil=exclusion.pupil, category=category)
    return _exclusion_page(request, pupil=exclusion.pupil, exclusion=exclusion, form=form, category=category,
                           title=f"{exclusion}")
