"""What is due: the kinds of thing a person must do about a pupil, one table of them, and its reads.

Each app registers the kinds its records give rise to (`kind_register`, in `AppConfig.ready()`): a key, the
words, who acts (a role test), where to act, and how a pupil's items follow from their records (`items`,
given many pupils at once, in a fixed number of queries). `due_rebuild` stores them (`models.DueItem`),
called through `pupils.derived` whenever a pupil's records change; the dates an item is shown between are
stored with it, so what is due on a day is a comparison of dates. The dashboard, the digest, each kind's
own list page, the grid's and the report's counts all read these rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Count, Q, QuerySet

from cwsw import roles
from cwsw.models import Term
from cwsw.terms import SchoolCalendar

from .access import of_visible_pupils
from .models import DueItem, Pupil

# The dashboard shows each kind's count and this many of its most urgent items (the rest on its list page).
FIRST_SHOWN = 3


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # what it is, in plain words ("PEPs overdue or due in the next 14 days")
    acts: Callable[[Any], bool]  # whether a user's roles act on it
    where: Callable[[DueItem], str]  # the address of the page where it is done
    items: Callable[[list[int], SchoolCalendar], Iterable[DueItem]]  # these pupils' items, from their records
    on_roll_only: bool = False  # listed only while the pupil is on roll
    order: int = 100  # where it stands on the dashboard
    noun: str = "item"  # one of them, for the list's count ("PEP", "suspension"...)


_kinds: dict[str, Kind] = {}


def kind_register(kind: Kind) -> None:
    _kinds[kind.key] = kind


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.key))


def kind(key: str) -> Kind | None:
    return _kinds.get(key)


def kinds_for(user: Any) -> list[Kind]:
    return [k for k in kinds() if k.acts(user)]


def item(pupil_id: int, *, due: dt.date, shown_from: dt.date, shown_until: dt.date | None = None,
         ref: int | None = None, note: str = "") -> DueItem:
    """One item (the kind is set by `due_rebuild`)."""
    return DueItem(pupil_id=pupil_id, due=due, shown_from=shown_from, shown_until=shown_until, ref=ref,
                   note=note[:200])


def _on_roll(row: DueItem, admitted: dt.date, left: dt.date | None) -> DueItem | None:
    """The item cut to the days its pupil is on roll (None if none are left)."""
    row.shown_from = max(row.shown_from, admitted)
    if left is not None:
        last = left - dt.timedelta(days=1)
        row.shown_until = last if row.shown_until is None else min(row.shown_until, last)
    return row if row.shown_until is None or row.shown_until >= row.shown_from else None


def due_rebuild(pupil_ids: list[int], *, calendar: SchoolCalendar | None = None) -> int:
    """Replace these pupils' stored items with those their records give now; return how many."""
    calendar = calendar or Term.calendar()
    DueItem.objects.filter(pupil_id__in=pupil_ids).delete()
    on_roll = dict((pk, (admitted, left)) for pk, admitted, left in Pupil.objects.filter(
        pk__in=pupil_ids).values_list("pk", "admission_date", "leaving_date"))
    rows = []
    for k in kinds():
        for row in k.items(pupil_ids, calendar):
            row.kind = k.key
            if k.on_roll_only:
                row = _on_roll(row, *on_roll[row.pupil_id])
            if row is not None:
                rows.append(row)
    DueItem.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- Reads: the same rows for the dashboard, the digest, the lists and every count --------------------------


def due_on(user: Any, today: dt.date, kinds_shown: list[Kind] | None = None) -> QuerySet:
    """The items this user's roles act on, due (listed) today, of the pupils they may see."""
    keys = [k.key for k in (kinds_shown if kinds_shown is not None else kinds_for(user))]
    return of_visible_pupils(user, DueItem.objects.on(today).of_kinds(keys))


def due_counts(user: Any, today: dt.date) -> dict[str, int]:
    """How many items of each kind the user acts on are due today (every kind, 0 where none): one query."""
    counts = dict.fromkeys((k.key for k in kinds_for(user)), 0)
    counts.update(due_on(user, today).order_by().values_list("kind").annotate(n=Count("*")))
    return counts


def due_first(user: Any, today: dt.date, per_kind: int = FIRST_SHOWN,
              counts: dict[str, int] | None = None) -> dict[str, list[DueItem]]:
    """The `per_kind` most urgent items of each kind (earliest due first), each with its pupil's name loaded
    and nothing else of the pupil's; kinds `counts` says have none are not asked about.

    One statement: for each kind, its first items read in due order from the (kind, due) index, stopping at
    the `per_kind`th, so it costs the same however many there are; the kinds' parts joined by UNION ALL.
    Written as SQL because the ORM cannot put a sliced query inside a union on SQLite, and a query a kind
    through the ORM cost a millisecond each, most of a dashboard's time.
    """
    first: dict[str, list[DueItem]] = {k.key: [] for k in kinds_for(user)}
    asked = [key for key in first if counts is None or counts.get(key)]
    if not asked:
        return first
    connection = connections[router.db_for_read(DueItem)]
    quote = connection.ops.quote_name
    visible, visible_params = "", ()
    if not roles.can_see_whole_register(user):  # the one rule of who sees whom, as SQL
        sql, visible_params = Pupil.objects.visible_to(user).values("pk").query.sql_with_params()
        visible = f" AND d.pupil_id IN ({sql})"
    day = connection.ops.adapt_datefield_value(today)
    # Table names quoted from the models; every value (kind, day, limit) is a parameter.
    parts = [
        "SELECT * FROM (SELECT d.id, d.pupil_id, d.kind, d.due, d.ref, d.note, "  # noqa: S608
        "p.first_name AS pupil_first_name, "
        f"p.last_name AS pupil_last_name FROM {quote(DueItem._meta.db_table)} d "
        f"JOIN {quote(Pupil._meta.db_table)} p ON p.id = d.pupil_id "
        f"WHERE d.kind = %s AND d.shown_from <= %s AND (d.shown_until IS NULL OR d.shown_until >= %s){visible} "
        f"ORDER BY d.due, d.id LIMIT %s) AS first_{n}"
        for n in range(len(asked))
    ]
    sql = " UNION ALL ".join(parts)
    params = [value for key in asked for value in (key, day, day, *visible_params, per_kind)]
    for row in DueItem.objects.raw(sql, params):
        row.pupil = Pupil.from_db(connection.alias, ["id", "first_name", "last_name"],
                                  [row.pupil_id, row.pupil_first_name, row.pupil_last_name])
        first[row.kind].append(row)
    for rows in first.values():
        rows.sort(key=lambda row: (row.due, row.pk))  # each part's order; a union keeps none
    return first


def late(items: QuerySet, today: dt.date) -> QuerySet:
    return items.filter(Q(due__lt=today))
