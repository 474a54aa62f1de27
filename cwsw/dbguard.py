"""The database itself refuses to change or delete the access log (triggers made by migrations 0007 and 0009).

On SQLite the triggers ask `cwsw_access_log_locked()`, a function each connection of this
app registers: any other client (the sqlite3 shell, another program) has no such function,
so its UPDATE or DELETE fails too. The test suite, which empties every table between
tests, alone sets TEST_FLUSH_ALLOWED; nothing in the app or its settings can.
"""

from typing import Any

TEST_FLUSH_ALLOWED = False


def sqlite_register_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give a new SQLite connection the function the access-log triggers consult; on PostgreSQL, let the
    test suite's own connections empty the table between tests (TRUNCATE is refused otherwise)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "cwsw_access_log_locked", 0, lambda: 0 if TEST_FLUSH_ALLOWED else 1, deterministic=False)
    elif connection.vendor == "postgresql" and TEST_FLUSH_ALLOWED:
        with connection.connection.cursor() as cursor:
            cursor.execute("SET cwsw.test_flush = 'on'")
