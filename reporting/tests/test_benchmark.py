"""`manage.py benchmark` runs on a small school, signed in past two-factor login, and leaves no app behind."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwsw.models import AccessLog
from reporting.management.commands.benchmark import PAGES, _keeping, _sql_alone

pytestmark = pytest.mark.django_db


def test_it_times_every_page_signed_in_past_the_code_and_removes_its_app(time_machine):
    time_machine.move_to("2026-02-10 12:00")
    call_command("seed_demo", pupils=150, stdout=io.StringIO())
    out = io.StringIO()
    call_command("benchmark", runs=1, stdout=out)
    text = out.getvalue()
    # Each page's line: its time, the floor's and the table floor's, its ratio to each, the budget, the queries
    # and their SQL run alone.
    for _user, label, *_ in PAGES:
        assert re.search(rf"^  {re.escape(label)} +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+x +[\d.]+x +[\d.]+x +\d+ +[\d.]+",
                         text, re.M), label
    assert re.search(r"The table floor \(25 rows, 9 columns of constant strings\) is [\d.]+x the floor", text)
    assert re.search(r"Reminder sweep: [\d.]+ s for 30 casework users", text)
    assert re.search(r"Report to Governors: build [\d.]+ s, WeasyPrint alone [\d.]+ s, [\d.]+x .*"
                     r"\d+ queries \(SQL alone [\d.]+ s\)", text)
    assert not TOTPDevice.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="benchmark-").exists()


def test_the_sql_alone_runs_a_pages_statements_again_and_writes_nothing(django_user_model):
    user = django_user_model.objects.create(username="reader")
    statements: list = []
    with connection.execute_wrapper(_keeping(statements)):
        AccessLog.record(user=user, code="pupil.viewed", pupils=[1, 2, 3])
        list(AccessLog.objects.filter(user=user))
    assert any(sql.lstrip().upper().startswith("INSERT") for sql, _, _ in statements)

    assert _sql_alone(statements) > 0
    assert AccessLog.objects.filter(user=user).count() == 3  # run again, rolled back: not logged twice
