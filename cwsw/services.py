"""Writes to the school-wide records: each view calls one of these."""

from typing import Any

from django.db import transaction

from .models import SchoolProfile, Term
from .terms import TermDates


def school_profile_save(*, profile: SchoolProfile, by: Any) -> SchoolProfile:
    """Save the school's details (the form has validated them)."""
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def terms_save(*, academic_year: int, terms: list[TermDates]) -> None:
    """Store the year's term dates, replacing any entered before."""
    for term in terms:
        Term.objects.update_or_create(
            academic_year=academic_year,
            name=term.name,
            defaults={"start_date": term.start, "end_date": term.end},
        )
