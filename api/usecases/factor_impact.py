"""Factor updates as an event: which issued certificates move when the factor database changes.

Reads each certificate's stored BOM and footprint options from the service database and hands them
to footprint.impact, which recomputes them on the old and the new snapshot.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.storage.models import Application, BomUpload, Certificate, Footprint
from api.usecases import certificates as certificate_service
from footprint.impact import FootprintMove, StoredFootprint, footprint_moves
from lcidb.snapshot import Snapshot

RETIRED = ("revoked", "superseded", "expired")  # labels nobody relies on any more


def stored_footprints(session: Session, include_retired: bool = False) -> list[StoredFootprint]:
    rows = session.execute(
        select(Certificate, Footprint, BomUpload)
        .join(Application, Certificate.application_id == Application.id)
        .join(Footprint, Application.footprint_id == Footprint.id)
        .outerjoin(BomUpload, Footprint.bom_id == BomUpload.id)
        .order_by(Certificate.number)
    ).all()
    items: list[StoredFootprint] = []
    for certificate, footprint, upload in rows:
        status = certificate_service.status_of(session, certificate).status
        if status in RETIRED and not include_retired:
            continue
        result: dict[str, Any] = footprint.result or {}
        credits = result.get("credits") or {}
        items.append(StoredFootprint(
            key=certificate.number, bom=upload.bom if upload is not None else None,
            certified_kgco2e=certificate.total_kgco2e, method=footprint.method,
            electricity=(result.get("electricity") or {}).get("method", "location"),
            scenario=result.get("scenario"),
            net_credits_rule=credits.get("rule") if credits.get("approach") == "netted" else None,
            detail={"status": status, "scheme": certificate.scheme, "product_id": certificate.product_id,
                    "certified_snapshot": f"{footprint.snapshot_name}@{footprint.snapshot_hash[:12]}"},
        ))
    return items


def certificate_moves(session: Session, old: Snapshot, new: Snapshot, threshold: float,
                      include_retired: bool = False) -> list[FootprintMove]:
    return footprint_moves(stored_footprints(session, include_retired), old, new, threshold)
