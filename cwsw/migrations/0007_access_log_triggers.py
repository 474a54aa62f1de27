"""The database refuses UPDATE and DELETE on the access log, whatever the client.

Note for later migrations: on SQLite, altering the access log's table rebuilds it and drops
these triggers; make them again after any such change (test_access_log_triggers.py checks).
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER cwsw_accesslog_no_update BEFORE UPDATE ON cwsw_accesslog
       WHEN cwsw_access_log_locked() BEGIN SELECT RAISE(ABORT, 'The access log cannot be changed.'); END""",
    """CREATE TRIGGER cwsw_accesslog_no_delete BEFORE DELETE ON cwsw_accesslog
       WHEN cwsw_access_log_locked() BEGIN SELECT RAISE(ABORT, 'The access log cannot be deleted.'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS cwsw_accesslog_no_update", "DROP TRIGGER IF EXISTS cwsw_accesslog_no_delete"]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION cwsw_access_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'The access log cannot be changed or deleted.' USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER cwsw_accesslog_no_change BEFORE UPDATE OR DELETE ON cwsw_accesslog
       FOR EACH ROW EXECUTE FUNCTION cwsw_access_log_refuse()""",
]
POSTGRESQL_REVERSE = ["DROP TRIGGER IF EXISTS cwsw_accesslog_no_change ON cwsw_accesslog",
                      "DROP FUNCTION IF EXISTS cwsw_access_log_refuse()"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("cwsw", "0006_closures")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
