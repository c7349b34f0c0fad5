"""Data key rotation (README 密钥轮换): ``dte keys rotate`` and ``dte keys status``.

``add_version`` writes the next data key version to var/data_keys/v<N> (0600, the directory 0700); from
then on new values are encrypted with it (dte.people.crypto picks the file up, in running processes
too). ``rotate`` re-encrypts every stored value not yet at the current version, a batch per
transaction, selecting by the ciphertext's version prefix: a rerun, or a run after an interruption,
continues where the last one stopped, and a value written meanwhile at the current version is left
alone. A row is rewritten only if its ciphertext is still the one read, so a concurrent edit wins.
Old versions stay in the keyring: the command never deletes a key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import models, transaction

from dte.accounts.models import ImportJob
from dte.audit import services as audit
from dte.ops import queries
from dte.people import crypto
from dte.people.models import ID_CONTEXT, PHONE_CONTEXT, Person
from dte.subsidy.models import Claim, Evidence, FactImport
from dte.subsidy.models.claims import BANK_CONTEXT
from dte.supervision.models import DocumentRequest, Photo

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class Column:
    model: type[models.Model]
    field: str
    context: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    def stored(self) -> models.QuerySet:
        return self.model._default_manager.exclude(**{self.field: ""})

    def behind(self, version: int) -> models.QuerySet:
        return self.stored().exclude(**{f"{self.field}__startswith": crypto.prefix(version)})

    def total(self) -> int:
        return self.stored().count()

    def count_at(self, version: int) -> int:
        return self.stored().filter(**{f"{self.field}__startswith": crypto.prefix(version)}).count()

    def left(self, version: int) -> int:
        return self.behind(version).count()

    def rotate_batch(self, version: int, size: int) -> int:
        """Re-encrypt up to ``size`` values not at ``version``, in one transaction."""
        with transaction.atomic():
            found = list(self.behind(version).order_by("pk").values_list("pk", self.field)[:size])
            for pk, token in found:
                fresh = crypto.encrypt(crypto.decrypt(token, context=self.context), context=self.context)
                self.model._default_manager.filter(pk=pk, **{self.field: token}).update(**{self.field: fresh})
        return len(found)


@dataclass(frozen=True)
class FileColumn:
    """A column of files (dte.people.fields.EncryptedBinaryField): the ORM reads them decrypted,
    so the stored bytes and their version prefix are read in SQL (dte.ops.queries)."""

    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    @property
    def context(self) -> str:
        return self.label  # the field's associated data

    def total(self) -> int:
        return queries.blob_count(self.model, self.field)

    def count_at(self, version: int) -> int:
        return queries.blob_count(self.model, self.field, prefix=crypto.prefix(version).encode())

    def left(self, version: int) -> int:
        return queries.blob_count(self.model, self.field, prefix=crypto.prefix(version).encode(), behind=True)

    def rotate_batch(self, version: int, size: int) -> int:
        """Re-encrypt up to ``size`` files not at ``version``, in one transaction (a file at a time
        in memory: files are up to a few megabytes)."""
        with transaction.atomic():
            ids = queries.blob_ids_behind(self.model, self.field, crypto.prefix(version).encode(), size)
            for pk in ids:
                sealed = queries.blob_read(self.model, self.field, pk)
                if sealed is None:
                    continue
                plain = crypto.decrypt_bytes(sealed, context=self.context)
                fresh = crypto.encrypt_bytes(plain, context=self.context)
                queries.blob_replace(self.model, self.field, pk, sealed, fresh)
        return len(ids)


# Every column that holds crypto.encrypt's output, then every column of encrypted files.
COLUMNS: tuple[Column | FileColumn, ...] = (
    Column(Person, "id_number_enc", ID_CONTEXT),
    Column(Claim, "bank_account_enc", BANK_CONTEXT),
    Column(Person, "phone_enc", PHONE_CONTEXT),
    Column(Claim, "phone_enc", PHONE_CONTEXT),
    FileColumn(Evidence, "content"),
    FileColumn(FactImport, "content"),
    FileColumn(ImportJob, "content"),
    FileColumn(Photo, "content"),
    FileColumn(DocumentRequest, "response_content"),
)


@dataclass
class RotateResult:
    version: int
    reencrypted: dict[str, int] = field(default_factory=dict)
    left: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return not any(self.left.values())


def add_version() -> int:
    """Create the next data key version's file and return its number."""
    version = crypto.current_version() + 1
    directory = Path(settings.DATA_KEYS_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    tmp = directory / f".v{version}.new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(32))
    try:
        os.link(tmp, directory / f"v{version}")  # whole, and never over an existing key
    finally:
        tmp.unlink()
    if crypto.current_version() != version:  # pragma: no cover (the file was just written)
        raise RuntimeError(f"data key v{version} was written but is not the current version")
    return version


def rotate(
    *,
    at: datetime,
    batch: int = DEFAULT_BATCH,
    limit: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RotateResult:
    """Re-encrypt every value not at the current key version, ``batch`` rows per transaction.

    ``limit``: stop after that many batches in all (the rest is left for a later run)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    version = crypto.current_version()
    result = RotateResult(version=version)
    batches = 0
    for column in COLUMNS:
        total = column.total()
        current = total - column.left(version)
        done = 0
        while limit is None or batches < limit:
            n = column.rotate_batch(version, batch)
            if not n:
                break
            batches += 1
            done += n
            if progress:
                progress(column.label, min(current + done, total), total)
        result.reencrypted[column.label] = done
        result.left[column.label] = column.left(version)
    _record(result, at=at)
    return result


@transaction.atomic
def _record(result: RotateResult, *, at: datetime) -> None:
    audit.record(
        actor=None,
        action="ops.keys.rotate",
        object_type="instance",
        object_id="",
        after={"version": result.version, "reencrypted": result.reencrypted, "left": result.left},
        at=at,
    )


def status() -> tuple[int, dict[str, dict[str, int]]]:
    """The current version, and per column how many values are at each version ("v1": n…)."""
    ring = crypto.keyring()
    columns = {}
    for column in COLUMNS:
        counts = {f"v{version}": column.count_at(version) for version in sorted(ring)}
        other = column.total() - sum(counts.values())
        if other:
            counts["unknown"] = other
        columns[column.label] = counts
    return max(ring), columns
