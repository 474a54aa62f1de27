"""The database refuses to change or delete the access log, under the ORM and with raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from cwsw import dbguard
from cwsw.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(dt_user, monkeypatch):
    AccessLog.record(user=dt_user, action=AccessLog.VIEW, pupils=[None], detail="seen")
    monkeypatch.setattr(dbguard, "TEST_FLUSH_ALLOWED", False)  # as in the running app
    return AccessLog.objects.get()


def refused(do):
    with pytest.raises(DatabaseError), transaction.atomic():
        do()


def test_it_refuses_an_update_that_goes_round_the_orms_guard(entry):
    refused(lambda: AccessLog._base_manager.filter(pk=entry.pk).update(detail="edited"))
    assert AccessLog.objects.get().detail == "seen"


def test_it_refuses_a_raw_delete(entry):
    refused(lambda: AccessLog.objects.filter(pk=entry.pk)._raw_delete(AccessLog.objects.db))
    assert AccessLog.objects.count() == 1


@pytest.mark.parametrize("sql", ["UPDATE cwsw_accesslog SET detail = 'edited'", "DELETE FROM cwsw_accesslog"])
def test_it_refuses_raw_sql(entry, sql):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    refused(run)
    assert AccessLog.objects.get().detail == "seen"


def test_it_still_adds_rows(entry, dt_user):
    AccessLog.record(user=dt_user, action=AccessLog.LIST, pupils=[None])
    assert AccessLog.objects.count() == 2
