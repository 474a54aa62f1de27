"""The daily digest: what is due, for each user's roles, as counts and links — never names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse

from cwsw import roles
from cwsw.terms import academic_year_of, financial_year_of
from pep import compliance, selectors
from pep.models import COMPLETE, HELD, RED, PepMeeting, PpPlusAllocation
from pupils.models import Pupil

from .emails import send_templated
from .models import DigestSent

PP_PLUS_WARNING_DAYS = 60
LEAVING_WINDOW_DAYS = 30


@dataclass(frozen=True)
class DigestItem:
    label: str
    count: int
    url: str


def _peps_due(user: Any, today: dt.date) -> int:
    grid = selectors.compliance_grid(user=user, academic_year=academic_year_of(today), today=today)
    return sum(
        1 for row in grid.rows for slot in row.slots if slot.status in (compliance.MISSING, compliance.DUE_SOON)
    )


def _peps_red_or_unsigned(user: Any, today: dt.date) -> int:
    return PepMeeting.objects.filter(
        pupil__in=Pupil.objects.visible_to(user), academic_year=academic_year_of(today),
    ).filter(Q(status=HELD) | Q(vs_rating=RED, status=COMPLETE)).count()


def _pp_plus_unspent(user: Any, today: dt.date) -> int:
    fy = financial_year_of(today)
    year_end = dt.date(fy + 1, 3, 31)
    if (year_end - today).days > PP_PLUS_WARNING_DAYS:
        return 0
    return (
        PpPlusAllocation.objects.filter(pupil__in=Pupil.objects.visible_to(user), financial_year=fy)
        .with_spent().filter(amount__gt=F("spent")).count()
    )


def _exclusions_waiting(user: Any, today: dt.date, *, notifications_only: bool = False) -> int:
    rows = selectors.exclusions_overview(user=user, academic_year=academic_year_of(today), today=today)
    return sum(
        1 for _, _, flags in rows
        if flags.notifications_due or (flags.consult_first and not notifications_only)
    )


def digest_for(user: Any, *, today: dt.date) -> list[DigestItem]:
    """Return the items due for this user's roles today; empty if there is nothing."""
    items: list[DigestItem] = []

    def add(label: str, count: int, url: str) -> None:
        if count:
            items.append(DigestItem(label, count, url))

    casework = roles.can_do_casework(user)
    if casework:
        add("PEPs due in the next 14 days or overdue", _peps_due(user, today), reverse("pep:grid"))
        add("PEPs held but not signed off, or rated red", _peps_red_or_unsigned(user, today), reverse("pep:grid"))
        add(f"PP+ allocations not fully spent, with the financial year ending within {PP_PLUS_WARNING_DAYS} days",
            _pp_plus_unspent(user, today), reverse("pep:pp_school"))
    if roles.can_record_exclusions(user) and (casework or roles.has_role(user, roles.DSL)):
        add("Suspensions awaiting the Virtual School consultation or notifications",
            _exclusions_waiting(user, today, notifications_only=not casework), reverse("pep:exclusions"))
    if roles.has_role(user, roles.DSL, roles.HEADTEACHER):
        add(f"Pupils leaving the six-year 'had a social worker' window in the next {LEAVING_WINDOW_DAYS} days",
            Pupil.objects.visible_to(user).on_roll(today).leaving_window(today, LEAVING_WINDOW_DAYS).count(),
            reverse("dashboard"))
    if roles.has_role(user, roles.DESIGNATED_TEACHER, roles.HEADTEACHER):
        add("New social-worker flags from the DSL you have not opened yet",
            Pupil.objects.visible_to(user).on_roll(today).with_new_flag().filter(has_new_flag=True).count(),
            reverse("pupils:list") + "?new_flags=on")
    return items


def digest_send(*, user: Any, today: dt.date) -> bool:
    """E-mail the user's digest unless there is nothing due or one went today already."""
    if not user.email:
        return False
    items = digest_for(user, today=today)
    if not items:
        return False
    try:
        with transaction.atomic():
            # The unique (user, day) row is written first: a retried or parallel run stops here.
            DigestSent.objects.create(user=user, day=today, items=len(items))
            send_templated(to=[user.email], template="digest", context={"user": user, "items": items,
                                                                         "today": today})
    except IntegrityError:
        return False
    return True
