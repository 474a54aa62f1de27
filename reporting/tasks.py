"""Celery tasks: thin, take ids, safe to run twice; each calls a plain function."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cwsw import roles
from cwsw.emails import send_templated
from cwsw.failures import TASK_RETRY as RETRY
from pupils.models import CareEpisode

from .build import report_build
from .models import FlagNotice
from .reminders import digest_send

logger = logging.getLogger(__name__)


@shared_task(**RETRY)
def send_reminder_digests() -> int:
    """Send today's digest to every active user with a role; at most one each a day."""
    today = timezone.localdate()
    users = (
        get_user_model().objects.filter(is_active=True, groups__name__in=roles.CASEWORK_ROLES)
        .exclude(email="").distinct().order_by("pk")
    )
    shared: dict = {}  # each item worked out once for all the users who see the same pupils
    sent = sum(digest_send(user=user, today=today, shared=shared) for user in users)
    logger.info("Reminder digests: %d sent for %s", sent, today)
    return sent


@shared_task(**RETRY)
def notify_new_flag(episode_id: int) -> bool:
    """Tell the designated teachers at once that the DSL flagged a pupil (no name in the e-mail)."""
    episode = CareEpisode.objects.filter(pk=episode_id).first()
    if episode is None:
        return False
    teachers = list(
        get_user_model().objects.filter(is_active=True, groups__name=roles.DESIGNATED_TEACHER)
        .exclude(email="").values_list("email", flat=True)
    )
    if not teachers:
        return False
    try:
        with transaction.atomic():
            FlagNotice.objects.create(episode=episode)
            send_templated(to=teachers, template="new_flag", context={"episode": episode})
    except IntegrityError:
        return False  # told already
    return True


@shared_task(bind=True, **RETRY)
def build_governor_report(self, report_id: int) -> str:
    """Build the report's PDF; a report already built is left as it is."""
    return report_build(report_id=report_id, on_failure_final=self.request.retries >= RETRY["max_retries"])
