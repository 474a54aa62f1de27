"""Two-factor login with django-otp: one TOTP device per user, and backup codes.

A user is "verified" for a session once django_otp.login() has put a device's id in it.
The middleware keeps everyone who must (or chose to) use a code out of every page but
these until then. Enrolment and resets happen here, in one place.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Iterable
from math import ceil
from typing import Any

import segno
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import roles

BACKUP_CODE_COUNT = 10
# Kept in the session at login so the middleware need not query on every request.
ENROLLED_SESSION_KEY = "two_factor_enrolled"
BACKUP_CODES_SESSION_KEY = "two_factor_new_backup_codes"


def is_enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    return DEVICE_ID_SESSION_KEY in request.session


def needs_code(request: HttpRequest) -> str | None:
    """Say what a signed-in user must do before anything else: "verify", "enrol" or None."""
    if is_verified(request):
        return None
    if request.session.get(ENROLLED_SESSION_KEY):
        return "verify"
    if roles.requires_two_factor(request.user):
        return "enrol"
    return None


ENROL_KEY_SESSION_KEY = "two_factor_enrol_key"


def enrolment_device(request: HttpRequest) -> TOTPDevice:
    """The authenticator being set up. Its secret waits in the session until a code is given: showing the QR
    code writes no row. When a code is given (a POST), the device is saved, so wrong codes are throttled."""
    key = request.session.get(ENROL_KEY_SESSION_KEY)
    if not key:
        key = request.session[ENROL_KEY_SESSION_KEY] = random_hex(20)
    return TOTPDevice(user=request.user, name="Authenticator app", confirmed=False, key=key)


def enrolment_code_check(device: TOTPDevice, token: str) -> tuple[bool, str]:
    """Check the first code from the app being set up, writing nothing: the user has the secret on screen,
    so guessing gains nothing and there is nothing to throttle; a right code is then saved with the device."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if token.isdigit() and totp.verify(int(token), tolerance=device.tolerance):
        device.last_t = totp.t()
        return True, ""
    return False, "That code is not right. Check the time on your phone and use the newest code."


def secret_for_display(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image file, no inline style)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def token_check(device: TOTPDevice | StaticDevice, token: str) -> tuple[bool, str]:
    """Check a code against one device, honouring its throttling; say why it failed."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        # Each wrong code in a row doubles the wait (1 s, 2 s, 4 s, ...).
        locked_until = (data or {}).get("locked_until")
        seconds = max(1, ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
        return False, f"Too many wrong codes in a row. Wait {seconds} second{pluralize(seconds)}, then try again."
    if device.verify_token(token):
        return True, ""
    return False, "That code is not right. Check the time on your phone and use the newest code."


def backup_codes_new(user: Any) -> list[str]:
    """Replace the user's backup codes with a new set and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def enrolment_confirm(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Save the device as the user's only one, mark the session verified, return backup codes."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    request.session.pop(ENROL_KEY_SESSION_KEY, None)
    codes = backup_codes_new(device.user)
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    return codes


def verify(request: HttpRequest, code: str) -> tuple[bool, str]:
    """Verify a six-digit app code or an eight-character backup code for this session."""
    user = request.user
    code = "".join(code.split())
    if code.isdigit():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        code = code.lower()
    if device is None:
        return False, "That code is not right."
    ok, message = token_check(device, code)
    if ok:
        otp_login(request, device)
    return ok, message


@transaction.atomic
def two_factor_reset(user: Any) -> None:
    """Remove the user's app and backup codes: at their next login they enrol again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def sessions_end(users: Iterable[Any]) -> int:
    """Sign these users out everywhere (a lost phone may sit beside a signed-in laptop).

    Sessions are stored in the database; only unexpired ones are read, and a school has few.
    """
    user_ids = {str(user.pk) for user in users}
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        if session.get_decoded().get(SESSION_KEY) in user_ids
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Note at login whether the user has an app, so each request need not ask the database."""
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = is_enrolled(user)


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()
