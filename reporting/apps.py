from typing import Any

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from celery.signals import task_failure

        from cwsw.audit import words_register
        from cwsw.failures import on_task_failure, task_register
        from pupils.signals import pupil_flagged

        from . import audit_words
        from .tasks import build_governor_report, notify_new_flag, send_reminder_digests

        words_register(audit_words)
        task_register(name=send_reminder_digests.name, label="Daily reminder e-mails")
        task_register(name=notify_new_flag.name, label="New-flag e-mail to the designated teachers", topic="flag")
        task_register(name=build_governor_report.name, label="Building the Report to Governors")
        pupil_flagged.connect(_queue_flag_notice, dispatch_uid="reporting.flag_notice")
        task_failure.connect(on_task_failure, dispatch_uid="reporting.task_failure", weak=False)


def _queue_flag_notice(sender: Any, episode: Any, **kwargs: Any) -> None:
    """Tell the designated teachers about a new flag once the flag is saved."""
    from cwsw.failures import queue_after_commit

    from .tasks import notify_new_flag

    # If the queue is down, the failure is recorded and the daily digest still counts the flag.
    queue_after_commit(notify_new_flag, episode.pk)
