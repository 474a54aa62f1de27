"""Alternative provision and part-time timetables: the record's rules, reviews due, the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pep import services
from pep.models import PepMeeting, PepTarget, Provision
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting.due import due_items

GOOD = {
    "kind": "alternative", "provider": "Demo Valley Learning Centre", "start_date": "", "end_date": "",
    "hours_a_week": "15", "full_time_hours": "25", "reason": "Two mornings a week of vocational study",
    "review_due": "", "vs_agreed_on": "", "target": "",
}


def form_data(today, **changes):
    data = GOOD | {"start_date": (today - dt.timedelta(days=7)).isoformat(),
                   "review_due": (today + dt.timedelta(days=35)).isoformat()}
    return data | changes


def looked_after(**pupil):
    return CareEpisodeFactory(kind="CLA", start_date=dt.date(2022, 1, 10), pupil__admission_date=dt.date(2021, 9, 1),
                              **{f"pupil__{k}": v for k, v in pupil.items()}).pupil


@pytest.mark.django_db
@pytest.mark.parametrize("changes, field, message", [
    ({"provider": ""}, "provider", "Enter who provides the alternative provision."),
    ({"end_date": "START-1"}, "end_date", "The end cannot be before the start."),
    ({"hours_a_week": "26"}, "hours_a_week", "more than full time (25 hours)"),
    ({"hours_a_week": "20", "full_time_hours": "18"}, "hours_a_week", "more than full time (18 hours)"),
    ({"review_due": "START-1"}, "review_due", "The review cannot be before the arrangement starts."),
    ({"vs_agreed_on": "TOMORROW"}, "vs_agreed_on", "cannot be in the future"),
    ({"start_date": "2020-09-01", "review_due": "2020-10-01"}, "start_date", "The pupil was admitted on 1 Sep 2021"),
    ({"hours_a_week": "0"}, "hours_a_week", "Enter 0.5 or more."),
    # The calendar's own ends: a rule counting a year from them would overflow.
    ({"start_date": "0001-01-01", "vs_agreed_on": "2025-01-01"}, "start_date", "Enter a date between 1900 and 2100"),
    ({"start_date": "9999-12-31", "review_due": "9999-12-31"}, "review_due", "Enter a date between 1900 and 2100"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(login, dt_user, changes, field, message):
    today = timezone.localdate()
    pupil = looked_after()
    data = form_data(today)
    start = dt.date.fromisoformat(data["start_date"])
    words = {"START-1": (start - dt.timedelta(days=1)).isoformat(),
             "TOMORROW": (today + dt.timedelta(days=1)).isoformat()}
    data |= {k: words.get(v, v) for k, v in changes.items()}
    response = login(dt_user).post(reverse("pep:provision_add", args=[pupil.pk]), data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field]), response.context["form"].errors
    assert not Provision.objects.exists()


@pytest.mark.django_db
def test_a_target_of_another_pupil_cannot_be_chosen(login, dt_user):
    today = timezone.localdate()
    pupil, other = looked_after(), looked_after()
    pep = PepMeeting.objects.create(pupil=other, academic_year=2025, term="autumn", meeting_date=dt.date(2025, 10, 1))
    theirs = PepTarget.objects.create(pep=pep, area="reading", description="Read", success_criteria="Log", owner="DT")
    response = login(dt_user).post(reverse("pep:provision_add", args=[pupil.pk]), form_data(today, target=theirs.pk))
    assert "target" in response.context["form"].errors
    assert not Provision.objects.exists()


@pytest.mark.django_db
def test_a_good_record_is_saved_shown_and_flags_the_missing_virtual_school_agreement(login, dt_user):
    today = timezone.localdate()
    pupil = looked_after()
    pep = PepMeeting.objects.create(pupil=pupil, academic_year=2025, term="autumn", meeting_date=dt.date(2025, 10, 1))
    target = PepTarget.objects.create(pep=pep, area="attendance", description="Full days by spring",
                                      success_criteria="Register", owner="DT")
    client = login(dt_user)
    response = client.post(reverse("pep:provision_add", args=[pupil.pk]),
                           form_data(today, kind="part_time", provider="", hours_a_week="12.5", target=target.pk))
    assert response.status_code == 302
    provision = Provision.objects.get()
    assert provision.hours_a_week == Decimal("12.5") and provision.share_of_full_time == Decimal("50")
    page = client.get(reverse("pep:pupil", args=[pupil.pk])).content.decode()
    assert "12.5 of 25 hours a week (50% of full time)" in page
    assert "No Virtual School agreement recorded" in page and "PEP target: Attendance: Full days" in page
    # The Virtual School's agreement recorded on the edit page: the warning goes.
    data = form_data(today, kind="part_time", provider="", hours_a_week="12.5", target=target.pk,
                     vs_agreed_on=(today - dt.timedelta(days=8)).isoformat(),
                     start_date=provision.start_date.isoformat(), review_due=provision.review_due.isoformat())
    assert client.post(reverse("pep:provision_edit", args=[provision.pk]), data).status_code == 302
    page = client.get(reverse("pep:pupil", args=[pupil.pk])).content.decode()
    assert "No Virtual School agreement recorded" not in page and "Virtual School agreed" in page


@pytest.mark.django_db
def test_a_review_is_due_from_fourteen_days_before_and_while_overdue(dsl):
    today = timezone.localdate()
    start = today - dt.timedelta(days=60)

    def arrangement(review_in_days, end=None):
        return services.provision_save(
            pupil=PupilFactory(admission_date=dt.date(2020, 9, 1)), kind="part_time", start_date=start, end_date=end,
            hours_a_week=Decimal("10"), full_time_hours=Decimal("25"), reason="Reduced timetable",
            review_due=today + dt.timedelta(days=review_in_days), by=dsl)

    due_in_14, overdue = arrangement(14), arrangement(-3)
    arrangement(15)                                     # not yet
    arrangement(-10, end=today - dt.timedelta(days=1))  # ended: no review needed
    item = next(i for i in due_items(dsl, today=today, with_rows=True) if i.key == "provision_reviews")
    assert item.count == 2 and [row.ref for row in item.rows] == [overdue.pk, due_in_14.pk]
    assert item.url == reverse("reporting:due_list", args=["provision_reviews"])
    assert [row.where for row in item.rows] == [reverse("pep:provision_edit", args=[p.pk])
                                                for p in (overdue, due_in_14)]


@pytest.mark.django_db
def test_the_list_puts_overdue_reviews_first_in_the_same_queries_however_many(login, head,
                                                                               django_assert_max_num_queries):
    today = timezone.localdate()
    client = login(head)

    def add(n):
        for i in range(n):
            Provision.objects.create(
                pupil=looked_after(last_name=f"Apchild{i}"), kind="alternative", provider="Demo Farm School",
                start_date=today - dt.timedelta(days=30), hours_a_week=Decimal("20"), reason="Vocational",
                review_due=today + dt.timedelta(days=i - 2))

    def queries():
        client.get(reverse("pep:provisions"))
        with django_assert_max_num_queries(30) as captured:
            page = client.get(reverse("pep:provisions")).content.decode()
        return len(captured), page

    add(2)
    few, page = queries()
    assert page.index("Apchild0") < page.index("Apchild1")  # review 2 days ago first
    assert "Review overdue" in page and "No Virtual School agreement recorded" in page
    add(10)
    assert queries()[0] == few


@pytest.mark.django_db
def test_a_new_arrangement_is_a_share_of_the_school_s_week_32_5_hours_unless_set(login, dt_user, settings):
    pupil = looked_after()
    form = login(dt_user).get(reverse("pep:provision_add", args=[pupil.pk])).context["form"]
    assert form["full_time_hours"].value() == Decimal("32.5")
    settings.SCHOOL_WEEK_HOURS = 31
    form = login(dt_user).get(reverse("pep:provision_add", args=[pupil.pk])).context["form"]
    assert form["full_time_hours"].value() == Decimal("31")


@pytest.mark.django_db
def test_an_empty_choice_says_choose_not_dashes(login, dt_user):
    page = login(dt_user).get(reverse("pep:provision_add", args=[looked_after().pk])).content.decode()
    assert '<option value="" selected>Choose…</option>' in page and "---------" not in page


@pytest.mark.django_db
def test_the_list_exports_what_it_shows_today_s_arrangements_then_those_ended(login, dt_user):
    import csv
    import io

    from cwsw.models import AccessLog

    today = timezone.localdate()
    current = looked_after(last_name="Demo-Current")
    services.provision_save(pupil=current, kind="part_time", start_date=today - dt.timedelta(days=20),
                            hours_a_week=Decimal("12.5"), full_time_hours=Decimal("32.5"), reason="Phased return",
                            review_due=today - dt.timedelta(days=2), by=dt_user)
    ended = looked_after(last_name="Demo-Ended")
    services.provision_save(pupil=ended, kind="alternative", provider="Demo Farm School",
                            start_date=today - dt.timedelta(days=90), end_date=today - dt.timedelta(days=10),
                            hours_a_week=Decimal("10"), full_time_hours=Decimal("32.5"), reason="Vocational",
                            review_due=today - dt.timedelta(days=30), vs_agreed_on=today - dt.timedelta(days=92),
                            by=dt_user)
    response = login(dt_user).get(reverse("pep:provisions_export"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[1].split(",")[0] for row in rows[1:]] == ["Demo-Current", "Demo-Ended"]
    assert rows[1][2:4] == ["CLA", "Part-time timetable"] and rows[1][7:11] == [
        "12.5", "32.5", (today - dt.timedelta(days=2)).isoformat(), "yes"]
    assert rows[2][4] == "Demo Farm School" and rows[2][10] == "no"
    assert AccessLog.objects.filter(code="provision.exported").count() == 2


@pytest.mark.django_db
def test_the_list_shows_and_exports_one_kind_of_arrangement(login, dt_user):
    today = timezone.localdate()
    for last_name, kind in (("Demo-Parttime", "part_time"), ("Demo-Farm", "alternative")):
        services.provision_save(pupil=looked_after(last_name=last_name), kind=kind, provider="Demo Provider",
                                start_date=today - dt.timedelta(days=20), hours_a_week=Decimal("10"),
                                full_time_hours=Decimal("32.5"), reason="Demo", review_due=today + dt.timedelta(days=9),
                                vs_agreed_on=today - dt.timedelta(days=22), by=dt_user)
    client = login(dt_user)
    response = client.get(reverse("pep:provisions"), {"kind": "part_time"})
    assert [p.pupil.last_name for p in response.context["current"]] == ["Demo-Parttime"]
    assert '?kind=part_time" data-testid="provisions-export"' in response.content.decode()  # the export follows
    export = client.get(reverse("pep:provisions_export"), {"kind": "alternative"}).content.decode()
    assert "Demo-Farm" in export and "Demo-Parttime" not in export
    assert len(client.get(reverse("pep:provisions")).context["current"]) == 2
    by_name = client.get(reverse("pep:provisions"), {"ordering": "name"}).context["current"]
    assert [p.pupil.last_name for p in by_name] == ["Demo-Farm", "Demo-Parttime"]
