"""Writes to alternative provision and part-time timetables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from ..models import PepTarget, Provision
from .common import lock_pupil, locked, log_export, save_and_log, set_values


@transaction.atomic
def provision_save(
    *, pupil: Any, provision: Provision | None = None, kind: str, provider: str = "", start_date: dt.date,
    end_date: dt.date | None = None, hours_a_week: Decimal, full_time_hours: Decimal, reason: str,
    review_due: dt.date, vs_agreed_on: dt.date | None = None, target: PepTarget | None = None, by: Any,
) -> Provision:
    """Record an arrangement, or update one (a review moves its next date on; an end date ends it)."""
    lock_pupil(pupil.pk)
    record = Provision(pupil=pupil) if provision is None else locked(Provision, provision.pk, "pupil")
    set_values(record, {
        "kind": kind, "provider": provider, "start_date": start_date, "end_date": end_date,
        "hours_a_week": hours_a_week, "full_time_hours": full_time_hours, "reason": reason,
        "review_due": review_due, "vs_agreed_on": vs_agreed_on, "target": target,
    })
    save_and_log(record, pupil_id=pupil.pk, by=by,
                 code="provision.recorded" if provision is None else "provision.changed")
    return record


@transaction.atomic
def provisions_export_log(*, pupil_ids: list[int], by: Any) -> None:
    """Log each pupil in an export of the alternative provision list."""
    log_export(by, "provision.exported", pupil_ids, data={"pupils": len(pupil_ids)})
