"""Pages and files with pupils' data are sent with Cache-Control: no-store."""

import pytest
from django.urls import reverse

from pupils.tests.factories import CareEpisodeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["pupils:list", "pupils:export", "dashboard", "pep:grid"])
def test_it_tells_browsers_to_keep_no_copy(login, dt_user, name):
    CareEpisodeFactory()
    response = login(dt_user).get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_it_sends_a_pupils_page_with_no_store(login, dt_user):
    pupil = CareEpisodeFactory().pupil
    assert "no-store" in login(dt_user).get(reverse("pupils:detail", args=[pupil.pk]))["Cache-Control"]
