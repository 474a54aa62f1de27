"""Production settings (DEBUG=off), checked in a separate process as a server would start."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "test-only-" + "k3y-" * 14,
    "ALLOWED_HOSTS": "cwsw.school.example",
}


def run(args, tmp_path, **extra):
    environment = {
        key: value for key, value in os.environ.items()
        # (The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process; a server would not.)
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}", **extra)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_it_passes_check_deploy(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    environment = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = run(["manage.py", "check"], tmp_path, **environment)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


PROBE = """
import json, re, django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
User.objects.create_user("governor", password="a-long-probe-password-42")
client = Client(HTTP_HOST="cwsw.school.example")
plain = client.get("/login/")
page = client.get("/login/", secure=True)
cookie = page.cookies["csrftoken"]
client.post("/login/", {"username": "governor", "password": "a-long-probe-password-42"}, secure=True)
session = client.cookies["sessionid"]
hashed = re.search(r'href="(/static/css/app\\.[0-9a-f]+\\.css)"', page.content.decode()).group(1)
asset = client.get(hashed, secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "status": page.status_code,
    "hsts": page.get("Strict-Transport-Security"),
    "csp": page.get("Content-Security-Policy"),
    "frame": page.get("X-Frame-Options"),
    "csrf_cookie_secure": bool(cookie["secure"]),
    "session_cookie": [bool(session["secure"]), bool(session["httponly"]), session["expires"]],
    "asset": [asset.status_code, asset.get("Cache-Control")],
    "inline_script": "<script>" in page.content.decode(),
}))
"""


def test_it_serves_pages_securely_and_static_files_by_whitenoise(tmp_path):
    static_root = tmp_path / "static"
    collected = run(["manage.py", "collectstatic", "--noinput", "-v0"], tmp_path,
                    **PRODUCTION, STATIC_ROOT=str(static_root))
    assert collected.returncode == 0, collected.stderr
    result = run(["-c", PROBE], tmp_path, **PRODUCTION, STATIC_ROOT=str(static_root),
                 DJANGO_SETTINGS_MODULE="cwsw.settings")
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    assert probe["plain"] == [301, "https://cwsw.school.example/login/"]
    assert probe["status"] == 200
    assert probe["hsts"].startswith("max-age=31536000")
    assert "script-src 'self'" in probe["csp"] and "frame-ancestors 'none'" in probe["csp"]
    assert probe["frame"] == "DENY"
    assert probe["csrf_cookie_secure"]
    # Secure, out of scripts' reach, and gone when the browser closes (no expiry date).
    assert probe["session_cookie"] == [True, True, ""]
    # WhiteNoise serves the hashed file names, cached for good.
    assert probe["asset"][0] == 200 and "max-age=315360000" in probe["asset"][1]
    assert not probe["inline_script"]



WAL_PROBE = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    print(cursor.execute("PRAGMA journal_mode").fetchone()[0], cursor.execute("PRAGMA synchronous").fetchone()[0])
"""


def test_the_embedded_database_logs_ahead_so_readers_never_wait_for_a_commit(tmp_path):
    """A SQLite file opened as the app opens it is in write-ahead-log mode, synchronous NORMAL (1)."""
    result = run(["-c", WAL_PROBE], tmp_path, DJANGO_SETTINGS_MODULE="cwsw.settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]
