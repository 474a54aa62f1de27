"""What is due: the one selector behind the dashboard, the daily digest and each kind's list.

Every kind of item and the rows themselves are the register's (`pupils.due`, one stored table filled from
each app's records); this reads them for one user: each kind their roles act on, how many are due today,
and (for the dashboard) the most urgent few with their pupils' names. The e-mail gets the counts only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from pupils import due

FIRST_SHOWN = due.FIRST_SHOWN


@dataclass(frozen=True)
class Due:
    key: str
    label: str
    count: int
    url: str  # the kind's own list page
    rows: list = field(default_factory=list)  # the most urgent few, when asked for


def due_items(user: Any, *, today: dt.date, with_rows: bool = False) -> list[Due]:
    """Every kind of item this user's roles act on, with how many are due today (maybe 0): one query for the
    counts and, with rows, one for each kind that has any (at most a dozen, however large the school)."""
    counts = due.due_counts(user, today)
    first = due.due_first(user, today, counts=counts) if with_rows else {}
    for rows in first.values():
        for row in rows:
            row.where = due.kind(row.kind).where(row)
            row.late = row.due < today
    return [Due(k.key, k.label, counts[k.key], reverse("reporting:due_list", args=[k.key]), first.get(k.key, []))
            for k in due.kinds_for(user)]
