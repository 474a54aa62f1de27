"""Writes to the school-wide records: each view calls one of these."""

from typing import Any

from django.db import transaction

from .ics import YearImport
from .models import Closure, SchoolProfile, Term
from .signals import calendar_changed
from .terms import ClosureDates, TermDates


@transaction.atomic
def school_profile_save(*, profile: SchoolProfile, by: Any) -> SchoolProfile:
    """Save the school's details (the form has validated them); a new count of school days for the initial
    PEP moves every due date counted with it."""
    before = SchoolProfile.load().initial_pep_school_days
    profile.full_clean()
    profile.save()
    if profile.initial_pep_school_days != before:
        calendar_changed.send(sender=SchoolProfile)
    return profile


@transaction.atomic
def calendar_year_save(
    *, academic_year: int, terms: list[TermDates], closures: list[ClosureDates], by: Any,
) -> None:
    """Store a year's term dates and closures, replacing whatever was entered for it before."""
    Term.objects.filter(academic_year=academic_year).delete()
    Closure.objects.filter(academic_year=academic_year).delete()
    for term in terms:
        Term(academic_year=academic_year, name=term.name, start_date=term.start, end_date=term.end).save()
    for closure in closures:
        Closure(start_date=closure.start, end_date=closure.end, kind=closure.kind,
                description=closure.description[:100]).save()
    calendar_changed.send(sender=Term, academic_year=academic_year)


@transaction.atomic
def calendar_import_save(*, years: list[YearImport], by: Any) -> None:
    """Save every year read from an .ics file, each replacing that year's dates."""
    for year in years:
        calendar_year_save(academic_year=year.academic_year, terms=year.terms, closures=year.closures, by=by)
