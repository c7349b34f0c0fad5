"""`dte backup` and `dte restore` (README 运维): a consistent copy taken while the platform writes,
restored into a fresh instance with the same rows, an intact audit chain and readable ID numbers."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import connections, transaction

from dte.audit import services as audit
from dte.audit.models import AuditEntry
from dte.ops.backup import backup, restore
from tests.conftest import AT

pytestmark = pytest.mark.django_db(transaction=True)
# Restoring into a fresh instance here means a fresh var dir with its embedded SQLite database; on
# PostgreSQL the same round trip runs against scratch databases in test_backup_postgresql.py.
sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite round trip; PostgreSQL's is tests/ops/test_backup_postgresql.py",
)


def _instance_env(var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DTE_DATA_KEY", "SECRET_KEY"}}
    env.update(DJANGO_SETTINGS_MODULE="dte.settings", DTE_VAR_DIR=str(var), DTE_ENV="development", **extra)
    return env


def _dte(var: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dte", *args], env=_instance_env(var, **extra), capture_output=True, text=True
    )


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]  # noqa: S608 (names from the catalogue)
            for n in names
            if not n.startswith("sqlite_")
        }
    finally:
        conn.close()


class AuditWriter(threading.Thread):
    """Writes audit entries, one transaction each, until stopped: the platform at work."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.written = 0
        self.error: BaseException | None = None

    def run(self):
        try:
            while not self.stop.is_set():
                with transaction.atomic():
                    audit.record(
                        actor=None, action="ops.load", object_type="probe", object_id=str(self.written), at=AT
                    )
                self.written += 1
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            connections.close_all()

    def wait_for(self, n: int) -> None:
        target = self.written + n
        while self.written < target and self.error is None and self.is_alive():
            self.stop.wait(0.01)


@sqlite_only
def test_a_backup_under_write_load_restores_into_a_fresh_instance_with_the_same_rows(tmp_path, make_person):
    person = make_person("陈晓明", seq=21)
    id_number = person.id_number
    writer = AuditWriter()
    writer.start()
    try:
        writer.wait_for(30)
        before = writer.written
        manifest = backup(target=tmp_path / "bk", at=AT)
        writer.wait_for(30)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None
    assert writer.written > before + 20  # the platform kept writing during and after the backup
    live = AuditEntry.objects.count()
    assert manifest["row_counts"]["audit_auditentry"] < live  # a snapshot: later writes are not in it
    assert manifest["row_counts"]["people_person"] == 1
    assert manifest["database"] == "sqlite" and "audit.0001_initial" in manifest["migrations"]
    assert {f["path"] for f in manifest["files"]} == {"database.sqlite3"}
    assert not (tmp_path / "bk" / "keys").exists() and manifest["keys_included"] is False

    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "bk"), DTE_DATA_KEY=settings.DATA_KEY)
    assert done.returncode == 0, done.stderr
    assert "row counts match the manifest" in done.stdout
    restored = _counts(fresh / "dte.sqlite3")
    # The same rows as the manifest, and one audit entry more: the restore itself.
    assert restored["audit_auditentry"] == manifest["row_counts"]["audit_auditentry"] + 1
    assert {t: n for t, n in restored.items() if t != "audit_auditentry"} == {
        t: n for t, n in manifest["row_counts"].items() if t != "audit_auditentry"
    }
    verify = _dte(fresh, "audit", "verify", DTE_DATA_KEY=settings.DATA_KEY)
    assert verify.returncode == 0, verify.stderr
    assert "chain intact" in verify.stdout
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from dte.people.models import Person; "
            f"print(Person.objects.get(pk={person.pk}).id_number)",
        ],
        env=_instance_env(fresh, DTE_DATA_KEY=settings.DATA_KEY),
        capture_output=True,
        text=True,
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == id_number


