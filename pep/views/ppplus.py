"""Pages about Pupil Premium Plus: the school's year, the rates, a pupil's allocations and spends."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.pages import csv_download, form_page
from cwsw.terms import financial_year_bounds, financial_year_label, financial_year_of
from pupils.access import get_pupil_for
from pupils.mis import safe_cell

from .. import selectors, services
from ..access import get_allocation_for, get_spend_for
from ..forms import (
    AllocationCorrectForm,
    AllocationForm,
    RateForm,
    SpendCorrectForm,
    SpendForm,
    WithdrawForm,
    financial_year_choices,
)
from ..models import PpPlusAllocation, PpPlusRate
from .common import year_param


@role_required(roles.can_do_casework)
def pp_school(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    fy = year_param(request, financial_year_of(today))
    rates = list(PpPlusRate.objects.all())  # a row a year: the year's own rate is read from them
    rate = next((r.amount for r in rates if r.financial_year == fy), None)
    context = {
        "year": fy,
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
def pp_pupils(request: HttpRequest) -> HttpResponse:
    """Each pupil's PP+ in a financial year: allocated, spent, balance; sortable, paginated, with a spend button."""
    today = timezone.localdate()
    fy = year_param(request, financial_year_of(today))
    sort = request.GET.get("sort", "name")
    sort = sort if sort in selectors.PUPIL_ORDERS else "name"
    page = Paginator(selectors.pp_pupils(financial_year=fy, sort=sort),
                     settings.REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "pep/pp_pupils.html", {
        "pupils": page, "sort": sort, "orders": [(k, words) for k, (_, words) in selectors.PUPIL_ORDERS.items()],
        "query": query.urlencode(), "year_ended": today > financial_year_bounds(fy)[1], "year": fy,
        "fy_label": financial_year_label(fy), "previous_year": fy - 1, "next_year": fy + 1,
    })


@role_required(roles.can_do_casework)
def pp_export(request: HttpRequest) -> HttpResponse:
    """The year's per-pupil figures as CSV, in the order the page shows them; each pupil logged as exported."""
    fy = year_param(request, financial_year_of(timezone.localdate()))
    rows = list(selectors.pp_pupils(financial_year=fy, sort=request.GET.get("sort", "name")))
    services.pp_export_log(pupil_ids=[row.pk for row in rows], financial_year=fy, by=request.user)
    response = csv_download(f"pp-plus-{financial_year_label(fy)}.csv")
    writer = csv.writer(response)
    writer.writerow(["UPN", "Pupil", "Category", "Allocated", "Spent", "Unspent"])
    for row in rows:
        writer.writerow([row.upn, safe_cell(f"{row.last_name}, {row.first_name}"), row.category or "",
                         f"{row.allocated:.2f}", f"{row.spent:.2f}", f"{row.balance:.2f}"])
    return response


def _form_page(request: HttpRequest, *, form: forms.Form, title: str, pupil: Any, act: Callable[[dict], Any],
               done: Callable[[Any], str], to: Callable[[Any], Any], extra: dict | None = None) -> HttpResponse:
    return form_page(request, form=form, act=act, done=done, to=to, template="pep/form.html",
                     context={"title": title, "pupil": pupil, **(extra or {})})


@role_required(roles.can_do_casework)
def rate_add(request: HttpRequest) -> HttpResponse:
    """A year's rate, added once a year: its own page, so the summary does not draw the form on every visit."""
    # Opened from a year's summary that has no rate, the form offers that year.
    form = RateForm(request.POST or None,
                    initial={"financial_year": year_param(request, financial_year_of(timezone.localdate()))})
    return _form_page(
        request, form=form, title="Add a year's PP+ rate per pupil", pupil=None,
        act=lambda values: services.rate_add(by=request.user, **values),
        done=lambda rate: f"The rate for {financial_year_label(rate.financial_year)} is added.",
        to=lambda rate: f"{reverse('pep:pp_school')}?year={rate.financial_year}",
    )


def _to_casework(record: Any) -> str:
    return reverse("pep:pupil", args=[record.pupil_id if hasattr(record, "pupil_id") else
                                      record.allocation.pupil_id])


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
    return _form_page(
        request, form=form, title=f"PP+ received for {pupil}", pupil=pupil,
        act=lambda values: services.allocation_record(pupil=pupil, by=request.user, **values),
        done=lambda allocation: "The allocation is recorded.", to=_to_casework,
    )


@role_required(roles.can_do_casework)
def spend_add(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_allocation_for(request.user, pk)
    form = SpendForm(request.POST or None, allocation=allocation, initial={"spent_on": timezone.localdate()})
    return _form_page(
        request, form=form, title=f"Spend from {allocation}", pupil=allocation.pupil,
        act=lambda values: services.spend_record(allocation=allocation, by=request.user, **values),
        done=lambda spend: "The spend is recorded.", to=_to_casework,
        extra={"remaining": allocation.remaining()},
    )


@role_required(roles.can_do_casework)
def allocation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an allocation recorded wrongly, with the reason."""
    allocation = get_allocation_for(request.user, pk)
    form = AllocationCorrectForm(request.POST or None, instance=allocation)
    return _form_page(
        request, form=form, title=f"Correct {allocation}", pupil=allocation.pupil,
        act=lambda values: services.allocation_correct(allocation=allocation, by=request.user, **values),
        done=lambda record: "The allocation is corrected; the history keeps what it was.", to=_to_casework,
    )


@role_required(roles.can_do_casework)
def allocation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an allocation recorded in error: it stays on file and counts in no total."""
    allocation = get_allocation_for(request.user, pk)
    return _form_page(
        request, form=WithdrawForm(request.POST or None), title=f"Withdraw {allocation}", pupil=allocation.pupil,
        act=lambda values: services.allocation_withdraw(allocation=allocation, by=request.user, **values),
        done=lambda record: "The allocation is withdrawn.", to=_to_casework,
    )


@role_required(roles.can_do_casework)
def spend_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a spend recorded wrongly, with the reason."""
    spend = get_spend_for(request.user, pk)
    form = SpendCorrectForm(request.POST or None, instance=spend, allocation=spend.allocation)
    return _form_page(
        request, form=form, title=f"Correct the spend {spend}", pupil=spend.allocation.pupil,
        act=lambda values: services.spend_correct(spend=spend, by=request.user, **values),
        done=lambda record: "The spend is corrected; the history keeps what it was.", to=_to_casework,
    )


@role_required(roles.can_do_casework)
def spend_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a spend recorded in error: it stays on file and counts in no total."""
    spend = get_spend_for(request.user, pk)
    return _form_page(
        request, form=WithdrawForm(request.POST or None), title=f"Withdraw the spend {spend}",
        pupil=spend.allocation.pupil,
        act=lambda values: services.spend_withdraw(spend=spend, by=request.user, **values),
        done=lambda record: "The spend is withdrawn.", to=_to_casework,
    )
