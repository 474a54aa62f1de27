"""PostgreSQL in production: the app logs in as a role that does not own the tables, so even with its own
connection the access log cannot be changed, emptied or have its triggers turned off (README, Production)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cwsw.models import AccessLog
from pupils.models import Pupil
from pupils.tests.factories import PupilFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
ROLE = "cwsw_app_test"

TAMPERING = [
    "UPDATE cwsw_accesslog SET code = 'pupil.listed'",
    "DELETE FROM cwsw_accesslog",
    "INSERT INTO cwsw_accesslog (id, user_id, contributor, action, code, page, object_type, data, at, detail) "
    "SELECT id, user_id, '', 'view', 'pupil.listed', '', '', '{}', at, '' FROM cwsw_accesslog "
    "ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code",
    "TRUNCATE cwsw_accesslog",
    "ALTER TABLE cwsw_accesslog DISABLE TRIGGER USER",
    "DROP TRIGGER IF EXISTS cwsw_accesslog_no_truncate ON cwsw_accesslog",
    "DROP TABLE cwsw_accesslog",
]


@pytest.fixture
def as_app_role(dt_user):
    """The suite's connection, switched to a role granted what `grant_app_role` grants (all in the test's
    transaction, so the role goes when it ends)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    call_command("grant_app_role", ROLE)
    AccessLog.record(user=dt_user, code="pupil.viewed", pupils=[None])
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.parametrize("sql", TAMPERING)
def test_the_app_s_role_cannot_change_empty_or_unguard_the_access_log(as_app_role, sql):
    # The suite's connection lets the triggers allow emptying tables: here only the role's rights refuse.
    with (pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic(),
          connection.cursor() as cursor):
        cursor.execute(sql)
    assert AccessLog.objects.get().code == "pupil.viewed"


def test_the_app_s_role_still_does_its_work(as_app_role, dt_user):
    AccessLog.record(user=dt_user, code="pupil.listed", pupils=[None])
    pupil = PupilFactory()
    Pupil.objects.filter(pk=pupil.pk).update(first_name="Demo-Renamed")
    assert AccessLog.objects.count() == 2 and Pupil.objects.get().first_name == "Demo-Renamed"


def test_it_refuses_to_grant_to_the_tables_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="the tables' owner"):
        call_command("grant_app_role", owner)