def test_the_backup_is_private_and_holds_the_keys_only_when_asked(tmp_path, make_person):
    make_person("陈晓明", seq=22)
    err = StringIO()
    call_command("backup", str(tmp_path / "plain"), stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""
    plain = tmp_path / "plain"
    assert stat.S_IMODE(plain.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in plain.iterdir()} == {0o600}
    for p in plain.rglob("*"):
        assert settings.DATA_KEY.encode() not in p.read_bytes()

    call_command("backup", str(tmp_path / "keyed"), "--with-keys", stdout=StringIO(), stderr=err)
    assert "WARNING: the backup holds the keys" in err.getvalue()
    keyed = tmp_path / "keyed"
    assert (keyed / "keys" / "data_key").read_text() == settings.DATA_KEY
    assert stat.S_IMODE((keyed / "keys" / "data_key").stat().st_mode) == 0o600
    manifest = json.loads((keyed / "manifest.json").read_text())
    assert manifest["keys_included"] is True
    assert {"keys/secret_key", "keys/data_key"} <= {f["path"] for f in manifest["files"]}


def test_a_backup_never_writes_into_a_directory_that_holds_something(tmp_path, db):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(ValidationError, match="已存在且不为空"):
        backup(target=tmp_path / "old", at=AT)


def test_restore_into_an_instance_that_holds_data_is_refused_and_changes_nothing(tmp_path, make_person):
    make_person("陈晓明", seq=23)
    backup(target=tmp_path / "bk", at=AT)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        restore(source=tmp_path / "bk", at=AT)
    assert "只能恢复到空实例" in exc.value.message_dict["database"][0]
    assert AuditEntry.objects.count() == entries


@sqlite_only
def test_a_backup_whose_files_do_not_match_their_checksums_is_refused_before_anything(tmp_path, make_person):
    make_person("陈晓明", seq=24)
    backup(target=tmp_path / "bk", at=AT)
    db_file = tmp_path / "bk" / "database.sqlite3"
    data = bytearray(db_file.read_bytes())
    data[-100] ^= 0xFF
    db_file.write_bytes(bytes(data))
    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "bk"), DTE_DATA_KEY=settings.DATA_KEY)
    assert done.returncode != 0
    assert "备份文件校验未通过" in done.stderr and "database.sqlite3(校验和不符)" in done.stderr
    assert _counts(fresh / "dte.sqlite3") == {}  # the fresh database is left as it was: empty


@sqlite_only
def test_restore_with_another_data_key_is_refused_since_the_id_numbers_could_not_be_read(
    tmp_path, make_person
):
    make_person("陈晓明", seq=25)
    backup(target=tmp_path / "bk", at=AT)
    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "bk"))  # a fresh instance generates its own data key
    assert done.returncode != 0
    assert "数据密钥" in done.stderr and "与备份时不同" in done.stderr
    assert _counts(fresh / "dte.sqlite3") == {}


@sqlite_only
def test_a_backup_with_its_keys_restores_them_into_the_fresh_instance(tmp_path, make_person):
    person = make_person("陈晓明", seq=26)
    backup(target=tmp_path / "bk", at=AT, with_keys=True)
    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    assert (fresh / "data_key").read_text() == settings.DATA_KEY
    assert stat.S_IMODE((fresh / "data_key").stat().st_mode) == 0o600
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from dte.people.models import Person; "
            f"print(Person.objects.get(pk={person.pk}).id_number)",
        ],
        env=_instance_env(fresh),
        capture_output=True,
        text=True,
    )
    assert read.stdout.strip() == person.id_number, read.stderr


@sqlite_only
def test_uploaded_files_travel_with_the_backup_and_come_back_private(tmp_path, make_person, settings):
    make_person("陈晓明", seq=27)
    settings.MEDIA_ROOT = tmp_path / "media"  # pytest-django's settings fixture: restored after the test
    name = FileSystemStorage().save("evidence/2026/scan.pdf", ContentFile(b"%PDF-1.4 scan of a certificate"))
    manifest = backup(target=tmp_path / "bk", at=AT)
    entry = next(f for f in manifest["files"] if f["path"] == f"media/{name}")
    assert entry["size"] == 30 and len(entry["sha256"]) == 64

    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "bk"), DTE_DATA_KEY=settings.DATA_KEY)
    assert done.returncode == 0, done.stderr
    restored = fresh / "media" / name
    assert restored.read_bytes() == b"%PDF-1.4 scan of a certificate"
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600


@sqlite_only
def test_a_backup_with_its_keys_is_refused_where_the_environment_gives_another_data_key(
    tmp_path, make_person
):
    make_person("陈晓明", seq=28)
    backup(target=tmp_path / "bk", at=AT, with_keys=True)
    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "bk"), DTE_DATA_KEY="another-key-given-by-the-environment")
    assert done.returncode != 0 and "与备份时不同" in done.stderr
    assert _counts(fresh / "dte.sqlite3") == {}


@pytest.mark.parametrize("listed", ["media/../../outside.txt", "/etc/passwd", "notes.txt", "keys/../../x"])
def test_a_manifest_listing_a_path_outside_the_backup_is_refused_before_any_file_is_read(tmp_path, listed):
    from dte.ops import backup as ops_backup

    (tmp_path / "manifest.json").write_text(
        json.dumps({"format": ops_backup.FORMAT, "files": [{"path": listed, "size": 0, "sha256": ""}]})
    )
    with pytest.raises(ValidationError, match="备份清单中的文件路径"):
        ops_backup.read_manifest(tmp_path)
