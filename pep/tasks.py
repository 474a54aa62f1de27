"""Celery tasks of the casework: thin, take ids, safe to run twice; each calls a plain function."""

from celery import shared_task
from django.utils import timezone

from cwsw.failures import TASK_RETRY

from .pack_build import pack_build
from .slots import slots_ensure


@shared_task(bind=True, **TASK_RETRY)
def build_transfer_pack(self, pack_id: int) -> str:
    """Build a transfer pack's PDF; a pack already built is left as it is."""
    return pack_build(pack_id=pack_id, on_failure_final=self.request.retries >= TASK_RETRY["max_retries"])


@shared_task(**TASK_RETRY)
def refresh_pep_slots(_: object = None) -> None:
    """Make the stored PEP slots reach this academic year and follow the term dates in force (daily, and
    after the term dates or the initial PEP's school days change)."""
    slots_ensure(timezone.localdate())
