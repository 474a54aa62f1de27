"""The daily digest: what is due (due.py), for each user's roles, as counts and links — never names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from cwsw import roles
from cwsw.emails import send_templated
from pupils.due import kinds_for

from .due import Due, due_items
from .models import DigestSent


def digest_for(user: Any, *, today: dt.date, shared: dict | None = None) -> list[Due]:
    """Return the kinds of item due for this user's roles today, with how many; empty if there is nothing.

    `shared` (a dict the caller keeps through a sweep over many users) answers once for all the users whose
    roles act on the same kinds and who see the whole register (every casework role does)."""
    if shared is None or not roles.can_see_whole_register(user):
        return [item for item in due_items(user, today=today) if item.count]
    key = tuple(k.key for k in kinds_for(user))
    if key not in shared:
        shared[key] = [item for item in due_items(user, today=today) if item.count]
    return shared[key]


def digest_send(*, user: Any, today: dt.date, shared: dict | None = None) -> bool:
    """E-mail the user's digest unless there is nothing due or one went today already.

    `shared` is passed to digest_for by a sweep over many users (see there).
    """
    if not user.email or DigestSent.objects.filter(user=user, day=today).exists():
        return False
    items = digest_for(user, today=today, shared=shared)
    if not items:
        return False
    try:
        with transaction.atomic():
            # The unique (user, day) row is written first: a retried or parallel run stops here.
            DigestSent.objects.create(user=user, day=today, items=len(items))
            send_templated(to=[user.email], template="digest", context={"user": user, "items": items,
                                                                         "today": today})
    except IntegrityError:
        return False
    return True
