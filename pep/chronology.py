"""Casework's entries in a pupil's chronology (pupils/chronology.py): PEPs, suspensions and
exclusions, alternative provision and part-time timetables, transfer packs. One query each."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from pupils.chronology import Entry
from pupils.models import Pupil

from .models import (
    COMPLETE,
    HELD,
    PERMANENT_EXCLUSION,
    PLANNED,
    ExclusionConsultation,
    PepMeeting,
    Provision,
    TransferPack,
)


def peps(pupil: Pupil, today: dt.date) -> list[Entry]:
    entries = []
    for pep in PepMeeting.objects.filter(pupil=pupil).order_by("meeting_date", "pk"):
        url = reverse("pep:pep_detail", args=[pep.pk])
        if pep.status == PLANNED:
            if pep.meeting_date >= today:
                entries.append(Entry(pep.meeting_date, "PEP", f"{pep} planned", url))
            continue
        what = "held and signed off" if pep.status == COMPLETE else "held" if pep.status == HELD else pep.status
        rated = f"; rated {pep.get_vs_rating_display().lower()}" if pep.vs_rating else ""
        entries.append(Entry(pep.meeting_date, "PEP", f"{pep} {what}{rated}", url))
    return entries


def exclusions(pupil: Pupil, today: dt.date) -> list[Entry]:
    entries = []
    for e in ExclusionConsultation.objects.filter(pupil=pupil):
        days = f", {e.days.normalize():f} school day{'s' if e.days != 1 else ''}" if e.days else ""
        entries.append(Entry(e.incident_date, "Suspension", f"{e}{days}", reverse("pep:exclusion_edit", args=[e.pk]),
                             alert=e.decision == PERMANENT_EXCLUSION))
    return entries


def provisions(pupil: Pupil, today: dt.date) -> list[Entry]:
    entries = []
    for p in Provision.objects.filter(pupil=pupil):
        url = reverse("pep:provision_edit", args=[p.pk])
        where = f" at {p.provider}" if p.provider else ""
        entries.append(Entry(p.start_date, "Provision", f"{p.get_kind_display()}{where} began: "
                                                        f"{p.hours_a_week:g} of {p.full_time_hours:g} hours a week",
                             url))
        if p.end_date and p.end_date <= today:
            entries.append(Entry(p.end_date, "Provision", f"{p.get_kind_display()}{where} ended", url))
    return entries


def _packs(pupil: Pupil, *, with_safeguarding: bool) -> list[Entry]:
    packs = TransferPack.objects.filter(pupil=pupil, status=TransferPack.READY, with_safeguarding=with_safeguarding)
    return [Entry(timezone.localtime(p.built_at).date(), "Transfer",
                  f"{p.description} built by {p.requested_by.get_full_name() or p.requested_by.username}",
                  reverse("pep:transfer_pack", args=[p.pk]))
            for p in packs.select_related("requested_by") if p.built_at]


def packs(pupil: Pupil, today: dt.date) -> list[Entry]:
    return _packs(pupil, with_safeguarding=False)


def packs_with_notes(pupil: Pupil, today: dt.date) -> list[Entry]:
    """Packs with safeguarding notes: the DSL's and the head's only, as the packs themselves are."""
    return _packs(pupil, with_safeguarding=True)
