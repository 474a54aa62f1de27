"""Logging test clients in, past two-factor login where a role needs it."""

from django.contrib.auth.models import User
from django.test import Client

from cwsw import roles


def totp_device(user: User):
    """The user's confirmed authenticator-app device, made if need be."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def totp_code(device, offset: int = 0) -> str:
    """The code an authenticator app would show now for this device."""
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def sign_in(client: Client, user: User) -> Client:
    """Log the client in as if the user gave a code, where their role or their app asks for one."""
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cwsw.middleware import REFRESHED_KEY

    client.force_login(user)
    session = client.session
    if roles.requires_two_factor(user) or TOTPDevice.objects.filter(user=user).exists():
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    # As a real sign-in leaves it: saved just now, so the next minute's pages do not save it again.
    session[REFRESHED_KEY] = int(timezone.now().timestamp())
    session.save()
    return client
