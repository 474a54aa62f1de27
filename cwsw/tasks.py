"""Celery tasks of the school-wide app: thin, safe to run twice."""

from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from .builds import builds_mark_stalled
from .failures import TASK_RETRY


@shared_task(**TASK_RETRY)
def mark_stalled_builds() -> int:
    """Mark failed every background build that has not moved for 10 minutes, so it can be asked for again."""
    return builds_mark_stalled()


@shared_task(**TASK_RETRY)
def send_password_reset(email: str) -> int:
    """E-mail a set-a-new-password link to each active account with this address (none: nothing is sent).

    Queued by the forgotten-password page whatever the address, so the page answers in the same time
    whether or not an account has it; returns how many were sent.
    """
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return 0
    site = urlsplit(settings.SITE_URL)
    accounts = list(form.get_users(email))
    form.save(domain_override=site.netloc, use_https=site.scheme == "https",
              subject_template_name="registration/password_reset_subject.txt",
              email_template_name="registration/password_reset_email.html")
    return len(accounts)
