"""Certificate verification that cannot lie.

A certificate is shown as `valid` (or any other lifecycle status) only when both hold:
1. its signature verifies with a key this service knows (`unknown_key` otherwise; a key is known
   when it is the signing key or listed in CARBONLABEL_VERIFY_KEYS), over the stored document
   (`signature_mismatch` otherwise), and
2. the stored record equals the signed document: every column copied out of the document for
   queries (number, key, scheme, tier, grade, value, dates, owner) still says what was signed
   (`record_altered` otherwise: a tier edited in the database is never shown as issued).

`check_issued_keys` is the start-up guard: the service refuses to start while issued
certificates reference a key it cannot verify, unless the operator names those keys in
CARBONLABEL_ACCEPT_UNKNOWN_KEYS (their certificates then show the red `unknown_key`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from api.errors import InsecureConfiguration
from api.storage.models import Certificate
from api.settings import Settings
from api.documents.signing import (
    canonical_bytes,
    key_id_of,
    load_public_key,
    load_signing_key,
    verify_signature,
)
from labels.certificate_document import CertificateDocument

# Why a certificate cannot be shown as issued; the value is the status the public page shows.
UNKNOWN_KEY = "unknown_key"
SIGNATURE_MISMATCH = "signature_mismatch"
RECORD_ALTERED = "record_altered"
PROBLEMS = (UNKNOWN_KEY, SIGNATURE_MISMATCH, RECORD_ALTERED)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    key_id: str
    problem: str | None  # one of PROBLEMS, None when valid
    reason: str | None  # for people: which key, which column


def altered_columns(certificate: Certificate, document: CertificateDocument) -> list[str]:
    """Columns of the stored record that disagree with the signed document."""
    expected: dict[str, tuple[Any, Any]] = {
        "number": (certificate.number, document.certificate_number),
        "key_id": (certificate.key_id, document.key_id),
        "scheme": (certificate.scheme, document.scheme),
        "tier": (certificate.tier, document.tier or ""),
        "grade": (certificate.grade, document.grade),
        "total_kgco2e": (certificate.total_kgco2e, float(document.footprint.total_kgco2e)),
        "issued_at": (_utc(certificate.issued_at), document.issued_at),
        "valid_from": (_utc(certificate.valid_from), document.valid_from),
        "valid_until": (_utc(certificate.valid_until), document.valid_until),
        "organisation_id": (certificate.organisation_id, document.organisation.id),
        "product_id": (certificate.product_id, document.product.id),
        "product_rule": (certificate.product_rule, document.product.product_rule),
        "application_id": (certificate.application_id, document.application_id),
        "surveillance_interval_days": (certificate.surveillance_interval_days, document.surveillance.interval_days),
    }
    return [column for column, (stored, signed) in expected.items() if stored != signed]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Stored documents are immutable (a database trigger refuses updates). The typed model of a payload
# is a pure function of its text, and the model is frozen: it is parsed and validated once per
# distinct payload text (a changed byte is another key) and shared by every reader, in every session.
# `read_back` adds whether the model writes the text back byte for byte (the check `verify` makes).
@lru_cache(maxsize=256)
def read_back(payload: str) -> tuple[CertificateDocument, bytes]:
    """The typed document of a stored payload and its canonical bytes as the model writes them.
    Raises ValueError (pydantic's ValidationError is one) for a payload that is no certificate
    document (not cached: only a tampered row can be one)."""
    document = CertificateDocument.from_json(payload)
    return document, document.canonical()


def document_of(certificate: Certificate) -> CertificateDocument:
    """The stored document as the typed model (validated once per distinct payload).

    Raises ValueError (pydantic's ValidationError is one) for a stored document that is no
    certificate document: only a tampered row can be one, and `verify` reports it."""
    return read_back(certificate.payload)[0]


def verify(certificate: Certificate, public_keys: dict[str, Ed25519PublicKey]) -> Verdict:
    """The signature and the record of one certificate; see the module doc for the order of causes."""
    key_id = certificate.key_id
    key = public_keys.get(key_id)
    # The service stores the canonical bytes themselves as the payload. When the signature verifies
    # over the payload's own bytes, those bytes are the signed ones (only the key holder can make a
    # signature verify), hence the canonical form: it need not be recomputed (RFC 8785 in pure
    # Python was a quarter of a verification). Otherwise (unknown key, a payload stored in another
    # spelling, a tampered row) the canonical form is computed from the parsed document, as always.
    raw = certificate.payload.encode("utf-8", "surrogatepass")
    if key is not None and verify_signature(key, raw, certificate.signature):
        canonical = raw
    else:
        try:
            canonical = canonical_bytes(json.loads(certificate.payload))
        except (ValueError, TypeError) as exc:
            return Verdict(False, key_id, SIGNATURE_MISMATCH, f"stored document unreadable: {exc}")
        if key is not None and not verify_signature(key, canonical, certificate.signature):
            return Verdict(False, key_id, SIGNATURE_MISMATCH, "the signature does not match the stored document")
    try:
        # signed and still no certificate document: only a row altered under a stolen key, or a bug
        document, written = read_back(certificate.payload)
        if written != canonical:  # the model would read it differently from how it was signed
            raise ValueError("it does not read back to the bytes that were signed")
    except (ValueError, TypeError) as exc:
        return Verdict(False, key_id, RECORD_ALTERED, f"the stored document is no certificate document: {exc}")
    altered = altered_columns(certificate, document)
    if altered:
        return Verdict(False, key_id, RECORD_ALTERED,
                       "the stored record disagrees with the signed document in: " + ", ".join(altered))
    if key is None:
        return Verdict(False, key_id, UNKNOWN_KEY,
                       f"unknown key: signed with key {key_id}, which this service has no public key for")
    return Verdict(True, key_id, None, None)


def unknown_issued_keys(session: Session, known: set[str]) -> dict[str, int]:
    """Key ids of issued certificates that no known key verifies, with how many certificates each."""
    rows = session.execute(select(Certificate.key_id, func.count()).group_by(Certificate.key_id))
    return {key_id: int(n) for key_id, n in rows if key_id not in known}


def check_issued_keys(engine: Engine, known: set[str], accepted: tuple[str, ...]) -> None:
    """Refuse to start (InsecureConfiguration) while certificates reference a key nobody can verify."""
    with Session(engine) as session:
        unknown = {k: n for k, n in unknown_issued_keys(session, known).items() if k not in accepted}
    if unknown:
        listed = ", ".join(f"{k} ({n} certificate{'s' if n != 1 else ''})" for k, n in sorted(unknown.items()))
        raise InsecureConfiguration(
            f"issued certificates reference signing keys this service cannot verify: {listed}. Give their "
            "public keys in CARBONLABEL_VERIFY_KEYS (PEM files, separated by the path separator), or list the "
            "key ids in CARBONLABEL_ACCEPT_UNKNOWN_KEYS to serve them as 'unknown_key' (shown in red)"
        )


def preflight(settings: Settings) -> None:
    """`carbonlabel serve`'s check before it binds a port: the same refusal as the app's, with a clean
    message (the signing key of an embedded start may not exist yet: then only the verify keys count)."""
    from api.storage.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        if "certificates" not in inspect(engine).get_table_names():
            return  # a new database: nothing issued yet
        known = {key_id_of(load_public_key(path)) for path in settings.verify_key_paths}
        if settings.signing_key_path.exists():
            known.add(load_signing_key(settings.signing_key_path, create=False).key_id)
        check_issued_keys(engine, known, settings.accept_unknown_key_ids)
    finally:
        engine.dispose()
