"""Ed25519 signatures over RFC 8785 (JCS) canonical JSON.

Numbers never appear in a signed document: every number is written as a decimal string before
canonicalisation, so the signed bytes do not depend on how a language prints floating point.
The key id is the first 16 hex digits of sha256 over the raw 32-byte public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from api.errors import InsecureConfiguration
from labels.certificate_document import decimal_string


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def numbers_as_strings(document: Any) -> Any:
    """Copy of a JSON-like document with every int/float replaced by its decimal string."""
    if isinstance(document, dict):
        return {key: numbers_as_strings(value) for key, value in document.items()}
    if isinstance(document, (list, tuple)):
        return [numbers_as_strings(value) for value in document]
    if isinstance(document, bool) or document is None or isinstance(document, str):
        return document
    if isinstance(document, (int, float, Decimal)):
        return decimal_string(document)
    raise TypeError(f"not a JSON value: {document!r}")


def canonical_bytes(document: Any) -> bytes:
    return rfc8785.dumps(numbers_as_strings(document))


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, canonical: bytes) -> str:
        return b64url(self.private_key.sign(canonical))

    def public_jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": self.key_id, "alg": "EdDSA", "use": "sig"}


def load_signing_key(path: Path, *, create: bool) -> SigningKey:
    """Read a PEM (PKCS#8) Ed25519 private key; with `create`, make one (mode 0600) if absent."""
    if not path.exists():
        if not create:
            raise InsecureConfiguration(f"signing key {path} does not exist")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # write to a temporary name and rename, so a concurrent first start never reads half a key
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)  # fails if another process won the race; then use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise InsecureConfiguration(f"{path}: not an Ed25519 private key")
    return SigningKey(loaded)


def verify_signature(public_key: Ed25519PublicKey, canonical: bytes, signature: str) -> bool:
    try:
        public_key.verify(b64url_decode(signature), canonical)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A PEM public key (or private key, whose public half is taken) of an earlier signing key."""
    data = path.read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        private = serialization.load_pem_private_key(data, password=None)
        key = private.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise InsecureConfiguration(f"{path}: not an Ed25519 key")
    return key
