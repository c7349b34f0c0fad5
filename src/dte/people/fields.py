"""Model fields for personal data at rest."""

from __future__ import annotations

from typing import Any

from django.db import models

from dte.people import crypto


class EncryptedBinaryField(models.BinaryField):
    """A file's bytes encrypted at rest with the data key (AES-256-GCM, dte.people.crypto): the
    model reads and writes plain bytes; the column holds ``v<N>:`` + nonce + ciphertext, bound to
    the field (``<app>.<Model>.<field>``) as associated data, so a blob copied into another column
    does not decrypt. Re-encrypted by ``dte keys rotate`` (dte.ops.keys)."""

    def contribute_to_class(self, cls, name, *args, **kwargs) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.context = f"{cls._meta.label}.{name}"

    def get_db_prep_save(self, value: Any, connection) -> Any:
        """Encrypted on every write (save, bulk_create, update)."""
        if value is not None and not hasattr(value, "as_sql"):
            value = crypto.encrypt_bytes(bytes(value), context=self.context)
        return super().get_db_prep_save(value, connection)

    def from_db_value(self, value: Any, expression, connection) -> bytes | None:
        if value is None:
            return None
        return crypto.decrypt_bytes(bytes(value), context=self.context)
