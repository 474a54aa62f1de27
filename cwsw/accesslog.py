"""One mechanism that cannot be forgotten: every pupil read while answering a request is logged.

The pupils app tells `pupil_shown` about each pupil it reads (each `Pupil` loaded from the
database, and each pupil's name read without one). At the end of the request,
`AccessLogMiddleware` writes one "viewed" row per pupil shown that the view did not already
log with a more exact action (listed, changed, exported...) through `AccessLog.record`.
Outside a request (background tasks, commands) nothing is collected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_shown: ContextVar[set[int] | None] = ContextVar("cwsw_pupils_shown", default=None)
_logged: ContextVar[set[int] | None] = ContextVar("cwsw_pupils_logged", default=None)


def collecting() -> bool:
    return _shown.get() is not None


def pupil_shown(pk: int | None) -> None:
    """Note that this request read a pupil's data."""
    shown = _shown.get()
    if shown is not None and pk is not None:
        shown.add(pk)


def pupils_logged(pks: Iterable[int | None]) -> None:
    """Note pupils the view logged itself, so they are not logged twice."""
    logged = _logged.get()
    if logged is not None:
        logged.update(pk for pk in pks if pk is not None)


class AccessLogMiddleware:
    """Write a "viewed" row for each pupil a response was built from and no row names yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        shown_token, logged_token = _shown.set(set()), _logged.set(set())
        try:
            response = self.get_response(request)
            shown = _shown.get() - _logged.get()
            user = getattr(request, "user", None)
            if shown and user is not None and user.is_authenticated and response.status_code < 400:
                from .models import AccessLog

                AccessLog.record(user=user, action=AccessLog.VIEW, pupils=sorted(shown),
                                 detail=f"Shown on {request.path}")
            return response
        finally:
            _shown.reset(shown_token)
            _logged.reset(logged_token)
