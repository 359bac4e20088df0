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
import weakref
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


# Stored documents are immutable (a database trigger refuses updates): each loaded row's is parsed and
# validated once, when first asked for, and shared by every reader of that row in the session.
_documents: weakref.WeakKeyDictionary[Certificate, CertificateDocument] = weakref.WeakKeyDictionary()


def document_of(certificate: Certificate) -> CertificateDocument:
    """The stored document as the typed model (validated here, once per loaded row).

    Raises ValueError (pydantic's ValidationError is one) for a stored document that is no
    certificate document: only a tampered row can be one, and `verify` reports it."""
    document = _documents.get(certificate)
    if document is None:
        document = _documents[certificate] = CertificateDocument.from_json(certificate.payload)
    return document


def verify(certificate: Certificate, public_keys: dict[str, Ed25519PublicKey]) -> Verdict:
    """The signature and the record of one certificate; see the module doc for the order of causes."""
    key_id = certificate.key_id
    try:
        canonical = canonical_bytes(json.loads(certificate.payload))
    except (ValueError, TypeError) as exc:
        return Verdict(False, key_id, SIGNATURE_MISMATCH, f"stored document unreadable: {exc}")
    key = public_keys.get(key_id)
    if key is not None and not verify_signature(key, canonical, certificate.signature):
        return Verdict(False, key_id, SIGNATURE_MISMATCH, "the signature does not match the stored document")
    try:
        # signed and still no certificate document: only a row altered under a stolen key, or a bug
        document = document_of(certificate)
        if document.canonical() != canonical:  # the model would read it differently from how it was signed
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
