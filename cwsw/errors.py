"""The page for a request that failed: a clear "busy, try again" when SQLite's write lock was held by another
process for longer than a request waits (settings: timeout), Django's own 500 page otherwise."""

from __future__ import annotations

import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

BUSY_RETRY_SECONDS = 60


def is_busy(error: BaseException | None) -> bool:
    """SQLite's answer once its wait for another process's write lock ran out."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() says what failed."""
    if is_busy(sys.exc_info()[1]):
        # No context processors: they read the database, which is what is busy.
        body = loader.get_template("busy.html").render({"method": request.method})
        return HttpResponse(body, status=503, headers={"Retry-After": str(BUSY_RETRY_SECONDS)})
    return defaults.server_error(request)
