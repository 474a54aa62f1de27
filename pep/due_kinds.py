"""The kinds of "what is due" the casework gives rise to (registered in `PepConfig.ready`).

Each works out, for many pupils at once, the items their casework calls for and the days each is listed
on, from stored records and facts only (the PEP slots, the category spells).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse

from cwsw import roles
from cwsw.terms import SchoolCalendar, financial_year_bounds, financial_year_label
from pupils import cohort
from pupils.due import Kind, item
from pupils.models import CategorySpell, DueItem

from .compliance import DUE_SOON_DAYS
from .models import (
    COMPLETE,
    EXCLUDING,
    HELD,
    PROVISION_REVIEW_SOON_DAYS,
    RED,
    Contribution,
    ExclusionConsultation,
    PepMeeting,
    PepSlot,
    PpPlusAllocation,
    Provision,
)

PP_PLUS_WARNING_DAYS = 60
HAS_SOCIAL_WORKER = cohort.HAS_SOCIAL_WORKER


def peps_due_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """Each PEP owed and not held: listed from 14 days before its due date until a PEP is held after it or the
    duty ends (the child leaves care or the school), whatever year it fell in."""
    for slot in PepSlot.objects.owed().filter(pupil_id__in=pupil_ids, held_on__isnull=True, held_after__isnull=True):
        what = "Initial PEP" if slot.is_initial else f"{slot.term_label} review"
        yield item(slot.pupil_id, due=slot.due, shown_from=slot.due - dt.timedelta(days=DUE_SOON_DAYS),
                   shown_until=slot.owed_until, ref=slot.pupil_id, note=what)


def peps_unsigned_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A PEP held and not signed off, or signed off and rated red, from any year, until it is dealt with."""
    for pep in PepMeeting.objects.filter(pupil_id__in=pupil_ids).filter(
            Q(status=HELD) | Q(status=COMPLETE, vs_rating=RED)):
        note = "Rated red by the Virtual School" if pep.vs_rating == RED else "Held, not signed off"
        yield item(pep.pupil_id, due=pep.meeting_date, shown_from=pep.meeting_date, ref=pep.pk,
                   note=f"{pep.term_label}: {note}")


def pp_unspent_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """An allocation not fully spent, in the last 60 days of its financial year."""
    for allocation in PpPlusAllocation.objects.live().with_spent().filter(pupil_id__in=pupil_ids):
        left = allocation.amount - allocation.spent
        if left > 0:
            end = financial_year_bounds(allocation.financial_year)[1]
            yield item(allocation.pupil_id, due=end, shown_from=end - dt.timedelta(days=PP_PLUS_WARNING_DAYS),
                       shown_until=end, ref=allocation.pk,
                       note=f"£{left:,.2f} unspent, {financial_year_label(allocation.financial_year)}")


def _spells(pupil_ids: list[int]) -> dict[int, list[CategorySpell]]:
    spells: dict[int, list[CategorySpell]] = defaultdict(list)
    for spell in CategorySpell.objects.filter(pupil_id__in=pupil_ids).order_by("start"):
        spells[spell.pupil_id].append(spell)
    return spells


def _category_on(spells: list[CategorySpell], day: dt.date) -> str | None:
    return next((s.category for s in spells if s.start <= day and (s.end is None or s.end >= day)), None)


def suspension_consult_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """An incident with no decision yet about a looked-after child: consult the Virtual School first. Listed
    while the child is looked after, from the incident."""
    spells = _spells(pupil_ids)
    for record in ExclusionConsultation.objects.filter(pupil_id__in=pupil_ids, decision="", consulted_on=None):
        for spell in spells[record.pupil_id]:
            if spell.category == cohort.CLA and (spell.end is None or spell.end >= record.incident_date):
                start = max(spell.start, record.incident_date)
                yield item(record.pupil_id, due=record.incident_date, shown_from=start, shown_until=spell.end,
                           ref=record.pk, note="Consult the Virtual School before deciding")


