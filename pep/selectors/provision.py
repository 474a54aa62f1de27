"""Reads about alternative provision and part-time timetables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pupils.access import of_visible_pupils
from pupils.models import Pupil

from ..models import Provision

ENDED_SHOWN = 50


def with_categories(provisions: list[Provision], today: dt.date) -> list[Provision]:
    """Set each arrangement's `category` (the pupil's today), in one query, for the Virtual School check."""
    categories = dict(
        Pupil.objects.filter(pk__in={p.pupil_id for p in provisions}).with_category(today)
        .values_list("pk", "category")
    )
    for provision in provisions:
        provision.category = categories.get(provision.pupil_id)
        provision.needs_agreement = provision.needs_vs_agreement(provision.category)
    return provisions


PROVISION_ORDERINGS = {
    "": ("review_due", "pk"),
    "name": ("pupil__last_name", "pupil__first_name", "review_due", "pk"),
    "newest": ("-start_date", "-pk"),
}


def provisions_overview(*, user: Any, today: dt.date, kind: str = "",
                        ordering: str = "") -> tuple[list[Provision], list[Provision]]:
    """Arrangements going on today (the review due soonest first, unless `ordering` says otherwise) and the last
    ENDED_SHOWN ended in the year; of one kind ("alternative", "part_time") if given."""
    arrangements = Provision.objects.filter(kind=kind) if kind else Provision.objects.all()
    visible = of_visible_pupils(user, arrangements).select_related("pupil", "target__pep")
    current = list(visible.current(today).order_by(*PROVISION_ORDERINGS.get(ordering, PROVISION_ORDERINGS[""])))
    ended = list(visible.filter(end_date__lt=today, end_date__gte=today - dt.timedelta(days=365))
                 .order_by("-end_date", "-pk")[:ENDED_SHOWN])
    return with_categories(current, today), ended


def pupil_provisions(*, pupil: Pupil, category: str | None) -> list[Provision]:
    """The pupil's arrangements, newest first; `category` is the pupil's today (the caller has it)."""
    provisions = list(pupil.provisions.select_related("target__pep").order_by("-start_date", "-pk"))
    for provision in provisions:
        provision.category = category
        provision.needs_agreement = provision.needs_vs_agreement(category)
    return provisions
