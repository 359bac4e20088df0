"""The recognition checker: a certificate (one of this registry's, by number, or another scheme's
as uploaded JSON with the labels.Certificate fields) presented to one or every target scheme ->
each outcome with its gaps and reasons, through the domain's recognise (the API's use case)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from api.usecases.domain import Domain
from api.errors import InvalidInput
from api.storage.models import Application, Footprint
from api.usecases.certificates import RegistryBenchmarks, get_by_number, payload_of
from api.usecases.scheme_guide import schemes

TARGET_KINDS = ("graded", "display_only")  # recognition-only schemes are sources, never targets


@dataclass(frozen=True)
class Checked:
    target: str
    outcome: dict[str, Any] | None  # labels.RecognitionOutcome as JSON
    error: str | None = None


def targets(on: date) -> list[str]:
    """The schemes a certificate can be presented to on `on`."""
    return [s.id for s in schemes(on) if s.kind in TARGET_KINDS]


def all_schemes(on: date) -> list[str]:
    return [s.id for s in schemes(on)]


def presented_certificate(session: Session, number: str) -> dict[str, Any]:
    """This registry's certificate as another scheme sees it: the signed document's values, with the
    footprint result and evidence dossier behind it (so a target can run its own gate). NotFound."""
    certificate = get_by_number(session, number.strip().upper())
    document = payload_of(certificate)
    footprint = document["footprint"]
    row = session.get(Footprint, footprint["id"])
    application = session.get(Application, certificate.application_id)
    evidence = (application.evidence if application is not None else None) or None
    result = row.result if row is not None else None
    return {
        "certificate_id": certificate.number,
        "scheme": document["scheme"],
        "tier": document["tier"],
        "grade": document.get("grade"),
        "issued": certificate.valid_from.date().isoformat(),
        "valid_until": certificate.valid_until.date().isoformat(),
        # the labels domain names a product as its footprint does (the BOM's id), the dossier must agree
        "product_id": (result or {}).get("product_id") or document["product"]["id"],
        "category": document["product"]["category"],
        "product_rule": (evidence or {}).get("product_rule"),
        # the signed document writes numbers as decimal strings; the recognition input takes the amount as a number
        "declared_unit": {**footprint["declared_unit"], "amount": float(footprint["declared_unit"]["amount"])},
        "boundary": footprint["boundary"],
        "standard": footprint["standard"],
        "total_kgco2e": footprint["total_kgco2e"],
        "reference_period": footprint["reference_period"],
        "electricity_method": ((result or {}).get("electricity") or {}).get("method", "location"),
        "offsets_netted": bool(((evidence or {}).get("offsets") or {}).get("netted_in_footprint", False)),
        "verifier": (evidence or {}).get("verifier"),
        "footprint": result if evidence is not None else None,
        "evidence": evidence,
    }


def uploaded_certificate(filename: str, raw: bytes, limit: int) -> dict[str, Any]:
    """An uploaded certificate JSON; InvalidInput names the file and what is wrong."""
    if len(raw) > limit:
        raise InvalidInput(f"{filename}: larger than {limit} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{filename}: not a JSON document ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{filename}: expected a JSON object with the certificate's fields")
    return data


def check(
    session: Session, domain: Domain, certificate: dict[str, Any], *, target: str | None, on: date
) -> list[Checked]:
    """The outcome at each target (every target but the certificate's own scheme when None); a target
    that cannot judge it (an invalid certificate) carries the error's message."""
    chosen = [target] if target else [t for t in targets(on) if t != certificate.get("scheme")]
    benchmarks = RegistryBenchmarks(session)
    checked = []
    for name in chosen:
        try:
            checked.append(Checked(name, domain.recognise(certificate, target=name, on=on, benchmarks=benchmarks)))
        except InvalidInput as exc:
            checked.append(Checked(name, None, exc.message))
    return checked
