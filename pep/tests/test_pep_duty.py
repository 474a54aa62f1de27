"""The PEP duty across a real school year: it follows care and roll, counts the meeting's term,
and an overdue PEP stays overdue, whatever year it fell in, until one is held."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cwsw.models import Closure, Term
from pep import selectors, services
from pep.compliance import LEFT_CARE, LEFT_SCHOOL, MISSING, NOT_REQUIRED, ON_TIME
from pep.models import PepMeeting, PepSlot
from pep.tests.factories import PepFactory, looked_after_pupil
from pupils.derived import derived_rebuild
from pupils.tests.factories import CareEpisodeFactory
from reporting.reminders import digest_for

pytestmark = pytest.mark.django_db
D = dt.date
PEPS_DUE = "PEPs overdue, or due in the next 14 days"


@pytest.fixture
def entered_2025():
    """Term dates of 3 Sep-19 Dec 2025 (half-term 27-31 Oct), 5 Jan-27 Mar and 13 Apr-22 Jul 2026."""
    for name, start, end in (("autumn", D(2025, 9, 3), D(2025, 12, 19)), ("spring", D(2026, 1, 5), D(2026, 3, 27)),
                             ("summer", D(2026, 4, 13), D(2026, 7, 22))):
        Term.objects.create(academic_year=2025, name=name, start_date=start, end_date=end)
    Closure.objects.create(academic_year=2025, start_date=D(2025, 10, 27), end_date=D(2025, 10, 31),
                           kind="half_term")


def cla(start, end=None, **pupil):
    return CareEpisodeFactory(kind="CLA", start_date=start, end_date=end,
                              **{f"pupil__{k}": v for k, v in pupil.items()}).pupil


class Shown:
    """A term's PEP as the casework page shows it on a day: its status, reason and words (the initial PEP where a
    term has one), or not required where nothing is owed."""

    def __init__(self, slots, today):
        slot = next((s for s in slots if s.is_initial), slots[0]) if slots else None
        self.slot = slot
        self.status = slot.status(today) if slot else NOT_REQUIRED
        self.reason, self.due = (slot.reason, slot.due) if slot else ("", None)
        self.is_initial = bool(slot and slot.is_initial)
        self.overdue = bool(slot and slot.overdue_on(today))
        self.label = slot.label(today) if slot else "Not needed"


def year_slots(pupil, year=2025, today=D(2025, 12, 1)):
    return [Shown(slots, today) for _, slots in selectors.pupil_peps(pupil=pupil, academic_year=year,
                                                                     today=today).terms]


def autumn_2025(pupil, today=D(2025, 12, 1)):
    return year_slots(pupil, today=today)[0]


def overdue_now(today):
    return {slot.pupil_id: slot for slot in PepSlot.objects.overdue(today).order_by("-due")}


def test_it_counts_the_half_term_out_of_the_initial_pep_due_date(entered_2025):
    assert autumn_2025(cla(D(2025, 10, 13))).due == D(2025, 11, 17)


def test_it_keeps_the_initial_pep_out_of_the_summer_holiday_on_the_defaults():
    slots = year_slots(cla(D(2025, 7, 14)), today=D(2025, 9, 1))
    assert (slots[0].is_initial, slots[0].due) == (True, D(2025, 9, 18))


def test_it_needs_no_autumn_pep_for_a_child_who_left_the_school_on_5_september():
    pupil = cla(D(2024, 1, 8), admission_date=D(2023, 9, 4), leaving_date=D(2025, 9, 5))
    slot = autumn_2025(pupil)
    assert (slot.status, slot.reason) == (NOT_REQUIRED, LEFT_SCHOOL)


def test_it_needs_no_autumn_pep_for_a_child_adopted_on_10_september():
    pupil = cla(D(2024, 1, 8), end=D(2025, 9, 9))
    CareEpisodeFactory(pupil=pupil, kind="PLA", start_date=D(2025, 9, 10))
    slot = autumn_2025(pupil)
    assert (slot.status, slot.reason, slot.label) == (NOT_REQUIRED, LEFT_CARE, "Not needed (left care)")


def test_it_asks_for_a_new_initial_pep_when_a_child_comes_back_into_care():
    pupil = cla(D(2024, 1, 8), end=D(2025, 9, 30))
    CareEpisodeFactory(pupil=pupil, kind="CLA", start_date=D(2025, 11, 3))
    slot = autumn_2025(pupil, today=D(2025, 12, 10))
    assert (slot.is_initial, slot.due) == (True, D(2025, 12, 1))


def test_it_treats_a_change_of_legal_status_as_the_same_time_in_care():
    pupil = cla(D(2024, 1, 8), end=D(2025, 10, 31))
    CareEpisodeFactory(pupil=pupil, kind="CLA", start_date=D(2025, 11, 1))  # the next day: one care period
    slot = autumn_2025(pupil)
    assert (slot.is_initial, slot.due) == (False, D(2025, 12, 31))


def test_it_counts_a_pep_for_the_term_of_its_meeting_date(dt_user):
    pupil = looked_after_pupil()
    pep = services.pep_plan(pupil=pupil, meeting_date=D(2025, 9, 20), by=dt_user)
    assert (pep.academic_year, pep.term) == (2025, "autumn")
    PepMeeting.objects.filter(pk=pep.pk).update(status="held", term="spring")  # even if stored wrongly
    derived_rebuild([pupil.pk])
    autumn, spring, _ = year_slots(pupil, today=D(2026, 4, 30))
    assert (autumn.status, spring.status) == (ON_TIME, MISSING)


def test_it_reads_the_year_s_peps_out_of_all_the_pupil_s_and_the_casework_page_shows_the_same(
        entered_2025, login, dt_user, time_machine):
    """Last year's PEP does not count for this year's autumn, and one held after the summer term counts for the
    next autumn. Spring and summer were missed but are not overdue: a PEP was held after them (the latest held,
    found among the same PEPs)."""
    time_machine.move_to(dt.datetime(2026, 8, 10, 12, 0))
    pupil = cla(D(2023, 1, 9))
    for held_on in (D(2025, 6, 20), D(2025, 10, 15), D(2026, 7, 27)):
        PepFactory(pupil=pupil, meeting_date=held_on)
    slots = year_slots(pupil, today=D(2026, 8, 10))
    assert [(s.status, s.overdue) for s in slots] == [(ON_TIME, False), (MISSING, False), (MISSING, False)]
    assert slots[0].slot.pep.meeting_date == D(2025, 10, 15)
    response = login(dt_user).get(reverse("pep:pupil", args=[pupil.pk]))
    assert [[(s.shown_label, s.pep_id) for s in term_slots] for _, term_slots in response.context["peps_owed"].terms
            ] == [[(s.label, s.slot.pep_id)] for s in slots]


def test_it_refuses_a_pep_for_a_pupil_not_looked_after(login, dt_user, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    pupil = CareEpisodeFactory(kind="CIN").pupil
    response = login(dt_user).post(reverse("pep:pep_add", args=[pupil.pk]), {"meeting_date": "2025-11-25"})
    assert "is not looked after on 25 Nov 2025" in str(response.context["form"].errors["meeting_date"])
    assert not PepMeeting.objects.exists()


def test_it_refuses_a_pep_dated_before_the_child_came_into_care():
    pupil = cla(D(2025, 10, 1))
    with pytest.raises(ValidationError, match="not looked after on 15 Sep 2025"):
        PepMeeting(pupil=pupil, academic_year=2025, term="autumn", meeting_date=D(2025, 9, 15)).full_clean()


def test_it_keeps_an_overdue_pep_of_an_earlier_year_in_the_digest(dt_user):
    cla(D(2025, 1, 6))  # in care since January 2025, no PEP ever
    assert digest_for(dt_user, today=D(2025, 8, 31))[0].label == PEPS_DUE
    items = {item.label: item.count for item in digest_for(dt_user, today=D(2025, 9, 1))}
    assert items[PEPS_DUE] == 2  # the initial PEP of February and the summer review: both still owed


def test_it_keeps_the_oldest_overdue_pep_first(dt_user):
    pupil = cla(D(2025, 1, 6))
    overdue = overdue_now(D(2025, 11, 1))
    assert list(overdue) == [pupil.pk]
    assert overdue[pupil.pk].is_initial and overdue[pupil.pk].due == D(2025, 2, 3)


def test_the_list_of_peps_due_has_every_pep_overdue_oldest_first_and_counts_them(dt_user):
    # Each child has several overdue PEPs (the initial one and the terms' since): each is a row, the oldest first.
    from reporting.due import FIRST_SHOWN, due_items

    children = [cla(D(2025, 3, 3)), cla(D(2025, 1, 6)), cla(D(2024, 11, 4))]
    today = D(2025, 11, 1)
    owed = PepSlot.objects.overdue(today)
    item = next(i for i in due_items(dt_user, today=today, with_rows=True) if i.key == "peps_due")
    assert item.count == owed.count() > 3
    assert [(row.pupil_id, row.due) for row in item.rows] == list(
        owed.order_by("due", "pk").values_list("pupil_id", "due")[:FIRST_SHOWN])
    assert item.rows[0].pupil_id == children[2].pk and all(row.late for row in item.rows)


def test_it_counts_a_missing_pep_as_missed_once_a_later_one_is_held():
    pupil = cla(D(2024, 1, 8))
    PepFactory(pupil=pupil, academic_year=2025, term="spring", meeting_date=D(2026, 1, 20))
    autumn = autumn_2025(pupil, today=D(2026, 2, 1))
    assert (autumn.status, autumn.overdue, autumn.label) == (MISSING, False, "Missed")
    assert overdue_now(D(2026, 2, 1)) == {}


def test_it_stops_an_overdue_pep_when_the_child_leaves_care():
    pupil = cla(D(2025, 1, 6), end=D(2025, 10, 1))
    assert overdue_now(D(2025, 11, 1)) == {}
    assert not autumn_2025(pupil).overdue


def test_it_filters_the_grid_to_overdue_pep(login, dt_user, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    late = cla(D(2025, 1, 6), last_name="Overdue-Testington")
    on_track = looked_after_pupil(last_name="Ontrack-Testington")
    PepFactory(pupil=on_track, meeting_date=D(2025, 10, 15))
    body = login(dt_user).get(reverse("pep:grid"), {"overdue": "1"}).content.decode()
    assert late.last_name in body and on_track.last_name not in body
    assert "initial PEP due 3 Feb 2025" in body  # overdue from the year before, shown on this year's grid


def test_the_grid_searches_filters_to_due_and_says_how_long_overdue(login, dt_user, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    late = cla(D(2025, 1, 6), last_name="Overdue-Testington")
    on_track = looked_after_pupil(last_name="Ontrack-Testington")
    PepFactory(pupil=on_track, meeting_date=D(2025, 10, 15))
    client = login(dt_user)
    body = client.get(reverse("pep:grid"), {"show": "overdue"}).content.decode()
    assert "initial PEP due 3 Feb 2025, 9\xa0months, 2\xa0weeks ago" in body
    assert 'class="overdue"' in body and "data-print" in body
    due = client.get(reverse("pep:grid"), {"show": "due"})
    assert [r.pupil.pk for r in due.context["page"]] == [late.pk]
    found = client.get(reverse("pep:grid"), {"q": "ontrack"})
    assert [r.pupil.pk for r in found.context["page"]] == [on_track.pk]
    assert client.get(reverse("pep:grid"), {"q": on_track.upn}).context["page"].paginator.count == 1
    assert 'No looked-after child matches "zzz"' in client.get(reverse("pep:grid"), {"q": "zzz"}).content.decode()


def test_the_casework_page_and_summary_name_the_oldest_overdue_pep(login, dt_user, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))
    new = cla(D(2025, 1, 6))  # no PEP ever: the initial one is overdue
    client = login(dt_user)
    for url in (reverse("pep:pupil", args=[new.pk]), reverse("pep:pupil_summary", args=[new.pk])):
        assert "the initial PEP was due 3 Feb 2025" in client.get(url).content.decode()
    reviewed = cla(D(2024, 1, 8), admission_date=D(2023, 9, 4))
    PepFactory(pupil=reviewed, academic_year=2023, term="spring", meeting_date=D(2024, 2, 1))
    body = client.get(reverse("pep:pupil", args=[reviewed.pk])).content.decode()
    summer = Term.calendar().terms_of(2023)[2]
    assert f"Overdue: the Summer 2023/24 review was due {summer.end:%-d %b %Y}" in body
    PepFactory(pupil=reviewed, academic_year=2025, term="autumn", meeting_date=D(2025, 10, 1))
    assert 'data-testid="pep-overdue"' not in client.get(reverse("pep:pupil", args=[reviewed.pk])).content.decode()
