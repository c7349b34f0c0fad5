"""Backup and restore of a whole instance (README 运维).

``backup`` writes, into a new directory, a consistent copy of the database taken while the platform
keeps serving (SQLite: the online backup API in one step, a snapshot that writers do not wait for;
PostgreSQL: ``pg_dump -Fc`` of an exported snapshot), the uploaded files under MEDIA_ROOT, and
``manifest.json``: when, which database, the migrations applied, every file with its SHA-256, and the
row count of every table as of the snapshot. The keys (SECRET_KEY, DTE_DATA_KEY and every later data
key version, keys/data_key_v<N>) stay out unless asked: whoever holds a backup with the data key can
read every ID number in it.

``restore`` puts a backup into an empty instance only (a database with no data, no uploaded files),
after checking every file against the manifest; the row counts are then compared with the manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from dte.audit import services as audit
from dte.ops import queries
from dte.people import crypto

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_DIR = "media"
KEYS_DIR = "keys"
# Tables a freshly migrated instance fills by itself: their rows do not make a database "not empty".
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission"}


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    keys_installed: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def key_check(secret: str) -> str:
    """A fingerprint of the data key (reveals nothing about it): restore compares it with the instance's."""
    return hmac.new(secret.encode(), b"dte-backup-data-key-check", hashlib.sha256).hexdigest()[:16]


def _pg_env() -> tuple[list[str], dict[str, str]]:
    s = queries.database()
    args = [
        "-h",
        s.get("HOST") or "127.0.0.1",
        "-p",
        str(s.get("PORT") or 5432),
        "-U",
        s.get("USER") or "postgres",
    ]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _backup_sqlite(target: Path) -> tuple[dict[str, int], list[str]]:
    source = sqlite3.connect(queries.database()["NAME"], timeout=60)
    copy = sqlite3.connect(target / SQLITE_FILE)
    try:
        # pages=-1: the whole database in one step, read in one transaction. In WAL mode that is a
        # snapshot: writers go on meanwhile, and the copy holds exactly what was committed when it began.
        source.backup(copy, pages=-1)
        return queries.sqlite_facts(copy)
    finally:
        copy.close()
        source.close()


def _backup_postgresql(target: Path) -> tuple[dict[str, int], list[str]]:
    args, env = _pg_env()
    # The counts and the dump read the same exported snapshot (REPEATABLE READ), so they agree.
    with queries.pg_snapshot() as (snapshot, (counts, migrations)):
        done = subprocess.run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                f"--snapshot={snapshot}",
                *args,
                "-f",
                str(target / PG_FILE),
                queries.database()["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {done.stderr.strip()}")
    return counts, migrations


def _copy_media(target: Path) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    copied = []
    if media.is_dir():
        for path in sorted(p for p in media.rglob("*") if p.is_file()):
            rel = path.relative_to(media)
            dest = target / MEDIA_DIR / rel
            dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            os.chmod(dest, 0o600)
            copied.append(dest)
    return copied


def _copy_keys(target: Path) -> list[Path]:
    keys = target / KEYS_DIR
    keys.mkdir(mode=0o700)
    written = []
    later = [(f"data_key_v{v}", k) for v, k in crypto.keyring().items() if v > 1]
    for name, value in (("secret_key", settings.SECRET_KEY), ("data_key", settings.DATA_KEY), *later):
        path = keys / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
        written.append(path)
    return written


