from django.apps import AppConfig


class CwswConfig(AppConfig):
    name = "cwsw"
    verbose_name = "School"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from . import audit_words
        from .audit import words_register
        from .dbguard import sqlite_register_guard
        from .failures import task_register
        from .tasks import mark_stalled_builds, send_password_reset
        from .twofactor import on_login

        words_register(audit_words)
        task_register(name=send_password_reset.name, label="Forgotten-password e-mail")
        task_register(name=mark_stalled_builds.name, label="Marking stalled builds failed")
        user_logged_in.connect(on_login, dispatch_uid="cwsw.two_factor_on_login")
        connection_created.connect(sqlite_register_guard, dispatch_uid="cwsw.sqlite_access_log_guard")
