import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cwsw import roles
from pupils import cohort
from pupils.models import Pupil

from .suppression import suppress_counts

DASHBOARD_LIST_SIZE = 10


def dashboard(request: HttpRequest) -> HttpResponse:
    """The landing page: what this user's roles need to see first."""
    user = request.user
    today = timezone.localdate()
    context: dict = {"today": today}
    on_roll = Pupil.objects.on_roll(today).with_category(today)
    if roles.can_see_whole_register(user):
        counts = on_roll.category_counts()
        context["cohort_rows"] = cohort.labelled(counts)
        context["cohort_total"] = sum(counts.values())
    elif roles.has_role(user, roles.GOVERNOR):
        cells, total = suppress_counts(on_roll.category_counts())
        context["governor_rows"] = cohort.labelled(cells)
        context["governor_total"] = total
    if roles.has_role(user, roles.DESIGNATED_TEACHER, roles.HEADTEACHER):
        flagged = on_roll.with_new_flag().filter(has_new_flag=True)
        context["new_flags"] = flagged[:DASHBOARD_LIST_SIZE]
        context["new_flags_count"] = flagged.count()
    if roles.has_role(user, roles.DSL, roles.HEADTEACHER):
        leaving = on_roll.filter(category=cohort.CWSW_PREV).exclude(
            pk__in=Pupil.objects.in_cohort(today + dt.timedelta(days=31)).values("pk")
        )
        context["leaving_window"] = leaving[:DASHBOARD_LIST_SIZE]
        context["leaving_window_count"] = leaving.count()
    if roles.has_role(user, roles.STAFF) and not roles.can_see_whole_register(user):
        context["key_pupils"] = on_roll.visible_to(user)[:50]
    context["no_role"] = not roles.roles_of(user)
    return render(request, "reporting/dashboard.html", context)
