"""Named personas for every test: a user per role, and one with no role."""

import threading
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread

from cwsw import dbguard as cwsw_dbguard
from cwsw import roles
from cwsw.tests.auth import sign_in, totp_code, totp_device

PASSWORD = "a-long-test-password-42"

# Transactional tests empty every table afterwards: let the access-log triggers allow it here
# (test_access_log_triggers.py turns the guard back on to check it).
cwsw_dbguard.TEST_FLUSH_ALLOWED = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counters kept in the cache (e.g. unknown invitation links per address) start at nothing."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings, tmp_path):
    """Tasks run in the test's own process; the Celery test starts a real worker instead."""
    from cwsw.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    app.conf.task_always_eager = False


def make_user(username: str, *role_names: str) -> User:
    roles.ensure_groups()
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.capitalize(), last_name="Persona",
        email=f"{username}@school.invalid",
    )
    user.groups.set(Group.objects.filter(name__in=role_names))
    return user


@pytest.fixture
def head(db):
    return make_user("head", roles.HEADTEACHER)


@pytest.fixture
def dt_user(db):
    return make_user("dt", roles.DESIGNATED_TEACHER)


@pytest.fixture
def dsl(db):
    return make_user("dsl", roles.DSL)


@pytest.fixture
def governor(db):
    return make_user("governor", roles.GOVERNOR)


@pytest.fixture
def staff(db):
    return make_user("staff", roles.STAFF)


@pytest.fixture
def norole(db):
    return make_user("norole")


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's admin client, past two-factor login (the admin needs it too)."""
    return sign_in(Client(), admin_user)


@pytest.fixture
def login():
    """Return a client logged in as the given user (past two-factor login, where needed)."""

    def _login(user: User) -> Client:
        return sign_in(Client(), user)

    return _login


class OneRequestAtATime(ThreadedWSGIServer):
    """The browser tests' live server runs one request's view at a time (each still in its own thread, so
    per-thread state such as Celery's result backend starts fresh). Unlocked, two requests at once (an htmx
    redraw and the next page) shared the test's one in-memory SQLite connection and could wait on each other
    for ever: a clean-clone run hung twice that way."""

    def set_app(self, application: Any) -> None:
        lock = threading.Lock()

        def one_at_a_time(environ: Any, start_response: Any) -> Any:
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (its own browser download is not used)."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # The pages must work under the content security policy: anything it blocks is a failure.
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: blocked.append(str(error)))
    yield page
    context.close()
    assert not blocked, f"The browser reported: {blocked}"


def browser_login(page, username: str) -> None:
    """Log in through the form; a role that needs two-factor login gives its app's code."""
    user = User.objects.get(username=username)
    device = totp_device(user) if roles.requires_two_factor(user) else None
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url("**/login/code/**")
        page.fill("input[name=code]", totp_code(device))
        page.click("main button[type=submit]")
    page.wait_for_url("**/")


def browser_logout(page) -> None:
    """Log out from the account menu in the header."""
    page.get_by_test_id("account-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's row locks; leave them out on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    selected = [item for item in items if item.get_closest_marker("postgres") is None]
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis server on loopback for this test run (Debian's redis-server)."""
    import subprocess
    import time

    import redis

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


@contextmanager
def celery_broker(url: str):
    """Point the Celery app at this broker, with tasks queued rather than run in-process."""
    from cwsw.celery import app

    def reset_connections() -> None:
        import kombu.pools

        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()  # kombu keeps producer pools per broker URL, process-wide
        # The result backend is made from the configuration on first use, per thread.
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    reset_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        reset_connections()


@pytest.fixture
def celery_on_redis(redis_url):
    """Celery on the test run's real Redis."""
    with celery_broker(redis_url) as app:
        yield app


@pytest.fixture
def redis_down():
    """Celery pointed at a Redis address where nothing listens: the queue is down."""
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0") as app:
        yield app
