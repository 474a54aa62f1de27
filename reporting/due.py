"""What is due: the one list behind both the dashboard and the daily reminder e-mail.

Each item says what kind of thing needs doing, how many, and where; the dashboard also
shows the first few (with names, on the page), the e-mail only the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from cwsw import roles
from cwsw.models import Term
from cwsw.terms import SchoolCalendar, academic_year_of, financial_year_bounds, financial_year_of
from pep import exclusion_flags, selectors
from pep.models import (
    COMPLETE,
    HELD,
    PROVISION_REVIEW_SOON_DAYS,
    RED,
    Contribution,
    PepMeeting,
    PpPlusAllocation,
    Provision,
)
from pupils import attendance, cohort, transitions
from pupils.access import of_visible_pupils
from pupils.models import CareEpisode, Pupil, SdqScore, TransitionItem

LIST_SIZE = 10
PP_PLUS_WARNING_DAYS = 60
LEAVING_WINDOW_DAYS = 30
EHCP_REVIEW_DAYS = 30


@dataclass(frozen=True)
class DueItem:
    key: str
    label: str
    count: int
    url: str
    # The first LIST_SIZE of them, for the dashboard; empty when not asked for.
    rows: list = field(default_factory=list)


@dataclass(frozen=True)
class _Kind:
    key: str
    label: str
    url: Callable[[], str]
    applies: Callable[[Any], bool]
    # (user, today, with_rows, calendar) -> (count, rows)
    find: Callable[[Any, dt.date, bool, SchoolCalendar], tuple[int, list]]
    # What else about the user the answer depends on, besides the pupils they see (for sharing it).
    depends_on: Callable[[Any], Any] = lambda user: None


def _count_and_first(items: QuerySet, with_rows: bool) -> tuple[int, list]:
    """How many, and the first LIST_SIZE in the queryset's order when asked for: one query either way,
    since each row shown carries the whole count (a window over every row the query holds)."""
    if not with_rows:
        return items.count(), []
    rows = list(items.annotate(due_count=Window(Count("*")))[:LIST_SIZE])
    return (rows[0].due_count if rows else 0), rows


def _peps_due(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # One line per child: the oldest overdue PEP from any academic year, else one due within 14 days
    # (a single meeting settles both). Names are read for the rows shown only: the access log records those.
    return selectors.peps_due(user=user, today=today, limit=LIST_SIZE if with_rows else 0)


def _peps_unsigned_or_red(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    peps = PepMeeting.objects.filter(academic_year=academic_year_of(today))
    count = of_visible_pupils(user, peps).filter(Q(status=HELD) | Q(vs_rating=RED, status=COMPLETE)).count()
    return count, []


def _pp_plus_unspent(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    fy = financial_year_of(today)
    if (financial_year_bounds(fy)[1] - today).days > PP_PLUS_WARNING_DAYS:
        return 0, []
    count = (
        of_visible_pupils(user, PpPlusAllocation.objects.live().filter(financial_year=fy))
        .with_spent().filter(amount__gt=F("spent")).count()
    )
    return count, []


def _suspensions_waiting(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # The Virtual School is consulted by those who do the casework; the DSL sends notifications.
    waiting = exclusion_flags.awaiting_action(
        selectors.exclusions_in_year(user=user, academic_year=academic_year_of(today)),
        today=today, consults=roles.can_do_casework(user))
    count, first = _count_and_first(waiting, with_rows)
    return count, selectors.exclusion_rows(first, today=today, calendar=calendar) if first else []


def _leaving_window(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    leaving = Pupil.objects.visible_to(user).on_roll(today).leaving_window(today, LEAVING_WINDOW_DAYS)
    return _count_and_first(leaving.order_by("last_name", "first_name", "pk"), with_rows)


def _new_flags(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # Found from the few unseen flags (an index holds only those), not by asking of every pupil on roll.
    flagged = (
        Pupil.objects.visible_to(user).on_roll(today).filter(pk__in=CareEpisode.objects.unseen_flags().values("pupil"))
        .with_stored_category(today).with_plan(today).with_new_flag()
    )
    return _count_and_first(flagged, with_rows)


def _contributions_waiting(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # Parts sent by the social worker, adviser, carer or child that the DT has not yet accepted or set aside.
    waiting = (
        of_visible_pupils(user, Contribution.objects.pending(), "pep__pupil")
        .exclude(pep__status=COMPLETE)
    )
    return _count_and_first(waiting.select_related("pep__pupil", "invitation").order_by("submitted_at", "pk"),
                            with_rows)


def _transitions_due(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # Joining and leaving steps not yet done whose deadline is near or past, the late first.
    due = (
        of_visible_pupils(user, TransitionItem.objects.outstanding())
        .filter(due_date__lte=today + dt.timedelta(days=transitions.DUE_SOON_DAYS))
    )
    return _count_and_first(due.select_related("pupil").order_by("due_date", "pk"), with_rows)


def _attendance_concerns(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # Cohort pupils on roll at 90% or lower this term, or down 5 points on last term: the few records stored
    # as a concern, for pupils in the cohort today; those shown are worked out by the rule, with their figures.
    cohort_pupils = Pupil.objects.visible_to(user).on_roll(today).in_category_on(today)
    found = attendance.concerned(cohort_pupils, calendar=calendar, today=today).order_by("pupil_id")
    count, first = _count_and_first(found.only("pupil_id"), with_rows)
    if not first:
        return count, []
    shown = attendance.attendance_concerns([r.pupil_id for r in first], calendar=calendar, today=today)
    pupils = Pupil.objects.in_bulk([c.pupil_id for c in shown])
    return count, [(pupils[c.pupil_id], c) for c in shown]


def _sdq_due(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # Looked-after children with no SDQ (on its own or in a PEP) in the last 12 months.
    since = cohort.add_years(today, -1)
    recent = SdqScore.objects.filter(pupil=OuterRef("pk"), completed_on__gte=since, completed_on__lte=today)
    in_pep = PepMeeting.objects.filter(pupil=OuterRef("pk"), sdq_total__isnull=False, status__in=[HELD, COMPLETE],
                                       meeting_date__gte=since, meeting_date__lte=today)
    due = (Pupil.objects.visible_to(user).on_roll(today).in_category_on(today, cohort.CLA)
           .exclude(Exists(recent)).exclude(Exists(in_pep)))
    return _count_and_first(due.order_by("last_name", "first_name", "pk"), with_rows)


def _ehcp_reviews(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    due = Pupil.objects.visible_to(user).on_roll(today).filter(
        sen_status="E", ehcp_review_due__lte=today + dt.timedelta(days=EHCP_REVIEW_DAYS))
    return _count_and_first(due.order_by("ehcp_review_due", "pk"), with_rows)


def _provision_reviews(user: Any, today: dt.date, with_rows: bool, calendar: SchoolCalendar) -> tuple[int, list]:
    # Alternative provision and part-time timetables going on, their review overdue or near, the oldest first.
    due = of_visible_pupils(user, Provision.objects.all()).review_due(today)
    return _count_and_first(due.select_related("pupil").order_by("review_due", "pk"), with_rows)


KINDS = [
    _Kind("peps_due", "PEPs due in the next 14 days or overdue", lambda: reverse("pep:grid") + "?show=due",
          roles.can_do_casework, _peps_due),
    _Kind("peps_unsigned", "PEPs held but not signed off, or rated red", lambda: reverse("pep:grid"),
          roles.can_do_casework, _peps_unsigned_or_red),
    _Kind("pp_unspent",
          f"PP+ allocations not fully spent, with the financial year ending within {PP_PLUS_WARNING_DAYS} days",
          lambda: reverse("pep:pp_school"), roles.can_do_casework, _pp_plus_unspent),
    _Kind("exclusion_flags", "Suspensions awaiting the Virtual School consultation or notifications",
          lambda: reverse("pep:exclusions"), roles.can_record_exclusions, _suspensions_waiting,
          depends_on=roles.can_do_casework),  # who consults the Virtual School (see there)
    _Kind("leaving_window",
          f"Pupils leaving the six-year 'had a social worker' window in the next {LEAVING_WINDOW_DAYS} days",
          lambda: reverse("dashboard"), lambda user: roles.has_role(user, roles.DSL, roles.HEADTEACHER),
          _leaving_window),
    _Kind("contributions", "Contributions from outside the school waiting to be accepted or set aside",
          lambda: reverse("dashboard"), roles.can_do_casework, _contributions_waiting),
    _Kind("transitions",
          f"Joining and leaving checklist steps late or due in the next {transitions.DUE_SOON_DAYS} days",
          lambda: reverse("dashboard"), roles.can_see_social_care, _transitions_due),
    _Kind("attendance", "Cohort pupils whose attendance is 90% or lower, or down 5 points on last term",
          lambda: reverse("dashboard"), roles.can_see_social_care, _attendance_concerns),
    _Kind("sdq_due", "Looked-after children with no SDQ score in the last 12 months",
          lambda: reverse("dashboard"), roles.can_see_social_care, _sdq_due),
    _Kind("ehcp_reviews", f"EHC plan annual reviews overdue or due in the next {EHCP_REVIEW_DAYS} days",
          lambda: reverse("dashboard"), roles.can_see_social_care, _ehcp_reviews),
    _Kind("provision_reviews",
          f"Alternative provision and part-time timetable reviews overdue or due in the next "
          f"{PROVISION_REVIEW_SOON_DAYS} days",
          lambda: reverse("pep:provisions"), roles.can_record_provision, _provision_reviews),
    _Kind("new_flags", "New social-worker flags from the DSL you have not opened yet",
          lambda: reverse("pupils:list") + "?new_flags=on",
          lambda user: roles.has_role(user, roles.DESIGNATED_TEACHER, roles.HEADTEACHER), _new_flags),
]


def _scope(user: Any, kind: _Kind) -> tuple:
    """What a kind's answer depends on besides the day: the pupils the user sees, and what the kind names."""
    pupils = "school" if roles.can_see_whole_register(user) else user.pk
    return (kind.key, pupils, kind.depends_on(user))


def due_items(user: Any, *, today: dt.date, with_rows: bool = False, shared: dict | None = None,
              calendar: SchoolCalendar | None = None) -> list[DueItem]:
    """Every kind of item this user's roles look after, with how many are due today (maybe 0).

    `shared` (a dict the caller keeps) lets a sweep over many users work each answer out once
    for all the users who see the same pupils, rather than once per user. The school calendar is
    read once, when a kind first needs it, unless the caller gives the one it has.
    """
    if calendar is None:
        calendar = SimpleLazyObject(Term.calendar)
    items = []
    for kind in KINDS:
        if kind.applies(user):
            key = _scope(user, kind)
            if shared is not None and not with_rows and key in shared:
                count, rows = shared[key]
            else:
                count, rows = kind.find(user, today, with_rows, calendar)
                if shared is not None:
                    shared[key] = (count, rows)
            items.append(DueItem(kind.key, kind.label, count, kind.url(), rows))
    return items
