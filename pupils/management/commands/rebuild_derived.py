from typing import Any

from django.core.management.base import BaseCommand

from pupils.derived import derived_rebuild_all


class Command(BaseCommand):
    help = ("Work out again every pupil's derived facts (category spells, PEP slots, what is due...) from their "
            "records: after an upgrade, or to check. The nightly task does the same.")

    def handle(self, *args: Any, **options: Any) -> None:
        pupils = derived_rebuild_all()
        self.stdout.write(self.style.SUCCESS(f"Derived facts worked out again for {pupils} pupils."))