def suspension_notify_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A suspension or exclusion whose social worker (or, for a looked-after child, Virtual School Head) has not
    been told: from the decision until they are, whatever year it was."""
    spells = _spells(pupil_ids)
    for record in ExclusionConsultation.objects.filter(pupil_id__in=pupil_ids, decision__in=EXCLUDING,
                                                      decision_date__isnull=False):
        category = _category_on(spells[record.pupil_id], record.decision_date)
        untold = []
        if category in HAS_SOCIAL_WORKER and record.social_worker_notified_on is None:
            untold.append("the social worker")
        if category == cohort.CLA and record.vsh_notified_on is None:
            untold.append("the Virtual School Head")
        if untold:
            yield item(record.pupil_id, due=record.decision_date, shown_from=record.decision_date, ref=record.pk,
                       note=f"{record.get_decision_display()}: tell {' and '.join(untold)}")


def contribution_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """A part sent by someone outside the school, waiting for the DT to accept it or set it aside."""
    for contribution in (Contribution.objects.pending().filter(pep__pupil_id__in=pupil_ids)
                         .exclude(pep__status=COMPLETE).select_related("pep", "invitation")):
        sent = contribution.submitted_at.date()
        yield item(contribution.pep.pupil_id, due=sent, shown_from=sent, ref=contribution.pep_id,
                   note=f"{contribution.invitation.get_role_display()}'s part")


def provision_items(pupil_ids: list[int], calendar: SchoolCalendar) -> Iterable[DueItem]:
    """An arrangement's review, from 14 days before it is due until done (the next date set) or the arrangement
    ends."""
    for provision in Provision.objects.filter(pupil_id__in=pupil_ids):
        start = max(provision.start_date, provision.review_due - dt.timedelta(days=PROVISION_REVIEW_SOON_DAYS))
        if provision.end_date is None or provision.end_date >= start:
            yield item(provision.pupil_id, due=provision.review_due, shown_from=start, shown_until=provision.end_date,
                       ref=provision.pk, note=f"{provision.get_kind_display()} review")


KINDS = [
    Kind("peps_due", f"PEPs overdue, or due in the next {DUE_SOON_DAYS} days", roles.can_do_casework,
         lambda row: reverse("pep:pupil", args=[row.pupil_id]), peps_due_items, order=20, noun="PEP"),
    Kind("peps_unsigned", "PEPs held but not signed off, or rated red", roles.can_do_casework,
         lambda row: reverse("pep:pep_detail", args=[row.ref]), peps_unsigned_items, order=25, noun="PEP"),
    Kind("contributions", "Contributions from outside the school waiting to be accepted or set aside",
         roles.can_do_casework, lambda row: reverse("pep:pep_detail", args=[row.ref]), contribution_items,
         order=30, noun="contribution"),
    Kind("suspension_consult", "Incidents with a looked-after child: consult the Virtual School before deciding",
         roles.can_do_casework, lambda row: reverse("pep:exclusion_edit", args=[row.ref]),
         suspension_consult_items, order=40, noun="incident"),
    Kind("suspension_notify", "Suspensions and exclusions: the social worker or Virtual School Head not yet told",
         roles.can_record_exclusions, lambda row: reverse("pep:exclusion_edit", args=[row.ref]),
         suspension_notify_items, order=45, noun="suspension"),
    Kind("provision_reviews",
         f"Alternative provision and part-time timetable reviews overdue or due in the next "
         f"{PROVISION_REVIEW_SOON_DAYS} days", roles.can_record_provision,
         lambda row: reverse("pep:provision_edit", args=[row.ref]), provision_items, order=50, noun="review"),
    Kind("pp_unspent", f"PP+ allocations not fully spent, with the financial year ending within "
                       f"{PP_PLUS_WARNING_DAYS} days", roles.can_do_casework,
         lambda row: reverse("pep:pupil", args=[row.pupil_id]), pp_unspent_items, order=55, noun="allocation"),
]


def pep_sdq_dates(pupil_ids: list[int]) -> Iterable[tuple[int, dt.date]]:
    """SDQ totals recorded in PEPs held: they count as the year's SDQ."""
    return PepMeeting.objects.filter(pupil_id__in=pupil_ids, sdq_total__isnull=False,
                                     status__in=[HELD, COMPLETE]).values_list("pupil_id", "meeting_date")
