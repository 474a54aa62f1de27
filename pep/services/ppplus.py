"""Writes to Pupil Premium Plus: rates, allocations received and spends; corrections and withdrawals.

Every write about a pupil's money locks the pupil's row, then the allocation's, then the spend's (always
in that order), and checks the rules on what it finds under the locks: two spends saved at once cannot
overspend an allocation together, and a correction cannot undo a withdrawal saved a moment before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import PepTarget, PpPlusAllocation, PpPlusRate, PpPlusSpend
from .common import changed, lock_pupil, locked, log_export, save_and_log, set_values


@transaction.atomic
def rate_add(*, financial_year: int, amount: Decimal, by: Any) -> PpPlusRate:
    """Add a financial year's PP+ rate per pupil to the one table of rates."""
    rate = PpPlusRate(financial_year=financial_year, amount=amount)
    rate.full_clean()
    rate.save()
    return rate


@transaction.atomic
def allocation_record(*, pupil: Any, financial_year: int, amount: Decimal, source: str, received_on: dt.date,
                      note: str = "", by: Any) -> PpPlusAllocation:
    """Record PP+ received for a pupil."""
    lock_pupil(pupil.pk)
    allocation = PpPlusAllocation(pupil=pupil, financial_year=financial_year, amount=amount, source=source,
                                  received_on=received_on, note=note)
    save_and_log(allocation, pupil_id=pupil.pk, by=by, code="ppplus.allocation_recorded")
    return allocation


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why: the history keeps it with the old figures."})
    return reason


def _locked_allocation(allocation_id: int) -> PpPlusAllocation:
    pupil_id = PpPlusAllocation.objects.values_list("pupil_id", flat=True).get(pk=allocation_id)
    lock_pupil(pupil_id)
    return locked(PpPlusAllocation, allocation_id, "pupil")


@transaction.atomic
def allocation_correct(*, allocation: PpPlusAllocation, financial_year: int, amount: Decimal, source: str,
                       received_on: dt.date, note: str = "", reason: str, by: Any) -> PpPlusAllocation:
    """Correct a wrong allocation; the history keeps what it was and why it changed."""
    reason = _reason(reason)
    allocation = _locked_allocation(allocation.pk)
    if allocation.is_withdrawn:
        raise ValidationError("This allocation was withdrawn a moment ago; it can no longer be corrected.")
    set_values(allocation, {"financial_year": financial_year, "amount": amount, "source": source,
                            "received_on": received_on, "note": note})
    allocation._change_reason = reason
    save_and_log(allocation, pupil_id=allocation.pupil_id, by=by, code="ppplus.allocation_corrected")
    return allocation


@transaction.atomic
def allocation_withdraw(*, allocation: PpPlusAllocation, reason: str, by: Any) -> PpPlusAllocation:
    """Withdraw an allocation recorded in error (kept on file, left out of every total)."""
    reason = _reason(reason)
    allocation = _locked_allocation(allocation.pk)
    if allocation.is_withdrawn:
        raise ValidationError("This allocation is already withdrawn.")
    if allocation.spends.live().exists():
        raise ValidationError("Withdraw or move the spends from this allocation first.")
    allocation.withdrawn_reason = allocation._change_reason = reason
    allocation.withdrawn_at = timezone.now()
    allocation.save()
    changed(by, allocation.pupil_id, "ppplus.allocation_withdrawn", about=allocation)
    return allocation


@transaction.atomic
def spend_record(*, allocation: PpPlusAllocation, spent_on: dt.date, amount: Decimal, category: str,
                 description: str, target: PepTarget | None = None, impact: str = "", by: Any) -> PpPlusSpend:
    """Record a PP+ spend unless it would take its allocation below zero (checked under the locks)."""
    allocation = _locked_allocation(allocation.pk)
    spend = PpPlusSpend(allocation=allocation, spent_on=spent_on, amount=amount, category=category,
                        description=description, target=target, impact=impact)
    save_and_log(spend, pupil_id=allocation.pupil_id, by=by, code="ppplus.spend_recorded")
    return spend


def _locked_spend(spend_id: int) -> PpPlusSpend:
    allocation_id = PpPlusSpend.objects.values_list("allocation_id", flat=True).get(pk=spend_id)
    allocation = _locked_allocation(allocation_id)
    spend = locked(PpPlusSpend, spend_id)
    spend.allocation = allocation
    return spend


@transaction.atomic
def spend_correct(*, spend: PpPlusSpend, spent_on: dt.date, amount: Decimal, category: str, description: str,
                  target: PepTarget | None = None, impact: str = "", reason: str, by: Any) -> PpPlusSpend:
    """Correct a wrong spend (still refused if it would overspend); the history keeps what it was."""
    reason = _reason(reason)
    spend = _locked_spend(spend.pk)
    if spend.is_withdrawn:
        raise ValidationError("This spend was withdrawn a moment ago; it can no longer be corrected.")
    set_values(spend, {"spent_on": spent_on, "amount": amount, "category": category,
                       "description": description, "target": target, "impact": impact})
    spend._change_reason = reason
    save_and_log(spend, pupil_id=spend.allocation.pupil_id, by=by, code="ppplus.spend_corrected")
    return spend


@transaction.atomic
def spend_withdraw(*, spend: PpPlusSpend, reason: str, by: Any) -> PpPlusSpend:
    """Withdraw a spend recorded in error (kept on file, left out of every total)."""
    reason = _reason(reason)
    spend = _locked_spend(spend.pk)
    if spend.is_withdrawn:
        raise ValidationError("This spend is already withdrawn.")
    spend.withdrawn_reason = spend._change_reason = reason
    spend.withdrawn_at = timezone.now()
    spend.save()
    changed(by, spend.allocation.pupil_id, "ppplus.spend_withdrawn", about=spend)
    return spend


@transaction.atomic
def pp_export_log(*, pupil_ids: list[int], financial_year: int, by: Any) -> None:
    """Log each pupil in an export of a year's PP+ figures."""
    log_export(by, "ppplus.exported", pupil_ids, data={"financial_year": financial_year, "rows": len(pupil_ids)})
