import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pupils.tests.factories import CareEpisodeFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboard")
FLAGGED_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def due(response, key):
    """The dashboard's card of one kind of item due."""
    return next(item for item in response.context["board"].due if item.key == key)


def test_it_shows_the_dt_new_flags_first(login, dt_user, dsl):
    flagged = CareEpisodeFactory(flagged_by=dsl, flagged_at=FLAGGED_AT).pupil
    response = login(dt_user).get(URL)
    cards = response.context["board"].due
    assert cards[0].key == "new_flags"  # the first card, not the last
    assert [row.pupil for row in cards[0].rows] == [flagged] and cards[0].count == 1


def test_it_counts_every_item_and_lists_the_most_urgent_few_by_name(login, dt_user, dsl, time_machine):
    from reporting.due import FIRST_SHOWN, due_items

    time_machine.move_to(dt.date(2026, 1, 12))
    # Twelve new flags, and twelve looked-after children with no SDQ: more than a card lists.
    for i in range(12):
        CareEpisodeFactory(flagged_by=dsl, flagged_at=FLAGGED_AT, pupil__last_name=f"Flagged{i:02}")
        CareEpisodeFactory(kind="CLA", legal_status="C2", start_date=dt.date(2025, 1, 6),
                           pupil__last_name=f"Looked{i:02}")
    response = login(dt_user).get(URL)
    flags, sdq = due(response, "new_flags"), due(response, "sdq_due")
    assert (flags.count, sdq.count) == (12, 12)
    assert len(flags.rows) == len(sdq.rows) == FIRST_SHOWN == 3
    assert "All 12, the most urgent first" in response.content.decode()
    # The e-mail's counts, read without the rows, are the same.
    counts = {item.key: item.count for item in due_items(dt_user, today=dt.date(2026, 1, 12))}
    assert counts["new_flags"] == 12 and counts["sdq_due"] == 12


def test_it_shows_the_dsl_who_leaves_the_six_year_window_within_30_days(login, dsl, time_machine):
    time_machine.move_to(dt.date(2025, 6, 1))
    leaving = CareEpisodeFactory(start_date=dt.date(2018, 1, 1), end_date=dt.date(2019, 6, 20),
                                 pupil__date_of_birth=dt.date(2011, 1, 1)).pupil
    CareEpisodeFactory(start_date=dt.date(2018, 1, 1), end_date=dt.date(2019, 8, 20),
                       pupil__date_of_birth=dt.date(2011, 1, 1))
    response = login(dsl).get(URL)
    assert [row.pupil for row in due(response, "leaving_window").rows] == [leaving]


def test_it_shows_governors_suppressed_counts_and_no_names(login, governor):
    pupils = [CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 1)).pupil for _ in range(3)]
    response = login(governor).get(URL)
    body = response.content.decode()
    assert dict((k, n) for k, _, n in response.context["board"].governor_rows)["CLA"] == "c"
    assert all(p.last_name not in body and p.upn not in body for p in pupils)


def test_it_shows_a_key_adult_their_pupils(login, staff):
    mine = CareEpisodeFactory(pupil__key_adult=staff).pupil
    CareEpisodeFactory()
    assert list(login(staff).get(URL).context["board"].key_pupils) == [mine]


def test_it_tells_a_user_with_no_role_to_ask_for_one(login, norole):
    assert "has no role yet" in login(norole).get(URL).content.decode()


@pytest.mark.parametrize("role", ["head", "dt_user", "dsl", "governor", "staff"])
def test_it_runs_the_same_number_of_queries_for_10_and_500_pupils(role, request, login, dsl, staff, time_machine):
    # The clock stands still: a session a minute old is saved again (three more queries), and making 490
    # pupils can take over a minute on a loaded machine; that save is not the page's doing.
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    client = login(request.getfixturevalue(role))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    CareEpisodeFactory.create_batch(10, flagged_by=dsl, flagged_at=FLAGGED_AT, pupil__key_adult=staff)
    small = count()
    CareEpisodeFactory.create_batch(490, flagged_by=dsl, flagged_at=FLAGGED_AT, pupil__key_adult=staff)
    assert count() == small


def test_it_shows_the_dt_peps_due_pp_plus_and_suspensions_to_act_on(login, dt_user, time_machine):
    from decimal import Decimal

    from pep.tests.factories import AllocationFactory, ExclusionFactory, looked_after_pupil

    time_machine.move_to(dt.datetime(2025, 12, 20, 12, 0))
    pupil = looked_after_pupil()
    AllocationFactory(pupil=pupil, amount=Decimal("2630.00"))
    ExclusionFactory(pupil=pupil, decision="suspension", decision_date=dt.date(2025, 12, 1),
                     consulted_on=dt.date(2025, 12, 1), days=Decimal("1"))
    response = login(dt_user).get(URL)
    assert {row.pupil_id for row in due(response, "peps_due").rows} == {pupil.pk}
    assert response.context["board"].pp.remaining == Decimal("2630.00")
    assert due(response, "suspension_notify").count == 1


def test_it_shows_governors_a_chart_and_the_reports(login, governor, head):
    from reporting.models import GovernorReport

    GovernorReport.objects.create(academic_year=2025, status="ready", requested_by=head)
    response = login(governor).get(URL)
    assert "<svg" in response.content.decode()
    assert len(response.context["board"].reports) == 1


def test_it_logs_only_the_pupils_the_dashboard_names(login, dt_user, time_machine):
    from cwsw.models import AccessLog
    from pep.tests.factories import looked_after_pupil
    from reporting.due import FIRST_SHOWN

    time_machine.move_to(dt.datetime(2025, 12, 20, 12, 0))
    pupils = [looked_after_pupil(last_name=f"Dash{i:02d}name") for i in range(FIRST_SHOWN + 3)]  # all overdue
    body = login(dt_user).get(URL).content.decode()
    named = {p.pk for p in pupils if p.last_name in body}
    logged = set(AccessLog.objects.filter(user=dt_user).values_list("pupil_id", flat=True))
    assert len(named) == FIRST_SHOWN and logged == named
