"""A pupil's term records: attendance (with any concern and the contact log), attainment, GCSE grades
and SDQ scores. The page shows every form; each form posts to its own address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.forms import show_refusal
from cwsw.models import Term

from .. import attendance, marks, services, years
from ..access import get_pupil_for
from ..forms import AttainmentForm, AttendanceContactForm, AttendanceForm, SdqForm, SubjectGradeForm
from ..models import Pupil


@dataclass(frozen=True)
class RecordForm:
    form: type
    save: Callable[..., Any]
    done: str


RECORD_FORMS = {
    "attendance": RecordForm(AttendanceForm, services.attendance_save, "The attendance figures are saved."),
    "attainment": RecordForm(AttainmentForm, services.attainment_save, "The attainment figures are saved."),
    "grades": RecordForm(SubjectGradeForm, services.grades_save, "The grades are saved."),
    "contact": RecordForm(AttendanceContactForm, services.attendance_contact_add, "The contact is logged."),
    "sdq": RecordForm(SdqForm, services.sdq_record, "The SDQ score is saved."),
}


def _strip(pupil: Pupil, term: Any, calendar: Any, today: Any) -> list:
    """The term's days with their marks, or nothing when no mark of the term was imported."""
    days = marks.marks_strip(pupil, term, calendar, today) if term else []
    return days if any(d.am or d.pm for d in days) else []


def _page(request: HttpRequest, pupil: Pupil, bound: dict[str, Any] | None = None) -> HttpResponse:
    forms = {name: kind.form(None, pupil=pupil, prefix=name) for name, kind in RECORD_FORMS.items()}
    forms.update(bound or {})
    today = timezone.localdate()
    calendar = Term.calendar()
    concerns = attendance.attendance_concerns([pupil.pk], calendar=calendar, today=today)
    term = calendar.term_of(today) or next(iter(attendance.recent_terms(calendar, today)), None)
    context = {
        "pupil": pupil, "attendance_form": forms["attendance"], "attainment_form": forms["attainment"],
        "contact_form": forms["contact"], "sdq_form": forms["sdq"], "grades_form": forms["grades"],
        "secondary": pupil.year_group() >= years.SECONDARY_FROM_YEAR,
        "grades": pupil.subject_grades.order_by("-academic_year", "-term", "subject"),
        "concern": concerns[0] if concerns else None,
        "attendance": pupil.attendance_records.order_by("-academic_year", "-term"),
        "attainment": pupil.attainment_records.order_by("-academic_year", "-term"),
        "contacts": pupil.attendance_contacts.select_related("by"),
        # This term's daily marks, where the MIS's marks are imported.
        "strip_term": term, "strip": _strip(pupil, term, calendar, today),
        "sdq_scores": pupil.sdq_scores.all(),
    }
    return render(request, "pupils/pupil_records.html", context)


@role_required(roles.can_edit_pupils)
def pupil_records(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_pupil_for(request.user, pk))


@role_required(roles.can_edit_pupils)
@require_POST
def record_save(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Save one of the page's forms (its address names which); a refusal shows the page with that form."""
    pupil = get_pupil_for(request.user, pk)
    if kind not in RECORD_FORMS:
        raise Http404
    record_form = RECORD_FORMS[kind]
    form = record_form.form(request.POST, pupil=pupil, prefix=kind)
    if form.is_valid():
        try:
            record_form.save(pupil=pupil, by=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            messages.success(request, record_form.done)
            return redirect("pupils:records", pk=pupil.pk)
    return _page(request, pupil, {kind: form})