def backup(*, target: Path, at: datetime, with_keys: bool = False) -> dict[str, Any]:
    """Write a backup of this instance into ``target`` (a new or empty directory); return the manifest."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ValidationError({"target": f"备份目录 {target} 已存在且不为空;请指定新的目录,以免覆盖已有备份"})
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    kind = queries.kind()
    if kind == "sqlite":
        counts, migrations = _backup_sqlite(target)
        files = [target / SQLITE_FILE]
    elif kind == "postgresql":
        counts, migrations = _backup_postgresql(target)
        files = [target / PG_FILE]
    else:  # pragma: no cover
        raise ValidationError(f"不支持备份 {kind} 数据库")
    for path in files:
        os.chmod(path, 0o600)
    files += _copy_media(target)
    if with_keys:
        files += _copy_keys(target)
    manifest = {
        "format": FORMAT,
        "created_at": at.isoformat(),
        "database": kind,
        "migrations": migrations,
        "row_counts": counts,
        "data_key_check": key_check(settings.DATA_KEY),
        "later_data_key_checks": {str(v): key_check(k) for v, k in crypto.keyring().items() if v > 1},
        "keys_included": with_keys,
        "files": [
            {"path": p.relative_to(target).as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
            for p in files
        ],
    }
    fd = os.open(target / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    _record_backup(manifest=manifest, target=target, at=at)
    return manifest


def _listed_path_ok(path: str) -> bool:
    """A path the manifest may list: relative, without ``..``, and one of the files a backup writes
    (the database, or a file under media/ or keys/). A manifest is read before anything is trusted:
    ``media/../../x`` or an absolute path would otherwise be read, or written, outside the backup."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts or "\\" in path:
        return False
    if len(parts) == 1:
        return parts[0] in (SQLITE_FILE, PG_FILE)
    return parts[0] in (MEDIA_DIR, KEYS_DIR)


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file it lists against its size and SHA-256."""
    source = Path(source)
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise ValidationError({"source": f"{source} 中没有 {MANIFEST},不是平台的备份目录"}) from None
    except ValueError:
        raise ValidationError({"source": f"{source / MANIFEST} 已损坏(不是有效的 JSON)"}) from None
    if manifest.get("format") != FORMAT:
        raise ValidationError({"source": f"备份格式 {manifest.get('format')!r} 不受支持(应为 {FORMAT})"})
    for entry in manifest["files"]:
        if not _listed_path_ok(str(entry.get("path", ""))):
            raise ValidationError(
                {"source": f"备份清单中的文件路径 {entry.get('path')!r} 不合法,未做任何恢复"}
            )
    bad = []
    for entry in manifest["files"]:
        path = source / entry["path"]
        if not path.is_file():
            bad.append(f"{entry['path']}(缺失)")
        elif path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            bad.append(f"{entry['path']}(校验和不符)")
    if bad:
        raise ValidationError({"source": "备份文件校验未通过,未做任何恢复:" + "、".join(bad)})
    return manifest


def _current_data(kind: str) -> dict[str, int]:
    """Rows per table in this instance's database, bookkeeping tables left out."""
    return {t: n for t, n in _current_counts(kind).items() if n and t not in BOOKKEEPING}


def _install_keys(source: Path, manifest: dict[str, Any]) -> list[str]:
    if not manifest.get("keys_included"):
        return []
    installed = []
    for name, env in (("secret_key", "SECRET_KEY"), ("data_key", "DTE_DATA_KEY")):
        if os.environ.get(env):
            continue  # the operator gives this key through the environment; theirs to set
        dest = Path(settings.VAR_DIR) / name
        tmp = dest.with_name(f".{name}.restore")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write((source / KEYS_DIR / name).read_text())
        os.replace(tmp, dest)
        installed.append(str(dest))
    return installed + _install_later_keys(source, manifest)


def _install_later_keys(source: Path, manifest: dict[str, Any]) -> list[str]:
    """The data key versions after the first (dte.ops.keys), into var/data_keys/v<N>."""
    installed = []
    for version in manifest.get("later_data_key_checks", {}):
        if os.environ.get(f"DTE_DATA_KEY_V{version}"):
            continue
        directory = Path(settings.DATA_KEYS_DIR)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        dest, tmp = directory / f"v{version}", directory / f".v{version}.restore"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write((source / KEYS_DIR / f"data_key_v{version}").read_text())
        os.replace(tmp, dest)
        installed.append(str(dest))
    return installed


def restore(*, source: Path, at: datetime) -> RestoreResult:
    """Restore a backup into this instance, which must hold no data yet.

    Refused, with nothing changed: a file missing or not matching its checksum; another kind of
    database; data already in the database or files under MEDIA_ROOT; a data key other than the
    backup's (unless the backup carries its keys)."""
    source = Path(source)
    manifest = read_manifest(source)
    kind = queries.kind()
    _check_empty_instance(manifest, kind)
    _check_data_key(source, manifest)
    queries.close()
    if kind == "sqlite":
        _restore_sqlite(source)
    else:
        _restore_postgresql(source)
    _restore_media(source, manifest)
    keys = _install_keys(source, manifest)
    counts = _current_counts(kind)
    differ = {t: (counts.get(t), n) for t, n in manifest["row_counts"].items() if counts.get(t) != n}
    if differ:
        raise RuntimeError(f"restored row counts differ from the manifest: {differ}")
    _record_restore(manifest=manifest, at=at)
    return RestoreResult(manifest=manifest, row_counts=counts, keys_installed=keys)


