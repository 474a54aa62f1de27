from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cwsw.backup import RestoreRefused, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty installation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="The .tar.gz file `manage.py backup` wrote.")

    def handle(self, *args: Any, archive: str, **options: Any) -> None:
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        call_command("migrate", verbosity=0, interactive=False)
        try:
            counts = backup_restore(path)
        except RestoreRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(self.style.SUCCESS(
            f"Restored {sum(counts.values())} rows of {len(counts)} kinds from {path}; "
            "every count matches the backup."
        ))
