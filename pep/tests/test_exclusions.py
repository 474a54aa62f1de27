"""Suspensions and exclusions: the consultation first, the 45-day cap, the derived flags."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cwsw.terms import SchoolCalendar, TermDates
from pep.exclusion_flags import exclusion_flags
from pep.models import ExclusionConsultation
from pep.tests.factories import ExclusionFactory, looked_after_pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date
CALENDAR = SchoolCalendar([
    TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
    TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
])
DECIDED = {"incident_date": D(2025, 10, 6), "decision": "suspension", "decision_date": D(2025, 10, 7),
           "first_day": D(2025, 10, 8), "days": Decimal("2")}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))


def record(pupil, **fields):
    exclusion = ExclusionConsultation(pupil=pupil, incident="Demo incident", proposed_action="suspension",
                                      **{**DECIDED, **fields})
    exclusion.full_clean()
    exclusion.save()
    return exclusion


def test_it_refuses_a_suspension_of_a_looked_after_child_without_a_consultation():
    with pytest.raises(ValidationError, match="consult the Virtual School before deciding to suspend"):
        record(looked_after_pupil())


def test_it_needs_the_consultation_on_or_before_the_decision():
    with pytest.raises(ValidationError, match="on or before the decision date"):
        record(looked_after_pupil(), consulted_on=D(2025, 10, 8))


def test_it_accepts_a_consultation_on_the_decision_day():
    assert record(looked_after_pupil(), consulted_on=D(2025, 10, 7)).pk


def test_it_needs_the_consultation_for_a_permanent_exclusion_too():
    with pytest.raises(ValidationError, match="before deciding to exclude"):
        record(looked_after_pupil(), decision="permanent_exclusion", days=None)


def test_it_needs_no_consultation_for_other_pupils():
    assert record(PupilFactory()).pk


def test_it_takes_the_category_on_the_decision_date():
    # Looked after only from November: an October decision needs no consultation.
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2025, 11, 1)).pupil
    assert record(pupil).pk


def test_it_allows_45_days_in_a_year_and_refuses_more():
    pupil = PupilFactory()
    record(pupil, days=Decimal("44.5"))  # served from 8 October to mid-December
    # Later days, after that one is served (a day cannot be served twice).
    assert record(pupil, decision_date=D(2025, 11, 3), first_day=D(2026, 1, 6), days=Decimal("0.5")).pk
    refusal = "at most 45 school days .* 45 days are already served in 2025/26, so at most 0"
    with pytest.raises(ValidationError, match=refusal):
        record(pupil, decision_date=D(2025, 11, 10), first_day=D(2026, 1, 7), days=Decimal("0.5"))


def test_it_starts_the_cap_again_each_academic_year():
    pupil = PupilFactory()
    record(pupil, incident_date=D(2025, 3, 3), decision_date=D(2025, 3, 3), first_day=D(2025, 3, 4),
           days=Decimal("45"))
    assert record(pupil).pk


@pytest.mark.parametrize("days, message", [
    (Decimal("0.3"), "whole or half days"),
    (Decimal("0"), "greater than or equal to 0.5"),
    (None, "how many school days"),
])
def test_it_refuses_bad_day_counts(days, message):
    with pytest.raises(ValidationError, match=message):
        record(PupilFactory(), days=days)


@pytest.mark.parametrize("fields, message", [
    ({"decision_date": D(2025, 10, 1)}, "cannot be before the incident"),
    ({"first_day": D(2025, 10, 6)}, "cannot start before the decision"),
    ({"decision_date": None}, "decision and its date together"),
    ({"social_worker_notified_on": D(2025, 10, 6)}, "after the decision"),
    ({"incident_date": D(2026, 1, 1), "decision_date": D(2026, 1, 2)}, "still to come"),
    ({"decision": "no_exclusion"}, "Only a suspension has a number of days"),
])
def test_it_refuses_dates_out_of_order(fields, message):
    with pytest.raises(ValidationError, match=message):
        record(PupilFactory(), **fields)


def test_it_shows_the_refusal_next_to_the_field_and_saves_nothing(login, dt_user):
    pupil = looked_after_pupil()
    response = login(dt_user).post(reverse("pep:exclusion_add", args=[pupil.pk]), {
        "incident_date": "2025-10-06", "incident": "Demo", "proposed_action": "suspension",
        "decision": "suspension", "decision_date": "2025-10-07", "days": "1.5"})
    assert "consult the Virtual School" in response.context["form"].errors["consulted_on"][0]
    assert not ExclusionConsultation.objects.exists()


def flags(exclusion, others=None, category=None):
    return exclusion_flags(exclusion, pupil_exclusions=others or [exclusion], category=category, calendar=CALENDAR)


def suspension(pk, day, days, **fields):
    return ExclusionConsultation(pk=pk, decision="suspension", decision_date=day, first_day=day, days=Decimal(days),
                                 **fields)


def test_it_calls_for_governors_after_more_than_15_days_in_a_term():
    first, second = suspension(1, D(2025, 10, 1), "10"), suspension(2, D(2025, 11, 3), "5.5")
    assert flags(second, [first, second]).reinstatement_review
    assert not flags(first, [first, suspension(2, D(2025, 11, 3), "5")]).reinstatement_review


def test_it_calls_for_governors_for_a_permanent_exclusion_or_a_missed_exam():
    exclusion = ExclusionConsultation(pk=1, decision="permanent_exclusion", decision_date=D(2025, 10, 1))
    assert flags(exclusion).reinstatement_review and flags(exclusion).alternative_provision
    assert flags(suspension(1, D(2025, 10, 1), "1", public_exam_missed=True)).reinstatement_review


def test_it_calls_for_alternative_provision_from_the_sixth_day():
    assert not flags(suspension(1, D(2025, 10, 1), "5")).alternative_provision
    assert flags(suspension(1, D(2025, 10, 1), "5.5")).alternative_provision


def test_it_asks_for_a_different_intervention_after_a_second_suspension_in_a_term():
    first, second = suspension(1, D(2025, 10, 1), "1"), suspension(2, D(2025, 11, 3), "1")
    assert not flags(first, [first, second]).different_intervention
    assert flags(second, [first, second]).different_intervention
    spring = suspension(3, D(2026, 1, 12), "1")
    assert not flags(spring, [first, second, spring]).different_intervention


def test_it_lists_notifications_still_to_send():
    assert flags(suspension(1, D(2025, 10, 1), "1"), category="CLA").notifications_due == [
        "social worker", "Virtual School Head"]
    assert flags(suspension(1, D(2025, 10, 1), "1"), category="CWSW").notifications_due == ["social worker"]
    done = suspension(1, D(2025, 10, 1), "1", social_worker_notified_on=D(2025, 10, 1), vsh_notified_on=D(2025, 10, 1))
    assert flags(done, category="CLA").notifications_due == []


def test_it_asks_for_the_consultation_on_an_undecided_incident_of_a_looked_after_child():
    assert flags(ExclusionConsultation(pk=1, incident_date=D(2025, 10, 1)), category="CLA").consult_first


def test_it_counts_the_last_day_in_school_days_over_the_weekend():
    assert flags(suspension(1, D(2025, 10, 3), "3")).last_day == D(2025, 10, 7)  # Fri, Mon, Tue


def test_it_shows_the_flags_on_the_pupil_page_and_the_school_list(login, dt_user):
    pupil = looked_after_pupil()
    ExclusionFactory(pupil=pupil, decision="suspension", decision_date=D(2025, 10, 7), consulted_on=D(2025, 10, 6),
                     first_day=D(2025, 10, 8), days=Decimal("6"))
    client = login(dt_user)
    body = client.get(reverse("pep:pupil", args=[pupil.pk])).content.decode()
    assert "Full-time alternative provision from day 6" in body
    assert "Tell the social worker and the Virtual School Head" in body
    assert "Tell the social worker" in client.get(reverse("pep:exclusions"), {"year": 2025}).content.decode()


def test_editing_from_the_suspensions_list_returns_to_the_list(login, dt_user):
    from pupils.tests.factories import PupilFactory

    exclusion = ExclusionConsultation.objects.create(
        pupil=PupilFactory(), incident_date=D(2025, 10, 6), incident="Demo incident", proposed_action="suspension")
    client = login(dt_user)
    listing = reverse("pep:exclusions") + "?year=2025"
    page = client.get(listing).content.decode()
    edit = f'{reverse("pep:exclusion_edit", args=[exclusion.pk])}?next=/casework/exclusions/%3Fyear%3D2025'
    assert f'href="{edit}"' in page
    assert 'id="exclusion-q"' in page  # the list offers to record one, not a sentence saying where
    data = {"incident_date": "2025-10-06", "incident": "Demo incident, edited", "proposed_action": "suspension"}
    assert client.post(edit, data).url == listing
    # Without a safe `next`, back to the pupil's casework.
    assert client.post(reverse("pep:exclusion_edit", args=[exclusion.pk]) + "?next=https://elsewhere.invalid/",
                       data).url == reverse("pep:pupil", args=[exclusion.pupil_id])


def test_the_suspensions_search_links_to_recording_one(login, dt_user, staff):
    from pupils.tests.factories import PupilFactory

    pupil = PupilFactory(last_name="Quibble", key_adult=staff)
    found = login(dt_user).get(reverse("pupils:find"), {"q": "quibb", "to": "exclusion"}).content.decode()
    assert f'href="{reverse("pep:exclusion_add", args=[pupil.pk])}"' in found
    # A key adult cannot record one: their search links to the pupil's page as usual.
    found = login(staff).get(reverse("pupils:find"), {"q": "quibb", "to": "exclusion"}).content.decode()
    assert f'href="{reverse("pupils:detail", args=[pupil.pk])}"' in found


def test_the_database_finds_the_records_awaiting_action_that_the_flags_name():
    """`awaiting_action` (the dashboard's and digest's count, in SQL) against the flags worked out in Python:
    every category on the decision day, every decision, each date recorded or not, for both kinds of user."""
    import itertools

    from pep import exclusion_flags, selectors
    from pep.models import NO_EXCLUSION, PERMANENT_EXCLUSION, SUSPENSION

    today = D(2025, 11, 20)
    histories = {
        "CLA": [("CLA", D(2024, 1, 8), None)],
        "CWSW": [("CP", D(2025, 9, 1), None)],
        "CWSW_PREV": [("CIN", D(2022, 1, 1), D(2023, 1, 1))],
        "PLA": [("PLA", D(2020, 1, 1), None)],
        "CLA_ENDED_BEFORE_DECISION": [("CLA", D(2024, 1, 8), D(2025, 10, 1))],
        "none": [],
    }
    decisions = ["", NO_EXCLUSION, SUSPENSION, PERMANENT_EXCLUSION]
    made = []
    for episodes, decision, consulted, sw, vsh in itertools.product(
            histories.values(), decisions, [None, D(2025, 10, 1)], [None, D(2025, 10, 20)], [None, D(2025, 10, 20)]):
        pupil = PupilFactory()
        for kind, start, end in episodes:
            CareEpisodeFactory(pupil=pupil, kind=kind, start_date=start, end_date=end)
        made.append(ExclusionConsultation.objects.create(
            pupil=pupil, incident_date=D(2025, 10, 6), incident="Demo incident", proposed_action=SUSPENSION,
            decision=decision, decision_date=D(2025, 10, 7) if decision else None,
            consulted_on=consulted, social_worker_notified_on=sw, vsh_notified_on=vsh,
            days=Decimal("1") if decision == SUSPENSION else None,
            first_day=D(2025, 10, 8) if decision == SUSPENSION else None))
    rows = selectors.exclusion_rows(list(ExclusionConsultation.objects.select_related("pupil")), today=today)
    for consults in (True, False):
        expected = {row.exclusion.pk for row in rows if row.flags.awaiting_action(consults=consults)}
        found = set(exclusion_flags.awaiting_action(ExclusionConsultation.objects.all(), today=today, consults=consults)
                    .values_list("pk", flat=True))
        assert found == expected
        assert 10 < len(expected) < len(made)


def test_the_year_s_list_exports_what_it_shows_with_what_each_record_calls_for(login, dsl):
    import csv
    import io

    from cwsw.models import AccessLog

    cla = looked_after_pupil(last_name="Demo-Looked-After")
    record(cla, consulted_on=D(2025, 10, 6), social_worker_notified_on=D(2025, 10, 7))
    other = PupilFactory(last_name="Demo-Other")
    record(other, incident_date=D(2025, 11, 3), decision_date=D(2025, 11, 4), first_day=D(2025, 11, 5))
    client = login(dsl)
    page = client.get(reverse("pep:exclusions"), {"year": 2025}).content.decode()
    assert f'{reverse("pep:exclusions_export")}?year=2025' in page
    response = client.get(reverse("pep:exclusions_export"), {"year": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["UPN", "Pupil", "Category", "Incident"]
    assert [row[1].split(",")[0] for row in rows[1:]] == ["Demo-Other", "Demo-Looked-After"]  # newest first
    looked_after = rows[2]
    assert looked_after[2] == "CLA" and looked_after[8] == "2" and looked_after[9] == "2025-10-06"
    assert "Tell the Virtual School Head" in looked_after[12]
    assert AccessLog.objects.filter(code="suspension.exported").count() == 2


def test_the_year_s_list_filters_by_decision_sorts_and_exports_the_same(login, dt_user):
    import csv
    import io

    a = record(PupilFactory(last_name="Demo-Ash"), incident_date=D(2025, 9, 10), decision_date=D(2025, 9, 11),
               first_day=D(2025, 9, 12), days=Decimal("3"))
    b = record(PupilFactory(last_name="Demo-Birch"), incident_date=D(2025, 10, 6), days=Decimal("1"))
    waiting = ExclusionFactory(pupil=PupilFactory(last_name="Demo-Cedar"), incident_date=D(2025, 11, 3))
    client = login(dt_user)
    url = reverse("pep:exclusions")

    def listed(**params):
        return [row.exclusion.pk for row in client.get(url, {"year": 2025, **params}).context["rows"]]

    assert listed() == [waiting.pk, b.pk, a.pk]  # newest incident first
    assert listed(ordering="oldest") == [a.pk, b.pk, waiting.pk]
    assert listed(ordering="days") == [a.pk, b.pk, waiting.pk]  # most days first; none yet last
    assert listed(ordering="name", decision="suspension") == [a.pk, b.pk]
    assert listed(decision="awaiting") == [waiting.pk]
    export = client.get(reverse("pep:exclusions_export"), {"year": 2025, "decision": "suspension",
                                                           "ordering": "oldest"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert [row[1].split(",")[0] for row in rows[1:]] == ["Demo-Ash", "Demo-Birch"]


@pytest.mark.parametrize(("kind", "shown", "left_out"), [
    ("CLA", {"social_worker_notified_on", "vsh_notified_on"}, {"pla_parent_consent"}),
    ("PLA", {"pla_parent_consent"}, {"social_worker_notified_on", "vsh_notified_on"}),
    ("CIN", {"social_worker_notified_on"}, {"pla_parent_consent", "vsh_notified_on"}),
])
def test_the_form_goes_in_the_school_s_steps_and_leaves_out_what_cannot_apply(login, dt_user, kind, shown, left_out):
    pupil = CareEpisodeFactory(kind=kind, start_date=D(2024, 1, 8)).pupil
    response = login(dt_user).get(reverse("pep:exclusion_add", args=[pupil.pk]))
    fields = set(response.context["form"].fields)
    assert shown <= fields and not (left_out & fields)
    body = response.content.decode()
    steps = ["1. What happened", "2. Consult the Virtual School", "3. The decision",
             "4. Tell people and plan the return"]
    assert [body.index(step) for step in steps] == sorted(body.index(step) for step in steps)
    assert 'data-show-if="decision" data-show-values="suspension,"' in body  # days: a suspension's only


def test_a_record_keeps_a_part_it_already_has_even_where_it_would_not_apply_now(login, dt_user):
    pupil = CareEpisodeFactory(kind="CIN", start_date=D(2024, 1, 8), end_date=D(2025, 9, 1)).pupil  # had one
    exclusion = record(pupil, social_worker_notified_on=D(2025, 10, 7))
    form = login(dt_user).get(reverse("pep:exclusion_edit", args=[exclusion.pk])).context["form"]
    assert "social_worker_notified_on" in form.fields and "vsh_notified_on" not in form.fields
