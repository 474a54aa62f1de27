"""Every count a page shows equals the rows it stands for: the dashboard's cards, each kind's own list, the
digest, the grid's counts and its red rows, on a demo school with casework of every kind."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cwsw.tests.auth import sign_in
from pupils import due
from reporting.reminders import digest_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    call_command("seed_demo", pupils=160, seed=7)


def demo(username):
    """A client signed in as one of the demo school's users (seed_demo makes them)."""
    return sign_in(Client(), get_user_model().objects.get(username=username))


def every_page(client, url, params=None):
    """Every row of a paginated list, page by page."""
    rows, number = [], 1
    while True:
        response = client.get(url, {**(params or {}), "page": number})
        page = response.context["page"]
        rows += list(page.object_list)
        if not page.has_next():
            return rows, page.paginator.count
        number += 1


def test_each_kinds_count_is_the_rows_of_its_list_on_the_dashboard_and_in_the_digest(school):
    client = demo("head")
    head = get_user_model().objects.get(username="head")
    board = client.get(reverse("dashboard")).context["board"]
    digest = {item.key: item.count for item in digest_for(head, today=timezone.localdate())}
    assert {item.key for item in board.due} == {k.key for k in due.kinds()}  # the head acts on every kind
    assert sum(item.count for item in board.due) > 20  # the demo gives the check something to count
    for item in board.due:
        rows, counted = every_page(client, item.url)
        assert item.count == counted == len(rows) == digest.get(item.key, 0), item.key
        assert [r.pk for r in item.rows] == [r.pk for r in rows[:len(item.rows)]], item.key  # the most urgent
        late, _ = every_page(client, item.url, {"late": "1"})
        assert {r.pk for r in late} == {r.pk for r in rows if r.due < timezone.localdate()}, item.key


def test_the_grids_counts_are_its_cells_and_its_red_rows_on_every_page(school):
    client = demo("dt")
    for show in ("", "due", "overdue"):
        grid = client.get(reverse("pep:grid"), {"show": show}).context["grid"]
        rows, counted = every_page(client, reverse("pep:grid"), {"show": show})
        assert counted == len(rows)
        for term_index, counts in enumerate(grid.counts):
            cells = [slot.shown_status for row in rows for slot in row.cells[term_index]]
            for key, count in counts.items():
                if key != "missing":
                    assert count == cells.count(key), (show, term_index, key)
        assert grid.overdue_children == sum(1 for row in rows if row.overdue), show
    overdue_rows, _ = every_page(client, reverse("pep:grid"), {"show": "overdue"})
    all_rows, _ = every_page(client, reverse("pep:grid"))
    assert {row.pupil.pk for row in overdue_rows} == {row.pupil.pk for row in all_rows if row.overdue}
