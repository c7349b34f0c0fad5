"""Personal data at rest: AES-256-GCM encryption with a keyed hash (HMAC-SHA256) for exact lookup.

Both keys are derived from a data key with HKDF, one per purpose, so the lookup hash reveals nothing
without the key and the ciphertext cannot be searched. The stored form is
``v<N>:<base64 nonce+ciphertext>``, N the version of the data key in the keyring (settings.DATA_KEYS:
version 1 is DATA_KEY, later ones come from ``dte keys rotate``, dte.ops.keys). New values are
encrypted with the highest version; every version in the ring stays readable.

Known limit: the lookup hash is always keyed by version 1 (its hash key). Rotating it would make every
look-up and uniqueness check try two hashes while a rotation runs; so version 1 must stay in the ring
even when no ciphertext uses it any more."""

from __future__ import annotations

import base64
import hmac
import os
from functools import cache
from hashlib import sha256
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _key(purpose: bytes, secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dte-platform", info=purpose).derive(
        secret.encode()
    )


def _pick_up(ring: dict[int, str], version: int) -> bool:
    """Add ``version`` to the ring if its file appeared since start-up (a rotation begun meanwhile by
    ``dte keys rotate``, which writes the file whole in one step); True when the ring holds it."""
    if version not in ring:
        path = Path(settings.DATA_KEYS_DIR) / f"v{version}"
        try:
            secret = path.read_text().strip()
        except FileNotFoundError:
            return False
        if secret:
            ring[version] = secret
    return version in ring


def keyring() -> dict[int, str]:
    """The data key versions this process can use, a newer one on disk included."""
    ring: dict[int, str] = settings.DATA_KEYS
    _pick_up(ring, max(ring) + 1)
    return ring


def current_version() -> int:
    return max(keyring())


def prefix(version: int) -> str:
    return f"v{version}:"


def version_of(token: str) -> int | None:
    head, sep, _ = token.partition(":")
    if not sep or head[:1] != "v" or not head[1:].isdigit():
        return None
    return int(head[1:])


def _enc_key(version: int) -> bytes:
    return _key(b"encrypt-v1", keyring()[version])


def _hash_key() -> bytes:
    return _key(b"lookup-hash-v1", settings.DATA_KEYS[1])


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext`` with the current key version; ``context`` (e.g. "person.id_number") is
    bound as associated data."""
    version = current_version()
    nonce = os.urandom(12)
    ct = AESGCM(_enc_key(version)).encrypt(nonce, plaintext.encode(), context.encode())
    return prefix(version) + base64.b64encode(nonce + ct).decode()


def decrypt(token: str, *, context: str) -> str:
    version = version_of(token)
    if version is None or not _pick_up(settings.DATA_KEYS, version):
        shown = token.partition(":")[0][:12]
        raise ValueError(
            f"unknown ciphertext version {shown!r}: no such data key in the keyring "
            "(DTE_DATA_KEY_V<N> or var/data_keys/v<N>)"
        )
    raw = base64.b64decode(token.partition(":")[2])
    return AESGCM(_enc_key(version)).decrypt(raw[:12], raw[12:], context.encode()).decode()


def encrypt_bytes(plain: bytes, *, context: str) -> bytes:
    """Encrypt a file's bytes with the current key version: ``v<N>:`` + nonce + ciphertext (with
    its tag); ``context`` bound as associated data."""
    version = current_version()
    nonce = os.urandom(12)
    sealed = AESGCM(_enc_key(version)).encrypt(nonce, plain, context.encode())
    return prefix(version).encode() + nonce + sealed


def decrypt_bytes(sealed: bytes, *, context: str) -> bytes:
    head, sep, rest = bytes(sealed).partition(b":")
    version = version_of(head.decode("ascii", "replace") + ":") if sep else None
    if version is None or not _pick_up(settings.DATA_KEYS, version):
        raise ValueError(
            f"unknown ciphertext version {head[:12]!r}: no such data key in the keyring "
            "(DTE_DATA_KEY_V<N> or var/data_keys/v<N>)"
        )
    return AESGCM(_enc_key(version)).decrypt(rest[:12], rest[12:], context.encode())


def lookup_hash(value: str, *, context: str) -> str:
    """Deterministic keyed hash of ``value`` for exact-match lookups and uniqueness (version 1's key)."""
    return hmac.new(_hash_key(), f"{context}\x00{value}".encode(), sha256).hexdigest()
