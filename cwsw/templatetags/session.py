"""{% session_warning %}: the warning shown before a session ends for want of a request (the GOV.UK
timeout-warning pattern), with a button that keeps the session; static/js/app.js times and shows it."""

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("_session_warning.html", takes_context=True)
def session_warning(context: dict[str, Any], contributor: bool = False) -> dict[str, Any]:
    idle = settings.SESSION_COOKIE_AGE
    return {
        "request": context.get("request"), "csrf_token": context.get("csrf_token"), "contributor": contributor,
        "idle_seconds": idle, "slack_seconds": settings.SESSION_REFRESH_SECONDS,
        "warn_seconds": min(settings.SESSION_WARNING_SECONDS, idle // 2), "minutes": idle // 60,
    }
