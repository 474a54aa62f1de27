"""Attendance concerns, the contact log, SDQs due and EHC plan reviews, at their boundaries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwsw.models import Term
from cwsw.terms import SchoolCalendar, TermDates
from pupils import attendance, cohort, services
from pupils.derived import derived_rebuild
from pupils.models import AttendanceContact, AttendanceRecord, DueItem
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting.due import due_items

D = dt.date
CALENDAR = SchoolCalendar([
    TermDates(2025, "autumn", D(2025, 9, 3), D(2025, 12, 19)),
    TermDates(2025, "spring", D(2026, 1, 5), D(2026, 3, 27)),
    TermDates(2025, "summer", D(2026, 4, 13), D(2026, 7, 22)),
])


@pytest.mark.parametrize("attended, possible, concern", [
    (126, 140, True),   # exactly 90.0%: persistently absent
    (127, 140, False),  # 90.7%
    (899, 1000, True),  # 89.9%
    (901, 1000, False),  # 90.1%
])
def test_ninety_per_cent_or_lower_is_a_concern(attended, possible, concern):
    records = {(2025, "spring"): AttendanceRecord(attended_sessions=attended, possible_sessions=possible)}
    assert (attendance.concern_for(1, records, attendance.recent_terms(CALENDAR, D(2026, 2, 2))) is not None) is concern


@pytest.mark.parametrize("before, now, concern", [
    ((100, 100), (95, 100), True),    # 100% -> 95%: exactly 5 points
    ((100, 100), (96, 100), False),   # 4 points
    ((196, 200), (182, 200), True),   # 98% -> 91%: 7 points, above 90%
    ((97, 100), (921, 1000), False),  # 97% -> 92.1%: 4.9 points
])
def test_a_fall_of_five_points_since_last_term_is_a_concern(before, now, concern):
    records = {(2025, "autumn"): AttendanceRecord(attended_sessions=before[0], possible_sessions=before[1]),
               (2025, "spring"): AttendanceRecord(attended_sessions=now[0], possible_sessions=now[1])}
    found = attendance.concern_for(1, records, attendance.recent_terms(CALENDAR, D(2026, 2, 2)))
    assert (found is not None) is concern
    if found:
        assert found.fallen and "last term" in found.reasons


def test_last_term_stands_for_this_term_until_this_terms_figures_are_in():
    records = {(2025, "autumn"): AttendanceRecord(attended_sessions=80, possible_sessions=100)}
    found = attendance.concern_for(1, records, attendance.recent_terms(CALENDAR, D(2026, 1, 20)))
    assert found is not None and found.term.name == "autumn"
    # In the Easter holiday, "this term" is the spring term that has ended.
    assert attendance.recent_terms(CALENDAR, D(2026, 4, 1))[0].name == "spring"


@pytest.mark.django_db
def test_the_dashboard_lists_cohort_pupils_only(login, dsl):
    today = timezone.localdate()
    terms = attendance.recent_terms(Term.calendar(), today)
    pupil = CareEpisodeFactory(kind="CP", pupil__last_name="Lowattend").pupil
    outsider = PupilFactory(last_name="Notcohort")
    for p in (pupil, outsider):
        services.attendance_save(pupil=p, academic_year=terms[0].academic_year, term=terms[0].name,
                                 possible_sessions=100, attended_sessions=85, by=dsl)
    item = next(i for i in due_items(dsl, today=today, with_rows=True) if i.key == "attendance")
    assert item.count == 1 and item.rows[0].pupil == pupil
    page = login(dsl).get(reverse("dashboard")).content.decode()
    assert "Lowattend" in page and f"85.0% in {terms[0].label} (90% or lower)" in page and "Notcohort" not in page


@pytest.mark.django_db
def test_the_contact_log_refuses_a_future_date_and_saves_a_good_entry(login, dsl):
    pupil = CareEpisodeFactory(kind="CP").pupil
    client = login(dsl)
    url = reverse("pupils:records", args=[pupil.pk])
    save = reverse("pupils:record_save", args=[pupil.pk, "contact"])
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(save, {"contact-contacted_on": future, "contact-contacted": "carer",
                                 "contact-agreed": "Morning call"})
    assert response.context["contact_form"].errors["contacted_on"] == ["The date cannot be in the future."]
    assert not AttendanceContact.objects.exists()
    response = client.post(save, {"contact-contacted_on": timezone.localdate().isoformat(),
                                 "contact-contacted": "social_worker", "contact-name": "Demo Worker",
                                 "contact-agreed": "Taxi from Monday"})
    assert response.status_code == 302
    assert "Taxi from Monday" in client.get(url).content.decode()


@pytest.mark.django_db
def test_an_sdq_twelve_months_and_a_day_old_is_due(dt_user):
    today = timezone.localdate()
    child = CareEpisodeFactory(kind="CLA", start_date=D(2020, 1, 6)).pupil
    services.sdq_record(pupil=child, completed_on=cohort.add_years(today, -1) - dt.timedelta(days=1), total=14,
                        by=dt_user)

    def sdq_due():
        return next(i for i in due_items(dt_user, today=today) if i.key == "sdq_due").count

    assert sdq_due() == 1
    services.sdq_record(pupil=child, completed_on=cohort.add_years(today, -1), total=12, by=dt_user)  # 12 months
    assert sdq_due() == 0


@pytest.mark.django_db
def test_an_ehcp_review_is_listed_from_thirty_days_before(dt_user):
    today = timezone.localdate()
    PupilFactory(sen_status="E", ehcp_review_due=today + dt.timedelta(days=30))
    PupilFactory(sen_status="E", ehcp_review_due=today + dt.timedelta(days=31))
    PupilFactory(sen_status="E", ehcp_review_due=today - dt.timedelta(days=3))
    item = next(i for i in due_items(dt_user, today=today, with_rows=True) if i.key == "ehcp_reviews")
    assert item.count == 2


@pytest.mark.django_db
def test_only_a_pupil_with_an_ehc_plan_has_a_review_date(login, dt_user):
    pupil = PupilFactory(sen_status="K")
    response = login(dt_user).post(reverse("pupils:edit", args=[pupil.pk]), {
        "upn": pupil.upn, "first_name": "A", "last_name": "B", "date_of_birth": "2013-03-14",
        "admission_date": "2024-09-04", "sen_status": "K", "ehcp_review_due": timezone.localdate().isoformat()})
    assert "Only a pupil with an EHC plan" in response.context["form"].errors["ehcp_review_due"][0]


@pytest.mark.django_db
def test_the_concerns_take_the_same_queries_however_many_pupils(dsl, django_assert_max_num_queries):
    today = timezone.localdate()

    def count_queries(n):
        for _ in range(n):
            p = CareEpisodeFactory(kind="CP").pupil
            services.attendance_save(pupil=p, academic_year=2025, term="summer", possible_sessions=100,
                                     attended_sessions=80, by=dsl)
        due_items(dsl, today=today, with_rows=True)  # the school profile and calendar made on first use
        with django_assert_max_num_queries(20) as captured:  # every kind the DSL sees, rows included
            due_items(dsl, today=today, with_rows=True)
        return len(captured)

    assert count_queries(2) == count_queries(20)


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=st.lists(st.one_of(st.none(), st.tuples(st.integers(0, 150), st.integers(0, 150))),
                      min_size=4, max_size=4),
       today=st.sampled_from([D(2025, 12, 1), D(2025, 12, 25), D(2026, 2, 2), D(2026, 4, 1), D(2026, 5, 1)]))
def test_what_is_due_lists_the_concern_the_rule_finds(terms, today, dsl):
    """The stored "what is due" rows (the dashboard's, the digest's) against `attendance_concerns` (the rule), for
    a pupil in the cohort with or without figures in each of four terms (none possible included), on days in
    and out of term; the records are saved one by one, in any order, as the forms save them."""
    for term in CALENDAR.terms_of(2025):
        Term.objects.get_or_create(academic_year=2025, name=term.name,
                                   defaults={"start_date": term.start, "end_date": term.end})
    pupil = CareEpisodeFactory(kind="CP", start_date=D(2020, 1, 6)).pupil
    previous_summer = [(2024, "summer")]
    for (year, term), figures in zip(previous_summer + [(2025, t.name) for t in CALENDAR.terms_of(2025)], terms,
                                     strict=True):
        if figures is not None:
            services.attendance_save(pupil=pupil, academic_year=year, term=term, attended_sessions=min(figures),
                                     possible_sessions=max(figures), by=dsl)
    expected = [c.pupil_id for c in attendance.attendance_concerns([pupil.pk], calendar=CALENDAR, today=today)]
    listed = DueItem.objects.on(today).filter(kind="attendance", pupil=pupil).values_list("pupil_id", flat=True)
    assert list(listed) == expected
    pupil.attendance_records.all().delete()
    pupil.delete()


@pytest.mark.django_db
def test_the_stored_concern_follows_the_term_before_when_it_changes_or_goes(dsl):
    pupil = PupilFactory()

    def save(term, attended):
        return services.attendance_save(pupil=pupil, academic_year=2025, term=term, attended_sessions=attended,
                                        possible_sessions=100, by=dsl)

    save("autumn", 100)
    spring = save("spring", 94)
    spring.refresh_from_db()
    assert spring.concern  # down 6 points on 100%, though above 90%
    save("autumn", 96)
    spring.refresh_from_db()
    assert not spring.concern  # down 2 points now
    save("autumn", 100)
    pupil.attendance_records.filter(term="autumn").delete()
    derived_rebuild([pupil.pk])
    spring.refresh_from_db()
    assert not spring.concern  # nothing to fall from
