from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from . import roles
from .decorators import role_required
from .forms import SchoolProfileForm, TermDatesForm
from .models import SchoolProfile, Term
from .services import terms_save
from .terms import academic_year_label, academic_year_of


@role_required(roles.can_manage_school)
def school_profile(request: HttpRequest) -> HttpResponse:
    profile = SchoolProfile.load()
    form = SchoolProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The school's details are saved.")
        return redirect("cwsw:school")
    return render(request, "cwsw/school_profile.html", {"form": form})


@role_required(roles.can_manage_school)
def term_dates(request: HttpRequest, year: int | None = None) -> HttpResponse:
    current = academic_year_of(timezone.localdate())
    year = current if year is None else year
    if not current - 10 <= year <= current + 5:
        messages.error(request, "Choose an academic year within ten years of this one.")
        return redirect("cwsw:terms")
    entered = Term.objects.filter(academic_year=year).exists()
    form = TermDatesForm(
        request.POST or None, academic_year=year, initial_terms=Term.terms_for(year)
    )
    if request.method == "POST" and form.is_valid():
        terms_save(academic_year=year, terms=form.terms())
        messages.success(request, f"Term dates for {academic_year_label(year)} are saved.")
        return redirect("cwsw:terms_year", year=year)
    context = {
        "form": form,
        "year": year,
        "year_label": academic_year_label(year),
        "entered": entered,
        "years": [(y, academic_year_label(y)) for y in range(current - 1, current + 2)],
    }
    return render(request, "cwsw/term_dates.html", context)
