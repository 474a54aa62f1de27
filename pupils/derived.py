"""What the rules derive from a pupil's records, kept one way.

Each derived fact (the category spells, the attendance concerns, the joining and leaving checklists, an
app's own: pep's PEP slots; last, the "what is due" items built on them all) has one function that works it
out for some pupils from their records. Each app registers its own in `AppConfig.ready()`, with an order
(what it is built from comes first). Every service that changes a pupil's records calls `derived_rebuild`
in the same transaction as the write; a change of term dates or of the school's settings queues
`derived_rebuild_all` on commit (tasks.py). Reads only read. The rules in Python stay the oracle the tests
hold the stored facts to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from cwsw.models import Term
from cwsw.terms import SchoolCalendar

CHUNK = 500


@dataclass(frozen=True)
class Rebuild:
    name: str
    order: int  # a fact built from another comes after it
    # From these pupils' records (and the school calendar, read once for all), replacing what is stored for them.
    rebuild: Callable[[list[int], SchoolCalendar], object]


_rebuilds: dict[str, Rebuild] = {}


def rebuild_register(rebuild: Rebuild) -> None:
    _rebuilds[rebuild.name] = rebuild


def registered() -> list[Rebuild]:
    return sorted(_rebuilds.values(), key=lambda r: (r.order, r.name))


@transaction.atomic
def derived_rebuild(pupil_ids: Iterable[int | None]) -> None:
    """Work out again everything derived from these pupils' records, in the caller's transaction."""
    ids = sorted({pk for pk in pupil_ids if pk is not None})
    if not ids:
        return
    calendar = Term.calendar()
    for rebuild in registered():
        rebuild.rebuild(ids, calendar)


def derived_rebuild_all() -> int:
    """Every pupil's derived facts, a chunk at a time (after new term dates or settings; a backup restored)."""
    from .models import Pupil

    ids = list(Pupil.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        derived_rebuild(ids[start:start + CHUNK])
    return len(ids)
