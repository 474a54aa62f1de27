"""A pupil's casework on one page, and the summary of what comes next that the pupil page loads."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog, Term
from cwsw.terms import academic_year_label, financial_year_label, financial_year_of
from pupils.access import get_pupil_for

from .. import selectors
from ..models import PpPlusRate

GRADES_SHOWN = 12  # the latest term's few subjects; the rest are on the attainment page


@role_required(roles.can_see_social_care)
def pupil_casework(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    today = timezone.localdate()
    calendar = Term.calendar()
    year = calendar.academic_year_of(today)
    fy = financial_year_of(today)
    AccessLog.record(user=request.user, code="casework.viewed", pupils=[pupil])
    category, plan, kinship = pupil.category_and_plan(today)
    peps = list(pupil.peps.order_by("-meeting_date"))  # the list below, and the year's slots
    context = {
        "pupil": pupil,
        "category": category,
        "plan": plan,
        "kinship": kinship,
        "peps_owed": selectors.pupil_peps(pupil=pupil, academic_year=year, today=today, calendar=calendar),
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
    calendar = Term.calendar()
    context = {
        "pupil": pupil,
        "peps_owed": selectors.pupil_peps(pupil=pupil, academic_year=calendar.academic_year_of(today), today=today,
                                          calendar=calendar),
        "today": today,
        "pp": selectors.pp_summary(financial_year=financial_year_of(today), pupil=pupil),
        "flags": [row for row in selectors.pupil_exclusions(pupil=pupil, today=today) if row.flags.any],
    }
    return render(request, "pep/_pupil_summary.html", context)
