from django.apps import AppConfig


class PepConfig(AppConfig):
    name = "pep"
    verbose_name = "Casework"
