"""Behind a reverse proxy every client arrives from the proxy's address: lockout, the contributor links'
throttle and the access log must tell clients apart by the address the proxy vouches for."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from conftest import PASSWORD
from cwsw.clientip import client_address
from cwsw.models import AccessLog
from cwsw.tests.auth import sign_in
from pep import invitation_rules as rules
from pep.tests.factories import PepFactory, looked_after_pupil
from pep.tests.test_contributions import invite

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


@pytest.fixture
def pupil():
    return looked_after_pupil()


@pytest.fixture
def pep(pupil):
    return PepFactory(pupil=pupil, status="planned")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def via_proxy(client_sent: str = "", *, client: str) -> Client:
    """A browser at `client` whose request nginx forwards: nginx appends the address it was sent from to
    whatever X-Forwarded-For the browser sent."""
    forwarded = f"{client_sent}, {client}" if client_sent else client
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize(("count", "remote", "forwarded", "expected"), [
    (0, "192.0.2.1", "", "192.0.2.1"),
    (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),  # no proxy: a header the client sent proves nothing
    (1, PROXY, "203.0.113.5", "203.0.113.5"),
    (1, PROXY, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's own claim
    (2, PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
    (2, PROXY, "203.0.113.5", PROXY),  # came round the outer proxy: the nearest accountable address
    (1, PROXY, "not-an-address", None),
    (0, "", "", None),
])
def test_the_client_address_is_the_one_the_school_s_proxies_vouch_for(count, remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(PROXY_COUNT=count):
        assert client_address(request) == expected


@override_settings(PROXY_COUNT=1)
def test_behind_a_proxy_one_client_s_wrong_passwords_do_not_lock_the_head_out_elsewhere(head):
    attacker = via_proxy(client="198.51.100.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, "head", "guessing")
    assert login(attacker, "head", PASSWORD).status_code == 429
    # Another browser behind the same proxy, even one claiming the attacker's address, is its own client.
    assert login(via_proxy(client="203.0.113.5"), "head", PASSWORD).status_code == 302
    assert login(via_proxy("198.51.100.66", client="192.0.2.44"), "head", PASSWORD).status_code == 302


@override_settings(PROXY_COUNT=1)
def test_behind_a_proxy_the_attacker_cannot_dodge_the_lockout_by_forging_the_header(head):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(via_proxy(f"192.0.2.{n}", client="198.51.100.66"), "head", "guessing")
    assert login(via_proxy("192.0.2.200", client="198.51.100.66"), "head", PASSWORD).status_code == 429


@override_settings(PROXY_COUNT=1)
def test_behind_a_proxy_one_client_guessing_links_does_not_close_a_real_link_to_everyone(pep, dt_user):
    _, link = invite(pep, dt_user)
    guesser = via_proxy(client="198.51.100.66")
    for n in range(rules.MAX_UNKNOWN_LINKS):
        guesser.get(f"/contribute/guess{n}/")
    assert guesser.get(link).status_code == 404
    assert via_proxy(client="203.0.113.5").get(link).status_code == 200


@override_settings(PROXY_COUNT=1)
def test_the_access_log_keeps_the_client_s_address(dt_user, pupil):
    client = sign_in(via_proxy(client="203.0.113.5"), dt_user)
    assert client.get(reverse("pupils:detail", args=[pupil.pk])).status_code == 200
    row = AccessLog.objects.get(pupil=pupil, code="pupil.viewed")
    assert row.address == "203.0.113.5"


def test_a_contributor_link_still_opens_when_the_cache_is_down(pep, dt_user, monkeypatch):
    _, link = invite(pep, dt_user)

    def down(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for method in ("get", "add", "incr", "set"):
        monkeypatch.setattr(cache, method, down)
    assert Client().get(link).status_code == 200
    assert Client().get("/contribute/guess/").status_code == 404
