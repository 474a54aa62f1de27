"""The casework pages: content, and a constant number of queries as the school grows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pep.models import PepMeeting
from pep.tests.factories import AllocationFactory, ExclusionFactory, PepFactory, TargetFactory, looked_after_pupil

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    # The clock stands still, so the session's once-a-minute save never lands in one count and not the other.
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0), tick=False)


def test_it_shows_each_looked_after_child_by_term_in_the_grid(login, dt_user):
    held = PepFactory(meeting_date=dt.date(2025, 10, 15)).pupil
    looked_after_pupil()
    response = login(dt_user).get(reverse("pep:grid"), {"year": 2025})
    rows = {row.pupil.pk: [[s.shown_status for s in slots] for slots in row.cells]
            for row in response.context["grid"].rows}
    assert rows[held.pk] == [["on_time"], ["later"], ["later"]]
    assert len(rows) == 2
    assert response.context["grid"].counts[0]["on_time"] == 1


def test_it_leaves_pupils_not_looked_after_out_of_the_grid(login, dt_user):
    from pupils.tests.factories import CareEpisodeFactory

    CareEpisodeFactory(kind="CIN")
    assert login(dt_user).get(reverse("pep:grid")).context["grid"].rows == []


def test_it_says_what_comes_next_in_the_pupil_summary(login, dt_user):
    pupil = looked_after_pupil()
    AllocationFactory(pupil=pupil, amount=Decimal("2630.00"))
    body = login(dt_user).get(reverse("pep:pupil_summary", args=[pupil.pk])).content.decode()
    assert "Autumn 2025/26 review: not yet due, due 31 Dec 2025" in body
    assert "left to spend" in body and "£2,630.00" in body


def school_of(n):
    for i in range(n):
        target = TargetFactory(pep__meeting_date=dt.date(2025, 10, 1) + dt.timedelta(days=i % 20))
        AllocationFactory(pupil=target.pep.pupil)
        ExclusionFactory(pupil=target.pep.pupil, decision="suspension", decision_date=dt.date(2025, 10, 7),
                         consulted_on=dt.date(2025, 10, 6), first_day=dt.date(2025, 10, 8), days=Decimal("1"))


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [reverse("pep:grid"), reverse("pep:exclusions"), reverse("pep:pp_school")])
def test_it_runs_school_pages_in_the_same_number_of_queries_for_10_and_60_pupils(login, dt_user, url):
    client = login(dt_user)
    school_of(10)
    small = count_queries(client, url, year=2025)
    school_of(50)
    assert count_queries(client, url, year=2025) == small


def test_it_runs_a_pupils_casework_page_in_the_same_queries_however_much_history(login, dt_user):
    client = login(dt_user)
    pupil = looked_after_pupil()
    url = reverse("pep:pupil", args=[pupil.pk])

    def add_history(i):
        TargetFactory(pep__pupil=pupil, pep__meeting_date=dt.date(2025, 9, 10) + dt.timedelta(days=i))
        AllocationFactory(pupil=pupil, financial_year=2024 + i % 2, received_on=dt.date(2025, 5, 1))
        ExclusionFactory(pupil=pupil, incident_date=dt.date(2025, 9, 10) + dt.timedelta(days=i))

    add_history(0)
    small = count_queries(client, url)
    for i in range(1, 15):
        add_history(i)
    assert count_queries(client, url) == small


def test_it_runs_a_pep_page_in_the_same_queries_however_many_targets(login, dt_user):
    client = login(dt_user)
    pep = TargetFactory().pep
    url = reverse("pep:pep_detail", args=[pep.pk])
    small = count_queries(client, url)
    TargetFactory.create_batch(20, pep=pep)
    assert count_queries(client, url) == small


def test_a_planned_pep_s_page_reads_no_targets_reopenings_or_previous_pep(login, dt_user):
    """Planned, it shows none of them: its page runs three queries fewer than the same PEP's once held."""
    client = login(dt_user)
    pep = TargetFactory().pep
    url = reverse("pep:pep_detail", args=[pep.pk])
    held = count_queries(client, url)
    PepMeeting.objects.filter(pk=pep.pk).update(status="planned")
    assert count_queries(client, url) == held - 3


def test_a_held_pep_reads_the_previous_pep_s_targets_with_its_own(login, dt_user):
    """A previous PEP to review costs its own read and nothing more: the two PEPs' targets are one query, and
    the completion check reads them from there. What the page says about the review does not change."""
    client = login(dt_user)
    earlier = TargetFactory(pep__meeting_date=dt.date(2025, 6, 20), pep__academic_year=2024, pep__term="summer").pep
    TargetFactory(pep=earlier, area="maths")
    pep = TargetFactory(pep__pupil=earlier.pupil).pep
    alone = TargetFactory().pep  # held, with a target, and no PEP before it
    url = reverse("pep:pep_detail", args=[pep.pk])

    assert count_queries(client, url) == count_queries(client, reverse("pep:pep_detail", args=[alone.pk]))
    page = client.get(url).content.decode()
    assert "Review of the previous PEP's targets" in page and page.count("Save review") == 2
    assert "Review every target from the previous PEP before completing this one." in page
    assert "Complete and sign off</button>" not in page
    # Not yet reviewed, a target's choice starts empty: saving it untouched records nothing.
    assert page.count('<option value="" selected>Choose the review</option>') == 2
    unreviewed = earlier.targets.first()
    response = client.post(reverse("pep:target_review", args=[pep.pk, unreviewed.pk]), {"review": "", "notes": "x"},
                           follow=True)
    assert "Choose met, partly met, not met or carried forward." in response.content.decode()
    unreviewed.refresh_from_db()
    assert (unreviewed.review, unreviewed.review_notes) == ("", "")

    earlier.targets.update(review="met")
    page = client.get(url).content.decode()
    assert "Review every target from the previous PEP" not in page and "Choose the review" not in page
    assert '<option value="met" selected>' in page
    assert "Complete and sign off</button>" in page


def test_it_offers_to_plan_a_pep_only_for_a_looked_after_child_and_names_the_plan(login, dt_user):
    from pupils.tests.factories import CareEpisodeFactory

    client = login(dt_user)
    cla = looked_after_pupil()
    cp = CareEpisodeFactory(kind="CP").pupil
    assert "Plan a PEP" in client.get(reverse("pep:pupil", args=[cla.pk])).content.decode()
    page = client.get(reverse("pep:pupil", args=[cp.pk])).content.decode()
    assert "Plan a PEP" not in page
    assert "Child protection plan" in page
