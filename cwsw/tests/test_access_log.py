import pytest

from cwsw.models import AccessLog
from pupils.tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(dt_user):
    AccessLog.record(user=dt_user, code="pupil.viewed", pupils=[PupilFactory()])
    return AccessLog.objects.get()


def test_it_cannot_be_changed(entry):
    entry.action = AccessLog.EXPORT
    with pytest.raises(PermissionError):
        entry.save()


def test_it_cannot_be_deleted(entry):
    with pytest.raises(PermissionError):
        entry.delete()


def test_it_cannot_be_deleted_or_updated_in_bulk(entry):
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(action="view")


def test_it_outlives_the_pupil_it_names(entry):
    pupil_id = entry.pupil_id
    PupilFactory._meta.model.objects.filter(pk=pupil_id).delete()
    assert AccessLog.objects.get().pupil_id == pupil_id


def test_it_lets_nobody_add_change_or_delete_in_the_admin(admin_client, entry):
    assert admin_client.get(f"/admin/cwsw/accesslog/{entry.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/cwsw/accesslog/add/").status_code == 403
    response = admin_client.post(f"/admin/cwsw/accesslog/{entry.pk}/change/", {"action": "export"})
    assert response.status_code == 403
    assert AccessLog.objects.get().action == "view"


# The headteacher's view of the log.

def logged(user, action, pupil, when):
    import time_machine

    with time_machine.travel(when, tick=False):
        code = {"view": "pupil.viewed", "change": "pupil.changed", "export": "register.exported",
                "download": "pep.downloaded"}[action]
        AccessLog.record(user=user, code=code, pupils=[pupil])


@pytest.fixture
def history(dt_user, dsl):
    import datetime as dt

    first, second = PupilFactory(last_name="Firstpupil"), PupilFactory(last_name="Secondpupil")
    logged(dt_user, AccessLog.VIEW, first, dt.datetime(2026, 9, 7, 10, tzinfo=dt.UTC))
    logged(dsl, AccessLog.CHANGE, first, dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC))
    logged(dt_user, AccessLog.EXPORT, second, dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC))
    logged(dsl, AccessLog.DOWNLOAD, second, dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC))
    return first, second


def entries(client, **query):
    from django.urls import reverse

    response = client.get(reverse("pupils:access_log"), query)
    assert response.status_code == 200
    return response, [(e.user.username, e.action, e.pupil_id) for e in response.context["page"]]


def test_it_shows_the_head_who_did_what_to_which_pupil_newest_first(login, head, history):
    first, second = history
    response, rows = entries(login(head))
    assert rows == [("dsl", "download", second.pk), ("dt", "export", second.pk),
                    ("dsl", "change", first.pk), ("dt", "view", first.pk)]
    assert "Secondpupil" in response.content.decode()


def test_it_lets_the_head_filter_by_user_date_action_and_pupil(login, head, dt_user, history):
    first, second = history
    client = login(head)

    def others(**query):  # the head's own reading of this page is logged too (see the next test)
        return [row for row in entries(client, **query)[1] if row[0] != "head"]

    assert others(user=dt_user.pk) == [("dt", "export", second.pk), ("dt", "view", first.pk)]
    assert others(since="2026-09-30", until="2026-10-20") == [("dt", "export", second.pk), ("dsl", "change", first.pk)]
    assert others(action="download") == [("dsl", "download", second.pk)]
    assert others(pupil=first.pk) == [("dsl", "change", first.pk), ("dt", "view", first.pk)]
    assert others(q="secondpupil") == [("dsl", "download", second.pk), ("dt", "export", second.pk)]


def test_it_logs_the_pupils_the_log_page_itself_names(login, head, history):
    first, second = history
    entries(login(head))
    shown = AccessLog.objects.filter(user=head, action="view", code="pupil.viewed", page="pupils:access_log")
    assert set(shown.values_list("pupil_id", flat=True)) == {first.pk, second.pk}


def test_it_refuses_dates_the_wrong_way_round_next_to_the_field(login, head, history):
    response, rows = entries(login(head), since="2026-10-20", until="2026-09-30")
    assert rows == []
    assert response.context["form"].errors["until"] == ["The 'to' date is before the 'from' date."]
    assert "The &#x27;to&#x27; date is before the &#x27;from&#x27; date." in response.content.decode()


def test_it_keeps_a_deleted_pupils_entries_and_says_so(login, head, history):
    first, _ = history
    pk = first.pk
    first.delete()
    response, rows = entries(login(head), pupil=pk)
    assert len(rows) == 2
    assert f"Deleted record (pupil number {pk})" in response.content.decode()


