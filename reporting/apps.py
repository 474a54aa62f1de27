from typing import Any

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from pupils.signals import pupil_flagged

        pupil_flagged.connect(_queue_flag_notice, dispatch_uid="reporting.flag_notice")


def _queue_flag_notice(sender: Any, episode: Any, **kwargs: Any) -> None:
    """Tell the designated teachers about a new flag once the flag is saved."""
    import logging

    from django.db import transaction

    from .tasks import notify_new_flag

    def enqueue() -> None:
        try:
            notify_new_flag.delay(episode.pk)
        except Exception:  # the broker is down; the daily digest still counts the flag
            logging.getLogger(__name__).exception("Could not queue the new-flag notice for episode %s", episode.pk)

    transaction.on_commit(enqueue)
