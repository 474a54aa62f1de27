from django.apps import AppConfig


class CwswConfig(AppConfig):
    name = "cwsw"
    verbose_name = "School"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .twofactor import on_login

        user_logged_in.connect(on_login, dispatch_uid="cwsw.two_factor_on_login")
