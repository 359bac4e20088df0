"""Client secrets (scrypt) and opaque bearer tokens (stored as sha256, so a leaked table is useless)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: n=2**14, r=8, p=1 (16 MiB, ~50 ms) - the parameters RFC 7914 §2 suggests for
# interactive logins; token requests are rare (one per hour per client), so the cost is harmless.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1

ROLES = ("exporter", "certifier", "trade_office", "admin", "bank", "buyer")  # bank, buyer: read what an exporter grants (issue 16)


def new_client_id() -> str:
    return "cl_" + secrets.token_hex(12)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


# the secret_hash of an account that has no client secret (a person signing in with a password)
NO_SECRET = "!"


def derive(secret: str, salt: bytes) -> bytes:
    """The one place that does the expensive hashing (tests spy on it to count the work)."""
    return hashlib.scrypt(secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = derive(secret, salt)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


# An unknown client id, an account without a secret or a disabled account is checked against this
# hash, so every attempt costs the same scrypt work and timing does not tell which ids exist.
_DUMMY_SALT = secrets.token_bytes(16)
_DUMMY_DIGEST = b"\0" * 32


def verify_secret(secret: str, stored: str | None) -> bool:
    """True when `secret` matches `stored`; always one scrypt derivation, whatever `stored` is."""
    try:
        scheme, salt_b64, digest_b64 = (stored or "").split("$")
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        usable = scheme == "scrypt"
    except ValueError:
        usable = False
    if not usable:
        salt, expected = _DUMMY_SALT, _DUMMY_DIGEST
    digest = derive(secret, salt)
    return hmac.compare_digest(digest, expected) and usable


def new_access_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
