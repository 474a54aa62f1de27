"""A superuser's change in the administration pages is logged as a change and works out the pupil's derived
state again; reading a pupil's history there is logged like reading the pupil."""

import datetime as dt

import pytest
from django.urls import reverse

from cwsw.models import AccessLog
from pupils.models import CareEpisode, DueItem
from pupils.tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def change_form_data(client, pupil) -> dict:
    """What the admin's change page would post back unchanged: the pupil's fields and its inline formset."""
    response = client.get(reverse("admin:pupils_pupil_change", args=[pupil.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in
            ((name, form[name].value()) for name in form.fields)}
    data = {name: value for name, value in data.items() if value is not False}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
    return data


def test_an_admin_change_is_logged_as_a_change_naming_the_fields(admin_client):
    pupil = PupilFactory(first_name="Demo-Ash")
    data = change_form_data(admin_client, pupil) | {"first_name": "Demo-Ashley"}
    response = admin_client.post(reverse("admin:pupils_pupil_change", args=[pupil.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = AccessLog.objects.get(pupil_id=pupil.pk, code="pupil.admin_changed")
    assert row.data == {"fields": ["First name"]}
    assert row.words == "Changed in the administration pages"


def test_an_episode_added_in_the_admin_puts_the_child_in_the_cohort_with_what_is_due(admin_client):
    pupil = PupilFactory(admission_date=dt.date(2020, 9, 1))
    data = change_form_data(admin_client, pupil)
    data.update({"episodes-TOTAL_FORMS": 1, "episodes-0-kind": "CLA", "episodes-0-legal_status": "C2",
                 "episodes-0-start_date": dt.date.today() - dt.timedelta(days=3), "episodes-0-pupil": pupil.pk})
    response = admin_client.post(reverse("admin:pupils_pupil_change", args=[pupil.pk]), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert CareEpisode.objects.filter(pupil=pupil).count() == 1
    assert DueItem.objects.filter(pupil=pupil).exists()  # the initial PEP is due: derived state rebuilt


def test_reading_a_pupil_s_history_in_the_admin_is_logged(admin_client):
    pupil = PupilFactory()
    assert admin_client.get(reverse("admin:pupils_pupil_history", args=[pupil.pk])).status_code == 200
    assert AccessLog.objects.filter(pupil_id=pupil.pk, code="pupil.history_viewed").count() == 1
