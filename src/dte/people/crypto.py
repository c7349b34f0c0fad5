"""Personal data at rest: AES-256-GCM encryption with a keyed hash (HMAC-SHA256) for exact lookup.

Both keys are derived from settings.DATA_KEY with HKDF, one per purpose, so the lookup hash reveals
nothing without the key and the ciphertext cannot be searched. The stored form is
``v1:<base64 nonce+ciphertext>``; the version prefix lets the key rotate later."""

from __future__ import annotations

import base64
import hmac
import os
from functools import cache
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _key(purpose: bytes, secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dte-platform", info=purpose).derive(
        secret.encode()
    )


def _enc_key() -> bytes:
    return _key(b"encrypt-v1", settings.DATA_KEY)


def _hash_key() -> bytes:
    return _key(b"lookup-hash-v1", settings.DATA_KEY)


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext``; ``context`` (e.g. "person.id_number") is bound as associated data."""
    nonce = os.urandom(12)
    ct = AESGCM(_enc_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return "v1:" + base64.b64encode(nonce + ct).decode()


def decrypt(token: str, *, context: str) -> str:
    version, _, body = token.partition(":")
    if version != "v1":
        raise ValueError(f"unknown ciphertext version {version!r}")
    raw = base64.b64decode(body)
    return AESGCM(_enc_key()).decrypt(raw[:12], raw[12:], context.encode()).decode()


def lookup_hash(value: str, *, context: str) -> str:
    """Deterministic keyed hash of ``value`` for exact-match lookups and uniqueness."""
    return hmac.new(_hash_key(), f"{context}\x00{value}".encode(), sha256).hexdigest()
