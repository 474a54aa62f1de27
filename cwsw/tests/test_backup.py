"""Backup and restore: a backup restored into an empty installation holds every record."""

import io
import json
import os
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwsw.backup import _models_copied, backup_write
from cwsw.models import AccessLog
from cwsw.tests.auth import totp_device
from pupils.models import Pupil
from reporting.models import GovernorReport

BASE_DIR = Path(settings.BASE_DIR)


def rows_of(dump: str) -> list[str]:
    # Django writes a time to the millisecond: one at .000512 s is written "…:20.000Z" and, read back as
    # .000, written again "…:20Z". The same time: compared as written the second way.
    return sorted(json.dumps(row, sort_keys=True).replace('.000Z"', 'Z"') for row in json.loads(dump))


def every_row_here() -> list[str]:
    out = StringIO()
    call_command("dumpdata", *_models_copied(), natural_foreign=True, stdout=out, verbosity=0)
    return rows_of(out.getvalue())


def manage(*args, database, media):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    environment.update(DATABASE_URL=f"sqlite:///{database}", MEDIA_ROOT=str(media))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def school(settings, tmp_path, head):
    """A demo school with every kind of record, a generated report file and a 2FA device."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", pupils=150, stdout=StringIO())
    report = GovernorReport.objects.create(academic_year=2025, status="ready", requested_by=head)
    report.pdf.save("governors-2025.pdf", ContentFile(b"%PDF-1.4 synthetic report"))
    AccessLog.record(user=head, code="pupil.viewed", pupils=Pupil.objects.all()[:5])
    totp_device(head)
    return report


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_backup_into_an_empty_installation_with_every_record(school, tmp_path):
    result = backup_write(tmp_path / "backups")
    assert result.path.name.startswith("cwsw-backup-") and result.path.name.endswith(".tar.gz")
    assert result.files == 1
    before = every_row_here()
    assert len(before) == result.rows
    with tarfile.open(result.path) as archive:
        manifest = json.load(archive.extractfile(f"{result.path.name.removesuffix('.tar.gz')}/manifest.json"))
    kinds = {"pupils.pupil", "pupils.careepisode", "pupils.historicalpupil", "pep.pepmeeting", "pep.peptarget",
             "pep.ppplusallocation", "pep.ppplusspend", "pep.exclusionconsultation", "cwsw.accesslog",
             "reporting.governorreport", "otp_totp.totpdevice", "auth.user"}
    assert kinds <= set(manifest["counts"])

    target, target_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    restored = manage("restore", str(result.path), database=target, media=target_media)
    assert restored.returncode == 0, restored.stderr
    assert "every count matches the backup" in restored.stdout

    dumped = manage("dumpdata", *_models_copied(), "--natural-foreign", database=target, media=target_media)
    assert dumped.returncode == 0, dumped.stderr
    after = rows_of(dumped.stdout)
    assert after == before
    assert (target_media / school.pdf.name).read_bytes() == b"%PDF-1.4 synthetic report"

    # A second restore into the now-full installation is refused, and changes nothing.
    again = manage("restore", str(result.path), database=target, media=target_media)
    assert again.returncode != 0
    assert "This installation already has data" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_backup_made_before_the_spells_carried_the_dates_on_roll(school, tmp_path):
    """Restoring into a later version: the restore fills in the spells' copies of the pupils' dates."""
    result = backup_write(tmp_path / "backups")
    older = tmp_path / "older.tar.gz"
    with tarfile.open(result.path) as source, tarfile.open(older, "w:gz") as copy:
        for member in source.getmembers():
            content = source.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("/data.json"):
                rows = json.loads(content)
                for row in rows:
                    if row["model"] == "pupils.categoryspell":
                        del row["fields"]["admission_date"], row["fields"]["leaving_date"]
                content = json.dumps(rows).encode()
                member.size = len(content)
            copy.addfile(member, io.BytesIO(content) if content is not None else None)
    target, target_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    restored = manage("restore", str(older), database=target, media=target_media)
    assert restored.returncode == 0, restored.stderr
    dumped = manage("dumpdata", "pupils.categoryspell", "pupils.pupil", database=target, media=target_media)
    rows = json.loads(dumped.stdout)
    pupils = {r["pk"]: r["fields"] for r in rows if r["model"] == "pupils.pupil"}
    spells = [r["fields"] for r in rows if r["model"] == "pupils.categoryspell"]
    assert spells
    for spell in spells:
        pupil = pupils[spell["pupil"]]
        assert (spell["admission_date"], spell["leaving_date"]) == (pupil["admission_date"], pupil["leaving_date"])


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as archive:
        archive.add(__file__, arcname="something/else.py")
    result = manage("restore", str(bogus), database=tmp_path / "empty.sqlite3", media=tmp_path / "media")
    assert result.returncode != 0
    assert "is not a backup made by `manage.py backup`" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_reads_one_snapshot_on_postgresql(school, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        backup_write(tmp_path / "backups")
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] != "BEGIN"]
    # Before any table is read, so that every read sees the same snapshot.
    assert statements[0] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"


@pytest.mark.django_db
def test_it_writes_the_backup_readable_by_its_owner_only(tmp_path):
    import os
    import stat

    old = os.umask(0o000)  # even where the umask would let everyone read it
    try:
        result = backup_write(tmp_path / "backups")
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
