"""The PEP grid shows a page of children at a time; its counts and the access log follow."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from cwsw.models import AccessLog
from pep.tests.factories import looked_after_pupil

pytestmark = pytest.mark.django_db


@override_settings(GRID_PAGE_SIZE=5)
def test_it_shows_a_page_of_children_counts_them_all_and_logs_only_those_shown(login, dt_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 2, 10, 12, 0))
    pupils = [looked_after_pupil(last_name=f"Gridley{n:02d}") for n in range(12)]
    client = login(dt_user)
    response = client.get(reverse("pep:grid"), {"year": 2025})
    page = response.context["page"]
    assert [row.pupil.last_name for row in page] == [f"Gridley{n:02d}" for n in range(5)]
    assert page.paginator.count == 12
    # The counts are for every child: each was due an autumn PEP and none was held.
    assert response.context["grid"].counts[0]["missing"] == 12
    # Narrowed by a search, the counts are the children found.
    found = client.get(reverse("pep:grid"), {"year": 2025, "q": "Gridley03"}).context["grid"]
    assert found.counts[0]["missing"] == 1
    body = response.content.decode()
    assert "Gridley04" in body and "Gridley05" not in body and "Page 1 of 3" in body
    logged = set(AccessLog.objects.filter(user=dt_user).values_list("pupil_id", flat=True))
    assert logged == {p.pk for p in pupils[:5]}
    last = client.get(reverse("pep:grid"), {"year": 2025, "page": 3})
    assert [row.pupil.last_name for row in last.context["page"]] == ["Gridley10", "Gridley11"]
