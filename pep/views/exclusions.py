"""Pages about suspensions and exclusions: the year's list, and recording one."""

from __future__ import annotations

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
from cwsw.pages import form_page
from cwsw.terms import academic_year_label, academic_year_of
from pupils.access import get_pupil_for

from .. import selectors, services
from ..access import get_exclusion_for
from ..forms import ExclusionForm
from ..models import ExclusionConsultation
from .common import year_param


@role_required(roles.can_record_exclusions)
def exclusions(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = year_param(request, academic_year_of(today))
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


def _exclusion_page(request: HttpRequest, *, pupil: Any, exclusion: ExclusionConsultation | None,
                    form: ExclusionForm, title: str) -> HttpResponse:
    return form_page(
        request, form=form, template="pep/form.html",
        context={"title": title, "pupil": pupil, "category": pupil.category_on()},
        act=lambda values: services.exclusion_save(pupil=pupil, exclusion=exclusion, by=request.user, **values),
        done="Saved.", to=lambda record: next_or(request, reverse("pep:pupil", args=[pupil.pk])))


@role_required(roles.can_record_exclusions)
def exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = ExclusionForm(request.POST or None, pupil=pupil, initial={"incident_date": timezone.localdate()})
    return _exclusion_page(request, pupil=pupil, exclusion=None, form=form,
                           title=f"Suspension or exclusion: {pupil}")


@role_required(roles.can_record_exclusions)
def exclusion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exclusion = get_exclusion_for(request.user, pk)
    form = ExclusionForm(request.POST or None, instance=exclusion, pupil=exclusion.pupil)
    return _exclusion_page(request, pupil=exclusion.pupil, exclusion=exclusion, form=form, title=f"{exclusion}")
