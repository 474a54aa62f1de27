"""The database refuses to change or delete the access log, under the ORM and with raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from cwsw import dbguard
from cwsw.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(dt_user, monkeypatch):
    AccessLog.record(user=dt_user, code="pupil.viewed", pupils=[None], data={"seen": True})
    monkeypatch.setattr(dbguard, "TEST_FLUSH_ALLOWED", False)  # as in the running app
    if connection.vendor == "postgresql":  # the test suite's own connection may empty tables; the app's may not
        with connection.cursor() as cursor:
            cursor.execute("SET cwsw.test_flush = 'off'")
    yield AccessLog.objects.get()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET cwsw.test_flush = 'on'")


def refused(do):
    with pytest.raises(DatabaseError), transaction.atomic():
        do()


def test_it_refuses_an_update_that_goes_round_the_orms_guard(entry):
    refused(lambda: AccessLog._base_manager.filter(pk=entry.pk).update(code="pupil.listed"))
    assert AccessLog.objects.get().code == "pupil.viewed"


def test_it_refuses_a_raw_delete(entry):
    refused(lambda: AccessLog.objects.filter(pk=entry.pk)._raw_delete(AccessLog.objects.db))
    assert AccessLog.objects.count() == 1


@pytest.mark.parametrize("sql", ["UPDATE cwsw_accesslog SET code = 'pupil.listed'", "DELETE FROM cwsw_accesslog"])
def test_it_refuses_raw_sql(entry, sql):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    refused(run)
    assert AccessLog.objects.get().code == "pupil.viewed"


def _replace_sql(entry):
    columns = "id, user_id, contributor, pupil_id, action, code, page, object_type, data, at, detail"
    values = f"{entry.pk}, {entry.user_id}, '', NULL, 'view', 'pupil.listed', '', '', '{{}}', '2026-01-01', ''"
    if connection.vendor == "sqlite":
        return [f"INSERT OR REPLACE INTO cwsw_accesslog ({columns}) VALUES ({values})",
                f"REPLACE INTO cwsw_accesslog ({columns}) VALUES ({values})"]
    return [f"INSERT INTO cwsw_accesslog ({columns}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET code = "
            "EXCLUDED.code", "TRUNCATE cwsw_accesslog"]


def test_it_refuses_a_row_replaced_or_the_table_emptied_below_the_orm(entry):
    for sql in _replace_sql(entry):
        def run(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
        refused(run)
        assert AccessLog.objects.get().code == "pupil.viewed", sql


def test_it_still_adds_rows(entry, dt_user):
    AccessLog.record(user=dt_user, code="pupil.listed", pupils=[None])
    assert AccessLog.objects.count() == 2
