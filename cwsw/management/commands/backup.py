from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from cwsw.backup import backup_write


class Command(BaseCommand):
    help = "Write a dated backup (database and uploaded files) as one .tar.gz archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output-dir", default="backups", help="Folder to write to (default: backups).")

    def handle(self, *args: Any, output_dir: str, **options: Any) -> None:
        result = backup_write(Path(output_dir))
        self.stdout.write(self.style.SUCCESS(
            f"Backup written: {result.path} ({result.rows} rows, {result.files} files)."
        ))
