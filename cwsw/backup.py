"""Backup and restore: the whole database and the uploaded files in one dated archive.

A backup is a gzipped tar holding `data.json` (Django's serialised rows, foreign keys by
natural key, primary keys kept so the access log still points at the right pupils),
`manifest.json` (when, from which migrations, how many rows of each model) and
`media/` (the uploaded and generated files). The rows are read inside one transaction,
at REPEATABLE READ on PostgreSQL, so the copy is of one moment even while people work.

A restore goes only into an empty installation (migrated, no data, no files), loads the
rows in one transaction, copies the files, and checks every model's count against the
manifest.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .signals import backup_restored

FORMAT = 1
# Made again by `migrate`, so not copied: the restore's own are the same.
NOT_COPIED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
# Rows a migration puts in every new installation; a restore replaces them with the backup's.
# Apps add their own models here in AppConfig.ready() (made_by_migrations_register).
MADE_BY_MIGRATIONS = {"auth.group", "cwsw.schoolprofile"}


def made_by_migrations_register(label: str) -> None:
    """Say that a migration of the calling app fills this model (e.g. "pep.ppplusrate")."""
    MADE_BY_MIGRATIONS.add(label.lower())


class RestoreRefused(Exception):
    pass


@dataclass
class BackupResult:
    path: Path
    rows: int
    files: int


def _models_copied() -> list[str]:
    return sorted(
        m._meta.label_lower for m in apps.get_models()
        if m._meta.label_lower not in NOT_COPIED and not m._meta.proxy and m._meta.managed
    )


def backup_write(output_dir: Path) -> BackupResult:
    """Write cwsw-backup-<date>-<time>.tar.gz in output_dir and return where it is."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"cwsw-backup-{stamp}"
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{name}.tar.gz"

    data = io.StringIO()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table read below (the first statement of the transaction).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata", *_models_copied(), natural_foreign=True, indent=None, stdout=data,
            verbosity=0,
        )
        migrations = sorted(MigrationRecorder(connection).applied_migrations())
    rows = json.loads(data.getvalue())
    counts = Counter(row["model"] for row in rows)
    media_root = Path(settings.MEDIA_ROOT)
    files = sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
    manifest = {
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": [f"{app}.{migration}" for app, migration in migrations],
        "counts": dict(sorted(counts.items())),
        "files": [str(p.relative_to(media_root)) for p in files],
    }
    partial = path.with_suffix(".partial")
    # Readable by its owner only, from the moment it exists: it holds every record, password
    # hashes and two-factor secrets.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode is narrowed by the umask, never widened; be explicit
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        _add_bytes(archive, f"{name}/manifest.json", json.dumps(manifest, indent=2).encode())
        _add_bytes(archive, f"{name}/data.json", data.getvalue().encode())
        for p in files:
            archive.add(p, arcname=f"{name}/media/{p.relative_to(media_root)}")
    partial.rename(path)  # never a half-written file under the final name
    return BackupResult(path=path, rows=len(rows), files=len(files))


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(content))


def backup_restore(path: Path) -> dict[str, int]:
    """Restore a backup into this (migrated, empty) installation; return the rows per model."""
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(work, filter="data")
        folders = [p for p in Path(work).iterdir() if p.is_dir()]
        if len(folders) != 1 or not (folders[0] / "manifest.json").exists():
            raise RestoreRefused(f"{path} is not a backup made by `manage.py backup`.")
        folder = folders[0]
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise RestoreRefused("This backup was made by a different version of the backup format.")
        _check_migrations(manifest)
        _check_empty(media_root)

        with transaction.atomic():
            for label in MADE_BY_MIGRATIONS:
                apps.get_model(label)._default_manager.all().delete()
            call_command("loaddata", str(folder / "data.json"), verbosity=0)
            backup_restored.send(sender=None)
            restored = {label: apps.get_model(label)._default_manager.count() for label in manifest["counts"]}
            if restored != manifest["counts"]:
                wrong = {k: (n, restored[k]) for k, n in manifest["counts"].items() if restored[k] != n}
                raise RestoreRefused(f"The restored row counts differ from the backup's: {wrong}")
        if (folder / "media").exists():
            shutil.copytree(folder / "media", media_root, dirs_exist_ok=True)
    return restored


def _check_migrations(manifest: dict) -> None:
    here = {f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()}
    missing = set(manifest["migrations"]) - here
    if missing:
        raise RestoreRefused(
            "This installation is missing migrations the backup was made with "
            f"({', '.join(sorted(missing)[:5])}). Install the same or a later version and run migrate."
        )


def _check_empty(media_root: Path) -> None:
    holding = {
        label: n for label in _models_copied()
        if label not in MADE_BY_MIGRATIONS and (n := apps.get_model(label)._default_manager.count())
    }
    if holding:
        listed = ", ".join(f"{n} {label}" for label, n in sorted(holding.items())[:5])
        raise RestoreRefused(
            f"This installation already has data ({listed}). A backup is restored only into an empty "
            "installation: a new database, migrated, with nothing else in it."
        )
    if media_root.exists() and any(p.is_file() for p in media_root.rglob("*")):
        raise RestoreRefused(f"The uploaded-files folder {media_root} is not empty.")
