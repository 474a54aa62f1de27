"""A pupil's field-level history: who changed what, from what, to what, and when.

django-simple-history keeps a row per save of each record. Here those rows are read for
one pupil, section by section (each section only for the roles that may see its record),
and consecutive versions of a record are compared field by field. One query per section
and one for the people named, whatever the length of the history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from cwsw import roles

# Kept by the system, or said elsewhere on the page: not shown as changes.
NOT_SHOWN = {"id", "created_at", "updated_at", "dt_seen_at", "pupil", "pep", "allocation", "carried_from"}
KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class Section:
    """One kind of record about a pupil, as the history page and retention see it."""

    title: str
    model: str
    may_see: Callable[[Any], bool]
    # Which rows belong to the pupil: given the pupil's id and the record ids found so far
    # (by model), the filter for this section's rows (historical or current).
    belongs: Callable[[int, dict[str, set[int]]], dict[str, Any]]
    # How the retention review counts these records ("" for not counted).
    counted_as: str = ""
    # Labels of the values stored in list fields (e.g. a PEP's attendees), by field name.
    list_labels: dict[str, dict[str, str]] = field(default_factory=dict)


# Filled in order: the register's own sections below, then each app that keeps records
# about a pupil from its AppConfig.ready() (so this app names none of them).
SECTIONS: list[Section] = []


def section_register(section: Section) -> None:
    """Add a kind of record to every pupil's history (once, however often ready() runs)."""
    if all(s.model != section.model for s in SECTIONS):
        SECTIONS.append(section)


for _section in (
    Section("Pupil details", "pupils.Pupil", roles.can_see_social_care, lambda pk, _: {"id": pk}),
    Section("Care episode", "pupils.CareEpisode", roles.can_see_social_care, lambda pk, _: {"pupil_id": pk},
            counted_as="Care episodes"),
    Section("Safeguarding note", "pupils.SafeguardingNote", roles.can_see_safeguarding_notes,
            lambda pk, _: {"pupil_id": pk}, counted_as="Safeguarding notes"),
    Section("Attendance", "pupils.AttendanceRecord", roles.can_edit_pupils, lambda pk, _: {"pupil_id": pk},
            counted_as="Attendance records"),
    Section("Attainment", "pupils.AttainmentRecord", roles.can_edit_pupils, lambda pk, _: {"pupil_id": pk},
            counted_as="Attainment records"),
    Section("GCSE grades", "pupils.SubjectGrade", roles.can_edit_pupils, lambda pk, _: {"pupil_id": pk},
            counted_as="GCSE grade records"),
    Section("Attendance contact", "pupils.AttendanceContact", roles.can_see_social_care,
            lambda pk, _: {"pupil_id": pk}, counted_as="Attendance contacts"),
    Section("SDQ score", "pupils.SdqScore", roles.can_see_social_care, lambda pk, _: {"pupil_id": pk},
            counted_as="SDQ scores"),
    Section("Joining or leaving step", "pupils.TransitionItem", roles.can_see_social_care,
            lambda pk, _: {"pupil_id": pk}, counted_as="Joining and leaving steps"),
):
    section_register(_section)


@dataclass
class FieldChange:
    label: str
    old: str | None  # None: not known (the record had no history before this change)
    new: str


@dataclass
class Change:
    at: dt.datetime
    by: str
    section: str
    record: str
    kind: str
    fields: list[FieldChange] = field(default_factory=list)
    # Why it was changed, where the change said (a correction or withdrawal of PP+).
    reason: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def record_counts(pupil_pk: int) -> list[tuple[str, int]]:
    """How many records of each counted kind the pupil has now (for the retention review)."""
    found: dict[str, set[int]] = defaultdict(set)
    counts = []
    for section in SECTIONS:
        ids = set(apps.get_model(section.model)._default_manager.filter(
            **section.belongs(pupil_pk, found)).values_list("id", flat=True))
        found[section.model] = ids
        if section.counted_as:
            counts.append((section.counted_as, len(ids)))
    return counts


def history_erase(pupil_pk: int) -> int:
    """Delete every historical row of a pupil's records (for retention); return how many."""
    found: dict[str, set[int]] = defaultdict(set)
    erased = 0
    for section in SECTIONS:
        rows = apps.get_model(section.model).history.filter(**section.belongs(pupil_pk, found))
        found[section.model].update(rows.values_list("id", flat=True))
        erased += rows.delete()[0]
    return erased


def sections_for(user: Any) -> list[Section]:
    return [s for s in SECTIONS if s.may_see(user)]


