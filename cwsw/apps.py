from django.apps import AppConfig


class CwswConfig(AppConfig):
    name = "cwsw"
    verbose_name = "School"
