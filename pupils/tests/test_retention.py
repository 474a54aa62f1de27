"""Retention: leavers are archived; past date of birth + 25 years the head reviews and deletes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cwsw.models import AccessLog
from pep.models import (
    ExclusionConsultation,
    HistoricalPepMeeting,
    HistoricalPpPlusSpend,
    PepMeeting,
    PepTarget,
    PpPlusAllocation,
    PpPlusSpend,
)
from pupils.models import CareEpisode, HistoricalCareEpisode, HistoricalPupil, Pupil, SafeguardingNote
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


def old_leaver(**fields):
    """A pupil born 26 years ago who left long since: past the retention point."""
    return PupilFactory(date_of_birth=dt.date(2000, 5, 1), admission_date=dt.date(2011, 9, 1),
                        leaving_date=dt.date(2016, 7, 20), **fields)


def with_casework(pupil, user):
    CareEpisodeFactory(pupil=pupil, kind="CLA", start_date=dt.date(2012, 1, 9), end_date=dt.date(2014, 1, 9))
    SafeguardingNote.objects.create(pupil=pupil, written_by=user, text="Demo note")
    pep = PepMeeting.objects.create(pupil=pupil, academic_year=2012, term="autumn", meeting_date=dt.date(2012, 10, 1))
    target = PepTarget.objects.create(pep=pep, area="reading", description="Demo", success_criteria="Demo",
                                      owner="DT")
    allocation = PpPlusAllocation.objects.create(pupil=pupil, financial_year=2012, amount=Decimal("1900"),
                                                 source="virtual_school", received_on=dt.date(2012, 5, 1))
    PpPlusSpend.objects.create(allocation=allocation, spent_on=dt.date(2012, 6, 1), amount=Decimal("100"),
                               category="tuition", description="Demo", target=target)
    ExclusionConsultation.objects.create(pupil=pupil, incident_date=dt.date(2013, 3, 4), incident="Demo",
                                         proposed_action="suspension")
    return pupil


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC), tick=False)


def test_it_lists_only_records_past_the_retention_point(login, head):
    due = old_leaver(last_name="Pastpoint")
    PupilFactory(last_name="Stillkept", date_of_birth=dt.date(2002, 1, 1), admission_date=dt.date(2013, 9, 1),
                 leaving_date=dt.date(2018, 7, 20))
    on_roll = PupilFactory(last_name="Onroll")
    response = login(head).get(reverse("pupils:retention"))
    assert [p.pk for p in response.context["pupils"]] == [due.pk]
    assert response.context["pupils"][0].retain_until == dt.date(2025, 5, 1)
    assert on_roll.pk not in [p.pk for p in response.context["pupils"]]


def test_it_archives_a_leaver_and_does_not_delete_them(login, head):
    leaver = PupilFactory(last_name="Archived", leaving_date=dt.date(2025, 7, 18))
    client = login(head)
    assert "Archived" not in client.get(reverse("pupils:list"), {"category": "all"}).content.decode()
    assert "Archived" in client.get(reverse("pupils:list"), {"leavers": "on", "category": "all"}).content.decode()
    assert client.get(reverse("pupils:detail", args=[leaver.pk])).status_code == 200
    # Not past the retention point: there is no delete button, and a forced POST changes nothing.
    page = client.get(reverse("pupils:erase", args=[leaver.pk])).content.decode()
    assert "it cannot be deleted" in page
    assert "This record is kept until" in page
    client.post(reverse("pupils:erase", args=[leaver.pk]), {"reviewed": "on"})
    assert Pupil.objects.filter(pk=leaver.pk).exists()


def test_it_does_not_delete_a_pupil_past_the_retention_point_but_on_roll(login, head):
    pupil = PupilFactory(date_of_birth=dt.date(2000, 5, 1), admission_date=dt.date(2011, 9, 1))
    client = login(head)
    page = client.get(reverse("pupils:erase", args=[pupil.pk])).content.decode()
    assert "This pupil is still on roll; record a leaving date first. Until then it cannot be deleted." in page
    client.post(reverse("pupils:erase", args=[pupil.pk]), {"reviewed": "on"})
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_it_does_not_let_the_admin_delete_a_pupil(admin_client):
    pupil = PupilFactory()
    assert admin_client.get(reverse("admin:pupils_pupil_delete", args=[pupil.pk])).status_code == 403


def test_it_makes_the_head_confirm_the_review(login, head):
    pupil = with_casework(old_leaver(), head)
    response = login(head).post(reverse("pupils:erase", args=[pupil.pk]), {})
    assert response.context["form"].errors["reviewed"] == ["Tick to confirm you have reviewed the record."]
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_it_deletes_the_records_and_their_history_and_leaves_an_access_log_row(login, head, dt_user):
    pupil = with_casework(old_leaver(), head)
    kept = with_casework(old_leaver(), head)
    AccessLog.record(user=dt_user, code="pupil.viewed", pupils=[pupil])
    pk = pupil.pk

    response = login(head).post(reverse("pupils:erase", args=[pk]), {"reviewed": "on"})
    assert response.url == reverse("pupils:retention")

    assert not Pupil.objects.filter(pk=pk).exists()
    for model in (CareEpisode, SafeguardingNote, PepMeeting, PpPlusAllocation, ExclusionConsultation):
        assert model.objects.filter(pupil_id__in=[pk]).count() == 0, model
    assert not PpPlusSpend.objects.filter(allocation__pupil_id=pk).exists()
    assert not HistoricalPupil.objects.filter(id=pk).exists()
    assert not HistoricalCareEpisode.objects.filter(pupil_id=pk).exists()
    assert not HistoricalPepMeeting.objects.filter(pupil_id=pk).exists()
    assert HistoricalPpPlusSpend.objects.count() == 1  # the other pupil's
    # The other leaver is untouched.
    assert Pupil.objects.filter(pk=kept.pk).exists() and kept.episodes.count() == 1

    entries = list(AccessLog.objects.filter(pupil_id=pk).values_list("user__username", "action"))
    assert entries == [("head", "delete"), ("dt", "view")]
    log_page = login(head).get(reverse("pupils:access_log"), {"pupil": pk}).content.decode()
    assert "Deleted (retention)" in log_page