def _check_empty_instance(manifest: dict[str, Any], kind: str) -> None:
    """Refuse a backup of another kind of database, and an instance with data or uploaded files."""
    if manifest["database"] != kind:
        raise ValidationError(
            {"source": f"备份来自 {manifest['database']} 数据库,本实例使用 {kind},不能直接恢复"}
        )
    data = _current_data(kind)
    if data:
        shown = "、".join(f"{t}({n} 行)" for t, n in sorted(data.items())[:5])
        raise ValidationError(
            {"database": f"只能恢复到空实例:当前数据库已有数据({shown}…),未做任何恢复。请使用新的数据库"}
        )
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        raise ValidationError({"media": f"只能恢复到空实例:{media} 中已有文件,未做任何恢复"})


def _check_data_key(source: Path, manifest: dict[str, Any]) -> None:
    """Refuse a backup whose data key is not the one the instance will read with: the backup's own
    when it carries it (installed by the restore), unless DTE_DATA_KEY gives one, which the
    operator's environment keeps."""
    if manifest.get("keys_included") and not os.environ.get("DTE_DATA_KEY"):
        data_key = (source / KEYS_DIR / "data_key").read_text()
    else:
        data_key = settings.DATA_KEY
    if manifest.get("data_key_check") != key_check(data_key) or not _later_keys_match(source, manifest):
        raise ValidationError(
            {
                "data_key": "本实例的数据密钥(DTE_DATA_KEY 或 var/data_key;轮换后的 DTE_DATA_KEY_V<N> 或 "
                "var/data_keys/v<N>)与备份时不同,"
                "恢复后将无法解密身份证号等个人数据;请先配置备份时的数据密钥"
            }
        )


def _later_keys_match(source: Path, manifest: dict[str, Any]) -> bool:
    ring = crypto.keyring()
    for version, check in manifest.get("later_data_key_checks", {}).items():
        if manifest.get("keys_included") and not os.environ.get(f"DTE_DATA_KEY_V{version}"):
            key = (source / KEYS_DIR / f"data_key_v{version}").read_text()
        else:
            key = ring.get(int(version), "")
        if check != key_check(key):
            return False
    return True


def _restore_sqlite(source: Path) -> None:
    backup_file = sqlite3.connect(source / SQLITE_FILE)
    live = sqlite3.connect(queries.database()["NAME"], timeout=60)
    try:
        backup_file.backup(live, pages=-1)
    finally:
        live.close()
        backup_file.close()


def _restore_postgresql(source: Path) -> None:
    args, env = _pg_env()
    done = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--clean",
            "--if-exists",
            "--exit-on-error",
            *args,
            "-d",
            queries.database()["NAME"],
            str(source / PG_FILE),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pg_restore failed: {done.stderr.strip()}")


def _restore_media(source: Path, manifest: dict[str, Any]) -> None:
    media = Path(settings.MEDIA_ROOT)
    for entry in manifest["files"]:
        if entry["path"].startswith(MEDIA_DIR + "/"):
            dest = media / entry["path"].removeprefix(MEDIA_DIR + "/")
            dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copy2(source / entry["path"], dest)
            os.chmod(dest, 0o600)


def _current_counts(kind: str) -> dict[str, int]:
    if kind == "sqlite":
        conn = sqlite3.connect(queries.database()["NAME"], timeout=60)
        try:
            return queries.sqlite_facts(conn)[0]
        finally:
            conn.close()
    return queries.pg_facts()[0]


@transaction.atomic
def _record_restore(*, manifest: dict[str, Any], at: datetime) -> None:
    audit.record(
        actor=None,
        action="ops.restore",
        object_type="instance",
        object_id="",
        after={"backup_created_at": manifest["created_at"], "database": manifest["database"]},
        at=at,
    )


@transaction.atomic
def _record_backup(*, manifest: dict[str, Any], target: Path, at: datetime) -> None:
    """The backup, in the live instance's audit log (after the snapshot, so not in the copy)."""
    audit.record(
        actor=None,
        action="ops.backup",
        object_type="instance",
        object_id="",
        after={
            "target": str(target),
            "database": manifest["database"],
            "files": len(manifest["files"]),
            "keys_included": manifest["keys_included"],
        },
        at=at,
    )
