"""Two people saving about one record at the same moment, through the pages, on PostgreSQL.

Each race runs for several rounds, with a pause injected into validation (as on a loaded server) so the
two requests overlap every time. Whatever the order, the loser gets its page back with a message, never
a 500, and nothing the winner was told is undone.
"""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from conftest import make_user
from cwsw import roles
from cwsw.tests.auth import sign_in
from pep.models import PepMeeting, PepTarget, PpPlusSpend
from pep.tests.factories import AllocationFactory, TargetFactory, looked_after_pupil
from pupils.models import AttendanceRecord
from pupils.tests.factories import PupilFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 8
PAUSE = 0.3
HOLD = {"meeting_date": "2025-10-15", "attendees": ["child", "carer", "social_worker", "dt"],
        "child_views": "Likes art", "attendance_percent": "94.5", "attainment": "Working towards", "sdq_total": "15"}


@pytest.fixture
def users(db):
    return {"dt": make_user("dt", roles.DESIGNATED_TEACHER), "head": make_user("head", roles.HEADTEACHER)}


def slow(monkeypatch, model, method="full_clean"):
    """Pause `model.method` so a request that calls it is overtaken by the other one."""
    original = getattr(model, method)

    def paused(self, *args, **kwargs):
        time.sleep(PAUSE)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, method, paused)


def at_once(*requests):
    """Run each (client, url, data) POST in its own thread, started together; their responses in order."""
    start = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(index, client, url, data):
        try:
            start.wait()
            responses[index] = client.post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None and r.status_code in (200, 302) for r in responses), [
        getattr(r, "status_code", None) for r in responses]
    return responses


def page_text(client, response):
    """What the user reads next: the form shown again, or the page the redirect leads to (with its message)."""
    if response.status_code == 200:
        return response.content.decode()
    return client.get(response.url).content.decode()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_meeting_record_saved_as_the_pep_is_signed_off_never_unsigns_it(users, monkeypatch, time_machine, round_):
    assert connection.vendor == "postgresql"
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0), tick=True)
    pep = TargetFactory().pep  # held, with a target: ready to sign off
    slow(monkeypatch, PepMeeting)
    dt_client, head_client = sign_in(Client(), users["dt"]), sign_in(Client(), users["head"])
    hold, complete = at_once((dt_client, reverse("pep:pep_hold", args=[pep.pk]), HOLD),
                             (head_client, reverse("pep:pep_complete", args=[pep.pk]), {}))
    assert "The PEP is complete, signed off and locked." in page_text(head_client, complete)
    pep.refresh_from_db()
    assert pep.status == "complete" and pep.completed_at is not None and not pep.reopenings.exists()
    if hold.status_code == 200:  # the head's sign-off came first: the DT is told, and the form kept
        assert "This PEP was signed off a moment ago, so nothing was saved." in hold.content.decode()
        assert pep.child_views != "Likes art"
    else:
        assert pep.child_views == "Likes art"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_target_added_as_the_pep_is_signed_off_is_in_it_or_refused(users, monkeypatch, time_machine, round_):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0), tick=True)
    pep = TargetFactory().pep
    slow(monkeypatch, PepTarget)
    dt_client, head_client = sign_in(Client(), users["dt"]), sign_in(Client(), users["head"])
    target = {"area": "reading", "description": "Read a chapter book by the end of term",
              "success_criteria": "Finishes one", "owner": "Class teacher", "pp_plus_needed": "0"}
    add, _ = at_once((dt_client, reverse("pep:target_add", args=[pep.pk]), target),
                     (head_client, reverse("pep:pep_complete", args=[pep.pk]), {}))
    pep.refresh_from_db()
    assert pep.status == "complete"
    if add.status_code == 200:
        assert not add.context["form"].has_error("area"), add.context["form"].errors
        assert "This PEP was signed off a moment ago, so nothing was saved." in add.content.decode()
        assert pep.targets.count() == 1
    else:
        assert pep.targets.count() == 2  # added before the sign-off: signed off with it


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_spend_withdrawn_as_it_is_corrected_stays_withdrawn(users, monkeypatch, round_):
    allocation = AllocationFactory(pupil=looked_after_pupil())
    spend = PpPlusSpend.objects.create(allocation=allocation, spent_on=dt.date(2025, 10, 1), amount=Decimal("100.00"),
                                       category="tuition", description="Tuition block")
    slow(monkeypatch, PpPlusSpend)
    client_a, client_b = sign_in(Client(), users["dt"]), sign_in(Client(), users["head"])
    correction = {"spent_on": "2025-10-01", "amount": "120.00", "category": "tuition", "description": "Tuition block",
                  "target": "", "impact": "", "reason": "The invoice said 120"}
    withdraw, correct = at_once(
        (client_a, reverse("pep:spend_withdraw", args=[spend.pk]), {"reason": "Entered twice"}),
        (client_b, reverse("pep:spend_edit", args=[spend.pk]), correction))
    spend.refresh_from_db()
    assert withdraw.status_code == 302 and "The spend is withdrawn." in page_text(client_a, withdraw)
    assert spend.withdrawn_at is not None
    if correct.status_code == 200:
        assert "This spend was withdrawn a moment ago" in correct.content.decode()
        assert spend.amount == Decimal("100.00")
    else:
        assert spend.amount == Decimal("120.00")  # corrected first, then withdrawn


