"""A pupil's field-level history: who changed what, from what, to what; only what the role may see."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cwsw.models import AccessLog
from pep.models import ExclusionConsultation, PepMeeting, PepTarget, PpPlusAllocation, PpPlusSpend
from pupils.models import SafeguardingNote
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db


def saved_by(record, user, **changes):
    """Save a change as a view would, with simple-history told who made it."""
    for name, value in changes.items():
        setattr(record, name, value)
    record._history_user = user
    record.save()
    return record


def rows(client, pupil):
    """The history table as (who, record, text) tuples, newest first."""
    response = client.get(reverse("pupils:history", args=[pupil.pk]))
    assert response.status_code == 200
    return response, response.context["changes"]


def casework(pupil, dt_user, dsl):
    episode = saved_by(CareEpisodeFactory.build(pupil=pupil, kind="CLA", start_date=dt.date(2024, 1, 8),
                                                legal_status="C2"), dsl)
    pep = saved_by(PepMeeting(pupil=pupil, academic_year=2025, term="autumn",
                              meeting_date=dt.date(2025, 10, 1)), dt_user)
    target = saved_by(PepTarget(pep=pep, area="reading", description="Read with an adult daily",
                                success_criteria="Reading log", owner="Class teacher"), dt_user)
    allocation = saved_by(PpPlusAllocation(pupil=pupil, financial_year=2025, amount=Decimal("2630.00"),
                                           source="virtual_school", received_on=dt.date(2025, 5, 1)), dt_user)
    spend = saved_by(PpPlusSpend(allocation=allocation, spent_on=dt.date(2025, 6, 1), amount=Decimal("300.00"),
                                 category="tuition", description="Demo tutoring block"), dt_user)
    exclusion = saved_by(ExclusionConsultation(pupil=pupil, incident_date=dt.date(2025, 10, 2),
                                               incident="Demo incident", proposed_action="suspension"), dt_user)
    note = saved_by(SafeguardingNote(pupil=pupil, written_by=dsl, text="Demo concern"), dsl)
    return {"episode": episode, "pep": pep, "target": target, "allocation": allocation, "spend": spend,
            "exclusion": exclusion, "note": note}


def test_it_shows_who_changed_which_field_from_what_to_what(login, dt_user):
    pupil = PupilFactory(first_name="Crumpet", last_name="Oldname", sen_status="N")
    client = login(dt_user)
    client.post(reverse("pupils:edit", args=[pupil.pk]), {
        "upn": pupil.upn, "first_name": "Crumpet", "last_name": "Newname", "date_of_birth": "2013-03-14",
        "admission_date": "2024-09-04", "sen_status": "K",
    })

    response, changes = rows(client, pupil)
    change = changes[0]
    assert (change.by, change.record, change.kind_label) == ("Dt Persona", "Pupil details", "Changed")
    assert {(f.label, f.old, f.new) for f in change.fields} == {
        ("Last name", "Oldname", "Newname"), ("SEN", "No special educational need", "SEN support"),
    }
    body = response.content.decode()
    assert "<del>Oldname</del> &rarr; <ins>Newname</ins>" in body


def test_it_shows_each_casework_records_changes_to_the_designated_teacher(login, dt_user, dsl):
    pupil = PupilFactory()
    records = casework(pupil, dt_user, dsl)
    saved_by(records["pep"], dt_user, status="held", attendees=["child", "carer"])
    saved_by(records["target"], dt_user, review="met", review_notes="Reads every day now")
    saved_by(records["allocation"], dt_user, amount=Decimal("2570.00"))
    saved_by(records["spend"], dt_user, amount=Decimal("1250.50"))
    saved_by(records["exclusion"], dt_user, decision="suspension", days=Decimal("1.5"))
    saved_by(records["episode"], dsl, end_date=dt.date(2025, 3, 31))

    _, changes = rows(login(dt_user), pupil)
    changed = {(c.section, f.label, f.old, f.new) for c in changes if c.kind == "~" for f in c.fields}
    assert ("PEP", "Status", "Planned", "Held") in changed
    assert ("PEP", "Attendees", "", "Child, Carer") in changed
    assert ("PEP target", "Review", "", "Met") in changed
    assert ("PP+ allocation", "Amount (£)", "2,630.00", "2,570.00") in changed
    assert ("PP+ spend", "Amount (£)", "300.00", "1,250.50") in changed
    assert ("Suspension", "Decision", "", "Suspension") in changed
    assert ("Care episode", "End date", "", "31 Mar 2025") in changed
    # The DT may not read safeguarding notes, so not their history either.
    assert "Safeguarding note" not in {c.section for c in changes}


def test_it_shows_the_dsl_social_care_and_suspensions_but_not_peps_or_pp_plus(login, dt_user, dsl):
    pupil = PupilFactory()
    casework(pupil, dt_user, dsl)
    response, changes = rows(login(dsl), pupil)
    assert {c.section for c in changes} == {"Care episode", "Suspension", "Safeguarding note", "Pupil details"}
    assert "Read with an adult daily" not in response.content.decode()
    assert "Demo tutoring block" not in response.content.decode()


def test_it_keeps_a_deleted_record_in_the_history_with_its_name(login, dt_user, dsl):
    pupil = PupilFactory()
    target = casework(pupil, dt_user, dsl)["target"]
    target._history_user = dt_user
    target.delete()
    _, changes = rows(login(dt_user), pupil)
    assert (changes[0].kind_label, changes[0].record) == ("Deleted", "Reading: Read with an adult daily")


def test_it_shows_values_escaped(login, dt_user):
    pupil = PupilFactory(key_strategies="Calm corner")
    saved_by(pupil, dt_user, key_strategies="<script>alert('x')</script>")
    body = login(dt_user).get(reverse("pupils:history", args=[pupil.pk])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


def test_it_logs_reading_the_history(login, dt_user):
    pupil = PupilFactory()
    login(dt_user).get(reverse("pupils:history", args=[pupil.pk]))
    assert AccessLog.objects.filter(user=dt_user, pupil=pupil, action="view", code="pupil.history_viewed").exists()


def test_it_runs_the_history_page_in_the_same_queries_however_long_the_history(
    login, dt_user, dsl, django_assert_max_num_queries,
):
    pupil = PupilFactory()
    records = casework(pupil, dt_user, dsl)
    client = login(dt_user)
    url = reverse("pupils:history", args=[pupil.pk])
    with django_assert_max_num_queries(20) as short:
        client.get(url)
    for n in range(30):
        saved_by(records["target"], dt_user, review_notes=f"Review {n}")
        saved_by(pupil, dsl if n % 2 else dt_user, key_strategies=f"Strategy {n}")
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(url)
    assert len(response.context["changes"]) > 60


def test_it_shows_an_attendance_record_without_its_derived_concern(login, dt_user):
    """The stored concern is worked out from the figures, not entered: the history keeps the figures only."""
    from pupils.models import AttendanceRecord

    pupil = PupilFactory()
    record = saved_by(AttendanceRecord(pupil=pupil, academic_year=2025, term="autumn", possible_sessions=100,
                                       attended_sessions=85), dt_user)
    saved_by(record, dt_user, attended_sessions=95)
    record.refresh_from_db()
    assert not record.concern  # 95% with no term before
    response, changes = rows(login(dt_user), pupil)
    body = response.content.decode()
    assert [(f.label, f.old, f.new) for f in changes[0].fields] == [("Attended sessions", "85", "95")]
    assert "Concern" not in body
