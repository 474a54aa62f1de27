"""Middleware of our own: two-factor login, sessions that expire when idle, and no caching of
anything a signed-in user sees."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from . import twofactor

TWO_FACTOR_VIEWS = {"verify": "two_factor_verify", "enrol": "two_factor_enrol"}


def two_factor_exempt(view: Callable) -> Callable:
    """Mark a view a user may reach before giving a code (the code pages, logging out)."""
    view.two_factor_exempt = True
    return view


class TwoFactorMiddleware:
    """Send a signed-in user who owes a code to the code page, or to enrol if they must.

    Runs after LoginRequiredMiddleware. Uses only the session and the user's roles (which
    every page loads anyway), so it adds no query to a page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated or getattr(view, "two_factor_exempt", False):
            return None
        step = twofactor.needs_code(request)
        if step is None:
            return None
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(f"{reverse(TWO_FACTOR_VIEWS[step])}{'?' + query if query else ''}")


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of any page or file a signed-in user is sent.

    Pupils' data is on almost every such page, CSV export and PDF; static files are served
    before this runs (WhiteNoise) and keep their long caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


REFRESHED_KEY = "_refreshed"


class IdleSessionMiddleware:
    """Move a signed-in session's end on while it is used, writing it at most once a minute.

    A session ends SESSION_COOKIE_AGE after it was last saved. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) would make every page, reads included, a database write;
    saving it when SESSION_REFRESH_SECONDS have passed keeps the idle limit (a session idle for
    SESSION_COOKIE_AGE always ends; at most a minute sooner) at one write a minute. Sits below
    SessionMiddleware and AuthenticationMiddleware, whose response step does the saving.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if getattr(request, "user", None) is None or not request.user.is_authenticated or not session.session_key:
            return response
        now = int(timezone.now().timestamp())
        if session.modified or now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
