"""Reads for reporting's pages: what each role's dashboard shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from cwsw import roles
from cwsw.models import TaskFailure, Term
from cwsw.terms import academic_year_label, financial_year_of
from pep import selectors as casework
from pupils import cohort
from pupils.models import CategorySpell, Pupil

from .due import Due, due_items
from .figures import cohort_chart
from .models import GovernorReport
from .suppression import suppress_counts

FAILURES_SHOWN = 10
KEY_PUPILS_SHOWN = 50


@dataclass
class Dashboard:
    """What one user's dashboard shows; each part is None where their roles do not see it."""

    today: dt.date
    no_role: bool = False
    cohort_rows: list | None = None  # (category, words, count) for those who see the register
    cohort_total: int = 0
    governor_rows: list | None = None  # the same, anonymised and suppressed, for governors
    governor_total: Any = None
    governor_chart: str = ""
    reports: list | None = None
    due: list[Due] = field(default_factory=list)
    pp: Any = None
    years_on_defaults: list[str] = field(default_factory=list)
    task_failures: list | None = None
    task_failures_count: int = 0
    key_pupils: list | None = None


def dashboard_for(user: Any, today: dt.date) -> Dashboard:
    """Everything the user's roles need to see first, in a fixed number of queries whatever the school's size."""
    board = Dashboard(today=today, no_role=not roles.roles_of(user))
    on_roll = CategorySpell.objects.on(today).on_roll(today)  # the cohort today, from the spells' own index
    if roles.can_see_whole_register(user):
        counts = on_roll.category_counts()
        board.cohort_rows, board.cohort_total = cohort.labelled(counts), sum(counts.values())
    elif roles.has_role(user, roles.GOVERNOR):
        cells, board.governor_total = suppress_counts(on_roll.category_counts())
        board.governor_rows = cohort.labelled(cells)
        board.governor_chart = cohort_chart([(cohort.CATEGORY_SHORT[c], cells[c]) for c in cohort.CATEGORIES],
                                            title="The cohort today")
    if roles.can_read_governor_report(user):
        board.reports = list(GovernorReport.objects.filter(status=GovernorReport.READY)[:5])
    board.due = due_items(user, today=today, with_rows=True)
    if roles.can_do_casework(user):
        board.pp = casework.pp_summary(financial_year=financial_year_of(today))
    if roles.can_manage_school(user):
        calendar = Term.calendar()
        this_year = calendar.academic_year_of(today)
        board.years_on_defaults = [academic_year_label(y) for y in (this_year, this_year + 1)
                                   if calendar.on_defaults(y)]
    if roles.can_see_task_failures(user):
        # Background work that failed in the last 30 days, so nobody relies on an e-mail never sent.
        failures = TaskFailure.objects.filter(at__gte=timezone.now() - dt.timedelta(days=30))
        board.task_failures = list(failures[:FAILURES_SHOWN])
        board.task_failures_count = failures.count() if len(board.task_failures) == FAILURES_SHOWN else len(
            board.task_failures)
    if roles.has_role(user, roles.STAFF) and not roles.can_see_whole_register(user):
        board.key_pupils = list(Pupil.objects.on_roll(today).with_category(today).visible_to(user)
                                [:KEY_PUPILS_SHOWN])
    return board
