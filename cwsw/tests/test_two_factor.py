"""Two-factor login: enrolment, codes, backup codes, throttling and the administrator's reset."""

import re
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from cwsw.tests.auth import sign_in, totp_code, totp_device

pytestmark = pytest.mark.django_db


def password_login(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code_from_page(html: str, offset: int = 0) -> str:
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return f"{totp(b32decode(secret), drift=offset):06d}"


def test_it_makes_a_dt_without_an_app_enrol_before_anything_else(dt_user):
    client = password_login(dt_user)
    response = client.get(reverse("pupils:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_enrol"))


def test_it_shows_a_qr_code_at_enrolment_and_takes_a_code_from_the_secret(dt_user):
    client = password_login(dt_user)
    page = client.get(reverse("two_factor_enrol")).content.decode()
    assert "<svg" in page
    assert not TOTPDevice.objects.filter(user=dt_user).exists()  # showing the code writes no row

    wrong = client.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=dt_user).exists()  # a wrong first code saves nothing

    response = client.post(reverse("two_factor_enrol"), {"code": code_from_page(page)}, follow=True)
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", response.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=dt_user).confirmed is True
    assert client.get(reverse("pupils:list")).status_code == 200
    # The codes are shown once.
    assert client.get(reverse("two_factor_backup_codes")).status_code == 302


def test_it_shows_the_same_secret_until_enrolment_is_done(dt_user):
    client = password_login(dt_user)
    first = client.get(reverse("two_factor_enrol")).content.decode()
    second = client.get(reverse("two_factor_enrol")).content.decode()
    assert code_from_page(first) == code_from_page(second)
    assert TOTPDevice.objects.filter(user=dt_user).count() == 0  # kept in the session until a code is given


def test_it_asks_an_enrolled_user_for_a_code_after_the_password(dsl):
    device = totp_device(dsl)
    client = password_login(dsl)
    response = client.get(reverse("pupils:list"))
    assert response.url.startswith(reverse("two_factor_verify"))

    wrong = client.post(reverse("two_factor_verify"), {"code": "123456", "next": "/pupils/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert client.get(reverse("pupils:list")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # the one-second wait after a wrong code has passed
    right = client.post(reverse("two_factor_verify"), {"code": totp_code(device), "next": "/pupils/"})
    assert right.status_code == 302
    assert right.url == "/pupils/"
    assert client.get(reverse("pupils:list")).status_code == 200


def test_it_refuses_a_code_used_twice(dsl):
    device = totp_device(dsl)
    code = totp_code(device)
    first = password_login(dsl)
    assert first.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    second = password_login(dsl)
    assert second.post(reverse("two_factor_verify"), {"code": code}).status_code == 200


def test_it_makes_even_the_right_code_wait_after_wrong_codes_in_a_row(head):
    device = totp_device(head)
    client = password_login(head)
    for _ in range(3):
        client.post(reverse("two_factor_verify"), {"code": "000000"})
    response = client.post(reverse("two_factor_verify"), {"code": totp_code(device)})
    assert response.status_code == 200
    # Three wrong codes: a four-second wait, counted down in the message.
    assert re.search(r"Too many wrong codes in a row\. Wait [1-4] seconds?, then try again", response.content.decode())


def test_it_accepts_a_backup_code_once(login, dt_user):
    totp_device(dt_user)
    codes = login(dt_user).post(reverse("two_factor_backup_codes"), follow=True).content.decode()
    code = re.findall(r"<li>([a-z0-9]{8})</li>", codes)[0]

    client = password_login(dt_user)
    assert client.post(reverse("two_factor_verify"), {"code": code.upper()}).status_code == 302
    assert client.get(reverse("pupils:list")).status_code == 200
    assert StaticToken.objects.filter(token=code).count() == 0
    again = password_login(dt_user)
    assert again.post(reverse("two_factor_verify"), {"code": code}).status_code == 200


def test_it_does_not_let_the_password_alone_replace_the_app(dt_user):
    totp_device(dt_user)
    client = password_login(dt_user)
    response = client.get(reverse("two_factor_enrol"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor_verify")


def test_it_lets_an_administrator_reset_two_factor_login(admin_client, dt_user, governor):
    totp_device(dt_user)
    signed_in_elsewhere = sign_in(Client(), dt_user)
    governor_session = password_login(governor)
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "two_factor_reset", "_selected_action": [dt_user.pk]},
        follow=True,
    )
    assert "Two-factor login reset for 1 user(s); 1 session(s) signed out." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=dt_user).exists()
    # The phone may be lost with a laptop still signed in: that session ends too.
    assert signed_in_elsewhere.get(reverse("dashboard")).url.startswith(reverse("login"))
    assert governor_session.get(reverse("dashboard")).status_code == 200
    client = password_login(dt_user)
    assert client.get(reverse("dashboard")).url.startswith(reverse("two_factor_enrol"))


def test_it_lets_a_governor_enrol_and_then_asks_for_codes(governor):
    client = password_login(governor)
    assert client.get(reverse("dashboard")).status_code == 200
    page = client.get(reverse("two_factor_enrol")).content.decode()
    client.post(reverse("two_factor_enrol"), {"code": code_from_page(page)})

    later = password_login(governor)
    assert later.get(reverse("dashboard")).url.startswith(reverse("two_factor_verify"))


def test_it_lets_a_governor_turn_it_off_but_not_a_dt(login, governor, dt_user):
    totp_device(governor)
    client = login(governor)
    client.post(reverse("two_factor_remove"))
    assert not TOTPDevice.objects.filter(user=governor).exists()
    assert password_login(governor).get(reverse("dashboard")).status_code == 200

    assert login(dt_user).post(reverse("two_factor_remove")).status_code == 403
    assert TOTPDevice.objects.filter(user=dt_user).exists()


def test_it_asks_for_the_code_on_the_admin_too(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 302
    assert sign_in(Client(), admin_user).get("/admin/").status_code == 200
