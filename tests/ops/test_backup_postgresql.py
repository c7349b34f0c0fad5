"""`dte backup` and `dte restore` on PostgreSQL (pg_dump -Fc of an exported snapshot, pg_restore into a
fresh database), whatever database the rest of the suite runs on: two scratch databases of their own,
dropped afterwards. Skipped only where pg_dump or pg_restore is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SERVER = os.environ.get("DTE_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
DATA_KEY = "backup-test-data-key-0123456789abcdef"
pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="pg_dump/pg_restore not installed"
)

WRITER = """
import sys, time, django
from pathlib import Path
django.setup()
from django.db import transaction
from dte.audit import services as audit
from dte.core.clock import now
stop, n = Path(sys.argv[1]), 0
deadline = time.monotonic() + 120
while not stop.exists() and time.monotonic() < deadline:
    with transaction.atomic():
        audit.record(actor=None, action="ops.load", object_type="probe", object_id=str(n), at=now())
    n += 1
    if n == 20:
        Path(sys.argv[2]).write_text("writing")
print(n)
"""

SEED = """
import django
django.setup()
from django.db import transaction
from dte.core.clock import now
from dte.people.services import person_register
with transaction.atomic():
    p = person_register(name="林雅琪", id_number="11010519491231002X", at=now())
print(p.pk)
"""


def _psql(sql: str, db: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", f"{SERVER}/{db}", "-v", "ON_ERROR_STOP=1", "-tAc", sql], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _env(var: Path, db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="dte.settings",
        DTE_VAR_DIR=str(var),
        DTE_ENV="development",
        DATABASE_URL=f"{SERVER}/{db}",
        DTE_DATA_KEY=DATA_KEY,
    )
    return env


def _run(args: list[str], var: Path, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=_env(var, db), capture_output=True, text=True)


@pytest.fixture
def scratch_databases():
    names = (f"dte_ops_src_{os.getpid()}", f"dte_ops_dst_{os.getpid()}")
    for name in names:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{name}"')
    yield names
    for name in names:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_backup_under_write_load_restores_into_a_fresh_database(tmp_path, scratch_databases):
    src, dst = scratch_databases
    var_src, var_dst = tmp_path / "var-src", tmp_path / "var-dst"
    migrate = _run(["-m", "dte", "migrate", "--no-input", "-v0"], var_src, src)
    assert migrate.returncode == 0, migrate.stderr
    seed = _run(["-c", SEED], var_src, src)
    assert seed.returncode == 0, seed.stderr
    person_pk = int(seed.stdout.strip())

    stop, started = tmp_path / "stop", tmp_path / "started"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop), str(started)],
        env=_env(var_src, src),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), writer.stderr.read() if writer.poll() is not None else "writer did not start"
        made = _run(["-m", "dte", "backup", str(tmp_path / "bk")], var_src, src)
        time.sleep(0.5)  # and the platform goes on writing after it
    finally:
        stop.write_text("stop")
        out, err = writer.communicate(timeout=120)
    assert made.returncode == 0, made.stderr
    assert writer.returncode == 0, err
    written = int(out.strip())
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["database"] == "postgresql"
    assert {f["path"] for f in manifest["files"]} == {"database.pgdump"}
    live_entries = int(_psql("SELECT COUNT(*) FROM audit_auditentry", src))
    assert 20 < manifest["row_counts"]["audit_auditentry"] < live_entries
    assert live_entries >= written

    restored = _run(["-m", "dte", "restore", str(tmp_path / "bk")], var_dst, dst)
    assert restored.returncode == 0, restored.stderr
    for table, rows in manifest["row_counts"].items():
        expected = rows + 1 if table == "audit_auditentry" else rows  # + the restore's own entry
        count = _psql(f'SELECT COUNT(*) FROM "{table}"', dst)  # noqa: S608 (the manifest's table names)
        assert int(count) == expected, table
    verify = _run(["-m", "dte", "audit", "verify"], var_dst, dst)
    assert verify.returncode == 0 and "chain intact" in verify.stdout, verify.stdout + verify.stderr
    read = _run(
        [
            "-c",
            "import django; django.setup(); from dte.people.models import Person; "
            f"print(Person.objects.get(pk={person_pk}).id_number)",
        ],
        var_dst,
        dst,
    )
    assert read.stdout.strip() == "11010519491231002X", read.stderr

    again = _run(["-m", "dte", "restore", str(tmp_path / "bk")], var_dst, dst)
    assert again.returncode != 0 and "只能恢复到空实例" in again.stderr