def pupil_history(pupil: Any, user: Any) -> list[Change]:
    """Every change to the records of this pupil the user may see, newest first."""
    found: dict[str, set[int]] = defaultdict(set)
    rows_by_section: list[tuple[Section, list[Any]]] = []
    for section in sections_for(user):
        model = apps.get_model(section.model)
        # A section whose parent the user may not see (or that has none yet) has nothing.
        belongs = section.belongs(pupil.pk, found)
        rows = list(
            model.history.filter(**belongs).select_related("history_user").order_by("history_date", "history_id")
        )
        found[section.model].update(row.id for row in rows)
        rows_by_section.append((section, rows))

    names = _Names(rows_by_section)
    changes: list[Change] = []
    for section, rows in rows_by_section:
        fields = _shown_fields(apps.get_model(section.model))
        value = partial(names.value, list_labels=section.list_labels)
        previous: dict[int, Any] = {}
        for row in rows:
            before = previous.get(row.id)
            previous[row.id] = row
            change = Change(
                at=row.history_date, by=_person(row.history_user), section=section.title,
                record=section.title if section.model == "pupils.Pupil" else names.record(section.model, row.id),
                kind=row.history_type, reason=row.history_change_reason or "",
            )
            if row.history_type == "+":
                change.fields = [
                    FieldChange(capfirst(f.verbose_name), "", value(f, _raw(row, f)))
                    for f in fields if _raw(row, f) not in (None, "", [], False)
                ]
            elif row.history_type == "~" and before is None:
                # A record saved without history first (a bulk import): the earlier values are unknown.
                change.fields = [
                    FieldChange(capfirst(f.verbose_name), None, value(f, _raw(row, f)))
                    for f in fields if _raw(row, f) not in (None, "", [])
                ]
            elif row.history_type == "~":
                change.fields = [
                    FieldChange(capfirst(f.verbose_name), value(f, _raw(before, f)), value(f, _raw(row, f)))
                    for f in fields if _raw(before, f) != _raw(row, f)
                ]
                if not change.fields:
                    continue
            changes.append(change)
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _shown_fields(model: type[models.Model]) -> list[models.Field]:
    """The record's fields its history keeps (a derived field, such as an attendance record's concern, it
    does not), less those never shown."""
    kept = {f.name for f in model.history.model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.name not in NOT_SHOWN and f.name in kept]


def _raw(row: Any, f: models.Field) -> Any:
    return getattr(row, f.attname)


def _person(user: Any) -> str:
    if user is None:
        return "The system"
    return user.get_full_name() or user.username


class _Names:
    """Labels for the records and people a history names, looked up once."""

    def __init__(self, rows_by_section: Iterable[tuple[Section, list[Any]]]) -> None:
        self.records: dict[str, dict[int, str]] = {}
        user_ids: set[int] = set()
        for section, rows in rows_by_section:
            model = apps.get_model(section.model)
            # The latest version of each record names it, even once it is deleted.
            self.records[section.model] = {row.id: str(row.instance) for row in rows}
            user_fields = [f for f in model._meta.concrete_fields if _is_user_key(f)]
            user_ids.update(_raw(row, f) for row in rows for f in user_fields)
        user_ids.discard(None)
        self.users = {u.pk: _person(u) for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}

    def record(self, model: str, pk: int | None) -> str:
        return self.records.get(model, {}).get(pk, f"Record {pk}")

    def value(self, f: models.Field, value: Any, list_labels: dict[str, dict[str, str]]) -> str:
        if value in (None, ""):
            return ""
        if _is_user_key(f):
            return self.users.get(value, f"User {value}")
        if f.is_relation:
            return self.record(f.related_model._meta.label, value)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(f, models.BooleanField):
            return "Yes" if value else "No"
        if isinstance(f, models.DateTimeField):
            return date_format(timezone.localtime(value), "j M Y H:i")
        if isinstance(f, models.DateField):
            return date_format(value, "j M Y")
        if isinstance(value, list) and all(isinstance(v, list) for v in value):
            # Pairs, e.g. a contribution's [question, answer]: those with an answer.
            return "; ".join(": ".join(str(x) for x in v) for v in value if v and v[-1] not in ("", None))
        if isinstance(value, list):
            labels = list_labels.get(f.name, {})
            return ", ".join(str(labels.get(v, v)) for v in value)
        if isinstance(value, Decimal):
            return f"{value:,}"
        return str(value)


def _is_user_key(f: models.Field) -> bool:
    return f.is_relation and f.related_model is not None and f.related_model._meta.label == settings.AUTH_USER_MODEL

