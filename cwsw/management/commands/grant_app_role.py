"""PostgreSQL: give the role the app logs in as what it needs on every table, and on the access log no more
than to add and read rows (README, Production). Run as the tables' owner, after every `migrate`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from cwsw.models import AccessLog

# Tables the app may add to and read, never change, delete from or empty.
APPEND_ONLY = {AccessLog._meta.db_table}


class Command(BaseCommand):
    help = ("PostgreSQL: grant ROLE (the role the app logs in as) SELECT, INSERT, UPDATE and DELETE on every "
            "table, but only SELECT and INSERT on the access log. Run as the tables' owner after every migrate.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the PostgreSQL role the app logs in as (not the tables' owner)")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Only for PostgreSQL: a SQLite file has no roles (its triggers still guard the log).")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, pg_has_role(%s, current_user, 'MEMBER')", [role])
            owner, same = cursor.fetchone()
        if same:
            raise CommandError(f"{role} is (or includes) {owner}, the tables' owner: the app must log in as a "
                               "role that does not own them, or it could turn the access log's triggers off.")
        tables = connection.introspection.table_names(include_views=False)
        who = quote(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {who}")
            for table in tables:
                allowed = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
                cursor.execute(f"REVOKE ALL ON TABLE {quote(table)} FROM {who}")
                cursor.execute(f"GRANT {allowed} ON TABLE {quote(table)} TO {who}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}")
        self.stdout.write(f"{role}: {len(tables)} tables; {', '.join(sorted(APPEND_ONLY))} add and read only.")