@pytest.mark.parametrize("round_", range(ROUNDS // 2))
def test_one_term_s_attendance_saved_three_times_at_once_is_one_record(users, monkeypatch, round_):
    pupil = PupilFactory()
    slow(monkeypatch, AttendanceRecord)
    url = reverse("pupils:record_save", args=[pupil.pk, "attendance"])
    requests = [(sign_in(Client(), users["dt"]), url,
                 {"attendance-academic_year": 2025, "attendance-term": "autumn",
                  "attendance-possible_sessions": 60, "attendance-attended_sessions": attended})
                for attended in (50, 55, 58)]
    at_once(*requests)
    record = AttendanceRecord.objects.get(pupil=pupil)
    assert record.attended_sessions in (50, 55, 58)


@pytest.mark.parametrize("round_", range(ROUNDS // 2))
def test_suspensions_that_together_pass_the_cap_give_the_loser_the_form_with_the_cap(users, monkeypatch, round_):
    from pep.models import ExclusionConsultation

    dsl = make_user(f"dsl{round_}", roles.DSL)
    pupil = looked_after_pupil(admission_date=dt.date(2020, 9, 1))
    for first_day in (dt.date(2025, 10, 1), dt.date(2025, 11, 5)):
        ExclusionConsultation.objects.create(
            pupil=pupil, incident_date=first_day - dt.timedelta(days=1), incident="Demo incident",
            proposed_action="suspension", decision="suspension", decision_date=first_day - dt.timedelta(days=1),
            first_day=first_day, days=Decimal("15"))
    slow(monkeypatch, ExclusionConsultation)

    def suspension(first_day):
        before = (first_day - dt.timedelta(days=1)).isoformat()
        return {"incident_date": before, "incident": "Demo incident", "proposed_action": "suspension",
                "decision": "suspension", "decision_date": before, "first_day": first_day.isoformat(), "days": "10",
                "consulted_on": before, "vs_adviser": "Demo Adviser", "vs_advice": "Agreed",
                "alternatives_considered": "Internal exclusion tried", "social_worker_notified_on": before,
                "vsh_notified_on": before}

    url = reverse("pep:exclusion_add", args=[pupil.pk])
    responses = at_once((sign_in(Client(), dsl), url, suspension(dt.date(2026, 1, 6))),
                        (sign_in(Client(), dsl), url, suspension(dt.date(2026, 2, 23))))
    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    assert "A pupil can be suspended for at most 45 school days" in loser.content.decode()
    assert sum(e.days for e in ExclusionConsultation.objects.filter(pupil=pupil)) == Decimal("40")
