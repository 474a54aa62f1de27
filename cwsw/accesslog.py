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
from typing import Any

from django.http import HttpRequest, HttpResponse

from . import audit
from .clientip import client_address

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
    """Write a "viewed" row for each pupil a response was built from and no row names yet.

    Every row a request writes (here or in a view or service) carries the request's id and the
    page it resolved to (cwsw/audit.py), so the access log can show a request's rows together.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        shown_token, logged_token = _shown.set(set()), _logged.set(set())
        request_token = audit.request_started(client_address(request))
        try:
            response = self.get_response(request)
            shown = _shown.get() - _logged.get()
            user = getattr(request, "user", None)
            if shown and user is not None and user.is_authenticated and response.status_code < 400:
                from .models import AccessLog

                AccessLog.record(user=user, code="pupil.viewed", pupils=sorted(shown))
            return response
        finally:
            _shown.reset(shown_token)
            _logged.reset(logged_token)
            audit.request_ended(request_token)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any) -> None:
        match = request.resolver_match
        audit.request_page(match.view_name if match else "")