def test_it_runs_the_log_page_in_the_same_queries_however_long_the_log(
    login, head, dt_user, history, django_assert_max_num_queries,
):
    client = login(head)
    with django_assert_max_num_queries(13) as few:  # 13: the page logs the pupils it names, in one INSERT
        entries(client)
    AccessLog.record(user=dt_user, code="pupil.listed", pupils=PupilFactory.create_batch(120))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response, rows = entries(client)
    # 4 + 120 rows, and 2 for the head's first reading of the page (it named the two pupils).
    assert len(rows) == 50 and response.context["page"].paginator.count == 126


def test_it_says_what_was_done_and_where_in_words_not_codes_or_paths(login, head, dt_user):
    from django.urls import reverse

    from pep import services
    from pep.tests.factories import TargetFactory

    target = TargetFactory()
    services.pep_complete(pep=target.pep, by=dt_user)
    login(dt_user).get(reverse("pupils:detail", args=[target.pep.pupil_id]))
    body = login(head).get(reverse("pupils:access_log")).content.decode()
    table = body.split('data-testid="access-log"')[1].split("</table>")[0]
    assert "Signed off a PEP" in table and "A pupil&#x27;s page" in table
    assert "pep.completed" not in table and ">/pupils/" not in table and "Shown on" not in table
    row = AccessLog.objects.get(code="pep.completed")
    assert (row.object_type, row.object_id, row.action) == ("pep.pepmeeting", target.pep.pk, "change")


def test_it_filters_by_what_was_done_and_shows_a_requests_rows_together(login, head, dt_user):
    from django.urls import reverse

    PupilFactory.create_batch(3)
    login(dt_user).get(reverse("pupils:list"), {"category": "all"})
    listed = AccessLog.objects.filter(code="pupil.listed")
    assert listed.count() == 3 and len({row.request_id for row in listed}) == 1
    response = login(head).get(reverse("pupils:access_log"), {"code": "pupil.listed"})
    groups = response.context["groups"]
    assert [(g.first.code, len(g.entries)) for g in groups] == [("pupil.listed", 3)]
    assert "3 pupils" in response.content.decode()
    one_request = login(head).get(reverse("pupils:access_log"), {"request": str(listed[0].request_id)})
    assert {e.pk for e in one_request.context["page"]} == set(listed.values_list("pk", flat=True))


def test_it_exports_a_pupils_entries_for_a_subject_access_request_and_logs_the_export(login, head, history):
    import csv
    import io

    from django.urls import reverse

    first, second = history
    response = login(head).get(reverse("pupils:access_log_export"), {"pupil": first.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["When", "Who", "What"]
    assert [row[2] for row in rows[1:]] == ["Viewed", "Changed the pupil's details"]
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    assert AccessLog.objects.filter(user=head, pupil_id=first.pk, code="accesslog.exported",
                                    data__entries=2).exists()
    assert login(head).get(reverse("pupils:access_log_export"), {"pupil": "x"}).status_code == 404


def test_it_exports_the_entries_the_filters_hold_with_each_pupil_and_logs_it(login, head, dsl, history):
    import csv
    import io

    from django.urls import reverse

    first, second = history
    client = login(head)
    response = client.get(reverse("pupils:access_log_export"), {"user": dsl.pk, "since": "2026-10-01"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-1] == "Pupil" and [(row[1], row[-1]) for row in rows[1:]] == [
        (dsl.get_full_name() or dsl.username, first.upn), (dsl.get_full_name() or dsl.username, second.upn)]
    exported = AccessLog.objects.filter(user=head, code="accesslog.exported")
    assert set(exported.values_list("pupil_id", flat=True)) == {first.pk, second.pk}
    page = client.get(reverse("pupils:access_log"), {"user": dsl.pk}).content.decode()
    assert f"?user={dsl.pk}\" data-testid=\"log-export\"" in page  # the link carries the filters
    bad = client.get(reverse("pupils:access_log_export"), {"since": "2026-10-02", "until": "2026-10-01"})
    assert bad.status_code == 302  # back to the page, which says what to correct


def test_a_read_of_names_without_the_id_is_logged_and_gives_back_only_what_was_asked(dt_user, client):
    from cwsw import accesslog
    from pupils.models import Pupil

    pupils = PupilFactory.create_batch(2)
    token_shown, token_logged = accesslog._shown.set(set()), accesslog._logged.set(set())
    try:
        names = sorted(Pupil.objects.values_list("last_name", flat=True))
        pairs = list(Pupil.objects.values_list("first_name", "last_name"))
        dicts = list(Pupil.objects.values("first_name"))
        named = list(Pupil.objects.values_list("last_name", named=True))
        assert accesslog._shown.get() == {p.pk for p in pupils}
    finally:
        accesslog._shown.reset(token_shown)
        accesslog._logged.reset(token_logged)
    assert names == sorted(p.last_name for p in pupils)
    assert all(len(pair) == 2 for pair in pairs) and all(set(d) == {"first_name"} for d in dicts)
    assert {n.last_name for n in named} == {p.last_name for p in pupils} and named[0]._fields == ("last_name",)
