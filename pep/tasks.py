"""Celery tasks of the casework: thin, take ids, safe to run twice; each calls a plain function."""

from celery import shared_task

from cwsw.failures import TASK_RETRY

from .pack_build import pack_build


@shared_task(bind=True, **TASK_RETRY)
def build_transfer_pack(self, pack_id: int) -> str:
    """Build a transfer pack's PDF; a pack already built is left as it is."""
    return pack_build(pack_id=pack_id, on_failure_final=self.request.retries >= TASK_RETRY["max_retries"])

