"""`manage.py benchmark` runs on a small school, signed in past two-factor login, and leaves no app behind."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from reporting.management.commands.benchmark import PAGES

pytestmark = pytest.mark.django_db


def test_it_times_every_page_signed_in_past_the_code_and_removes_its_app(time_machine):
    time_machine.move_to("2026-02-10 12:00")
    call_command("seed_demo", pupils=150, stdout=io.StringIO())
    out = io.StringIO()
    call_command("benchmark", runs=1, stdout=out)
    text = out.getvalue()
    for _user, label, *_ in PAGES:  # each page's line ends with its ratio to the floor, budget and queries
        assert re.search(rf"^  {re.escape(label)} +[\d.]+ +[\d.]+ +[\d.]+x +[\d.]+x +\d+", text, re.M), label
    assert re.search(r"Reminder sweep: [\d.]+ s for 30 casework users", text)
    assert re.search(r"Report to Governors: build [\d.]+ s, WeasyPrint alone [\d.]+ s, [\d.]+x", text)
    assert not TOTPDevice.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="benchmark-").exists()
