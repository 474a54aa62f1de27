"""Writes to suspensions and exclusions: the incident, the consultation, the decision, the notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from ..models import ExclusionConsultation
from .common import lock_pupil, locked, log_export, save_and_log, set_values


def _values(**values: Any) -> dict[str, Any]:
    return values


@transaction.atomic
def exclusion_save(
    *, pupil: Any, exclusion: ExclusionConsultation | None = None, incident_date: dt.date, incident: str,
    proposed_action: str, consulted_on: dt.date | None = None, vs_adviser: str = "", vs_advice: str = "",
    alternatives_considered: str = "", pla_parent_consent: bool = False, decision: str = "",
    decision_date: dt.date | None = None, first_day: dt.date | None = None, days: Decimal | None = None,
    public_exam_missed: bool = False, social_worker_notified_on: dt.date | None = None,
    vsh_notified_on: dt.date | None = None, reintegration_meeting_on: dt.date | None = None, by: Any,
) -> ExclusionConsultation:
    """Record an incident (or update the record of one): the Virtual School consultation, the decision
    and the notifications.

    The pupil's row is locked first, so two suspensions saved at once are checked against the 45-day
    cap one after the other; the loser is refused with the cap's message, like any other refusal.
    """
    lock_pupil(pupil.pk)
    record = ExclusionConsultation(pupil=pupil) if exclusion is None else locked(ExclusionConsultation,
                                                                                 exclusion.pk, "pupil")
    set_values(record, _values(
        incident_date=incident_date, incident=incident, proposed_action=proposed_action, consulted_on=consulted_on,
        vs_adviser=vs_adviser, vs_advice=vs_advice, alternatives_considered=alternatives_considered,
        pla_parent_consent=pla_parent_consent, decision=decision, decision_date=decision_date, first_day=first_day,
        days=days, public_exam_missed=public_exam_missed, social_worker_notified_on=social_worker_notified_on,
        vsh_notified_on=vsh_notified_on, reintegration_meeting_on=reintegration_meeting_on,
    ))
    code = "suspension.recorded" if exclusion is None else "suspension.changed"
    save_and_log(record, pupil_id=pupil.pk, by=by, code=code, data={"decision": decision})
    return record


@transaction.atomic
def exclusions_export_log(*, pupil_ids: list[int], academic_year: int, by: Any) -> None:
    """Log each pupil in an export of a year's suspensions and exclusions."""
    log_export(by, "suspension.exported", pupil_ids, data={"academic_year": academic_year, "pupils": len(pupil_ids)})
