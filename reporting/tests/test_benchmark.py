"""`manage.py benchmark` runs on a small school, signed in past two-factor login, and leaves no app behind."""

import io

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def test_it_times_every_page_signed_in_past_the_code_and_removes_its_app(time_machine):
    time_machine.move_to("2026-02-10 12:00")
    call_command("seed_demo", pupils=150, stdout=io.StringIO())
    out = io.StringIO()
    call_command("benchmark", runs=1, stdout=out)
    text = out.getvalue()
    assert "register, first page" in text and "suspensions" in text and "Report to Governors" in text
    assert not TOTPDevice.objects.exists()
