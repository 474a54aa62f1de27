from django.db import transaction

from .models import Term
from .terms import TermDates


@transaction.atomic
def terms_save(*, academic_year: int, terms: list[TermDates]) -> None:
    """Store the year's term dates, replacing any entered before."""
    for term in terms:
        Term.objects.update_or_create(
            academic_year=academic_year,
            name=term.name,
            defaults={"start_date": term.start, "end_date": term.end},
        )
