"""Pages about alternative provision and part-time timetables."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.navigation import next_or
from cwsw.pages import csv_download, form_page
from pupils.access import get_pupil_for
from pupils.mis import safe_cell

from .. import selectors, services
from ..access import get_provision_for
from ..forms import ProvisionForm, ProvisionListForm
from ..models import PROVISION_REVIEW_SOON_DAYS, Provision


@role_required(roles.can_record_provision)
def provisions(request: HttpRequest) -> HttpResponse:
    """Every arrangement going on today, the overdue reviews first, and those ended in the last year."""
    today = timezone.localdate()
    form = ProvisionListForm(request.GET)
    current, ended = selectors.provisions_overview(user=request.user, today=today, **form.values())
    return render(request, "pep/provisions.html", {
        "current": current, "ended": ended, "today": today, "soon_days": PROVISION_REVIEW_SOON_DAYS, "form": form,
        "query": request.GET.urlencode(),
    })


EXPORT_HEADER = ["UPN", "Pupil", "Category", "Kind", "Provider", "Start", "End", "Hours a week", "Full time",
                 "Next review", "Review overdue", "Virtual School agreed", "Reason"]


@role_required(roles.can_record_provision)
def provisions_export(request: HttpRequest) -> HttpResponse:
    """What the page lists (today's arrangements, then those ended in the last year) as CSV; each pupil logged."""
    today = timezone.localdate()
    current, ended = selectors.provisions_overview(user=request.user, today=today,
                                                   **ProvisionListForm(request.GET).values())
    ended = selectors.with_categories(ended, today)
    services.provisions_export_log(pupil_ids=sorted({p.pupil_id for p in current + ended}), by=request.user)
    response = csv_download(f"provision-{today.isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEADER)
    for p in current + ended:
        writer.writerow([
            p.pupil.upn, safe_cell(f"{p.pupil.last_name}, {p.pupil.first_name}"), p.category or "",
            p.get_kind_display(), safe_cell(p.provider), p.start_date.isoformat(),
            p.end_date.isoformat() if p.end_date else "", f"{p.hours_a_week:f}", f"{p.full_time_hours:f}",
            p.review_due.isoformat(), "yes" if p.review_overdue(today) else "no",
            p.vs_agreed_on.isoformat() if p.vs_agreed_on else "", safe_cell(p.reason),
        ])
    return response


def _provision_page(request: HttpRequest, *, pupil: Any, provision: Provision | None, form: ProvisionForm,
                    title: str, help: str = "") -> HttpResponse:
    notice = ""
    if Provision(pupil=pupil).needs_vs_agreement(pupil.category_on()):
        notice = ("This pupil is looked after: agree any alternative provision or part-time timetable with the "
                  "Virtual School first, record the date they agreed, and link it to a PEP target.")
    return form_page(
        request, form=form, template="pep/form.html",
        context={"title": title, "pupil": pupil, "notice": notice, "help": help},
        act=lambda values: services.provision_save(pupil=pupil, provision=provision, by=request.user, **values),
        done="Saved.", to=lambda record: next_or(request, reverse("pep:pupil", args=[pupil.pk])))


@role_required(roles.can_record_provision)
def provision_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = ProvisionForm(request.POST or None, pupil=pupil, initial={"start_date": timezone.localdate()})
    return _provision_page(request, pupil=pupil, provision=None, form=form,
                           title=f"Alternative provision or part-time timetable: {pupil}")


@role_required(roles.can_record_provision)
def provision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an arrangement, record its review (the next review date) or its end."""
    provision = get_provision_for(request.user, pk)
    form = ProvisionForm(request.POST or None, instance=provision, pupil=provision.pupil)
    return _provision_page(
        request, pupil=provision.pupil, provision=provision, form=form, title=f"{provision}: {provision.pupil}",
        help="To record a review, set the date of the next one. To record the end, enter the last day.")


