"""The address a request came from, worked out one way for lockout, the contributor links and the access log.

Behind `PROXY_COUNT` reverse proxies, each proxy appends the address it was sent from to
X-Forwarded-For, so the last `PROXY_COUNT` entries are written by proxies the school runs and
the client's own address is the `PROXY_COUNT`-th from the right. Anything further left came
from the client and proves nothing. With no proxy (the default) the header is ignored: a client
cannot choose its address by sending one.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind proxies the entry the nearest proxies vouch for.

    A request that reached the app without passing through every proxy (too few entries) is
    taken at its REMOTE_ADDR, which is then the nearest machine that can be held to account.
    Read once a request and kept on it (axes asks several times a login).
    """
    cached = getattr(request, "_client_address", False)
    if cached is not False:
        return cached
    address = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.PROXY_COUNT
    if count:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            address = _address(hops[-count])
    request._client_address = address
    return address
