"""What every casework write shares: the pupil's lock first, the record's own rules, the access log."""

from __future__ import annotations

from typing import Any

from cwsw.models import AccessLog
from pupils.derived import derived_rebuild
from pupils.models import Pupil


def lock_pupil(pupil_id: int) -> None:
    """Take the pupil's row lock: every write about a child takes it first, then its record's, so two
    writes about one child run one after the other and always lock in the same order (no deadlock)."""
    Pupil.objects.filter(pk=pupil_id).lock()


def locked(model: Any, pk: int, *related: str) -> Any:
    """Re-read a record under its row lock (after the pupil's), so a change works on its current state."""
    rows = model.objects.select_for_update(of=("self",)).filter(pk=pk)
    if related:
        rows = rows.select_related(*related)
    return rows.get()


def set_values(record: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(record, name, value)


def save_and_log(record: Any, *, pupil_id: int, by: Any, code: str, data: dict | None = None) -> None:
    """Apply the record's own rules, save it, and say the pupil's records changed (`changed`)."""
    record.full_clean()
    record.save()
    changed(by, pupil_id, code, about=record, data=data)


def changed(by: Any, pupil_id: int, code: str, *, about: Any = None, data: dict | None = None) -> None:
    """The pupil's records changed: work out again what derives from them (their PEP slots, what is due...:
    pupils.derived) in this transaction, and log the change."""
    derived_rebuild([pupil_id])
    log(by, pupil_id, code, about=about, data=data)


def log(by: Any, pupil_id: int, code: str, *, about: Any = None, data: dict | None = None) -> None:
    AccessLog.record(user=by, code=code, pupils=[pupil_id], about=about, data=data)


def log_export(by: Any, code: str, pupil_ids: list[int], *, data: dict | None = None) -> None:
    """One row per pupil in an export (one naming no pupil when the export is empty)."""
    AccessLog.record(user=by, code=code, pupils=pupil_ids or [None], data=data)
