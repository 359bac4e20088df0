"""The indicative CBAM exposure of a certificate's product, from its certified footprint and BOM.

Read-only: looks up the footprint the certificate records and the BOM it was computed from, and
asks the domain (tariffs.indicative) for the DERIVED, not declarable, exposure per tonne."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from api.usecases.domain import Domain
from api.storage.models import BomUpload, Footprint


def indicative_for_document(session: Session, domain: Domain, document: dict[str, Any], on: date) -> dict[str, Any] | None:
    """None when the certificate's product is not a CBAM good with cbam_role BOM lines."""
    footprint_id = (document.get("footprint") or {}).get("id")
    footprint = session.get(Footprint, footprint_id) if footprint_id else None
    return indicative_for_footprint(session, domain, footprint, on) if footprint is not None else None


def indicative_for_footprint(session: Session, domain: Domain, footprint: Footprint, on: date) -> dict[str, Any] | None:
    """The same estimate for a stored footprint (certified or not): None when its product is not a
    CBAM good with cbam_role BOM lines, or it has no BOM."""
    upload = session.get(BomUpload, footprint.bom_id) if footprint.bom_id is not None else None
    if upload is None:
        return None
    return domain.cbam_indicative(upload.bom, footprint.result, on)
