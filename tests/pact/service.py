"""Helpers for the PACT service tests: accounts (partners included), a product with stored
footprints computed on the mini snapshot, HTTPS servers on loopback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from api.storage.models import User
from api.usecases import accounts
from api.usecases import products as product_service
from footprint.bom import BOM
from footprint.engine import compute


@dataclass
class Account:
    id: str
    client_id: str
    client_secret: str
    organisation_id: str


def make_account(app: Any, organisation: str, name: str, *, role: str = "exporter", kind: str = "client") -> Account:
    with app.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name=organisation)
        created = accounts.create_user(session, organisation=org, name=name, role=role, actor=None, kind=kind)
        session.commit()
        return Account(created.user.id, created.client_id, created.client_secret, org.id)


def exportable_bom(bom: BOM, **product_changes: Any) -> BOM:
    data = json.loads(bom.model_dump_json())
    data["product"].update({"mass_kg": 4.2, "pact": {"fossil_carbon_content_kgc": 0.0}, **product_changes})
    return BOM.model_validate(data)


def store_product_footprints(app: Any, owner: Account, boms: list[BOM], snapshot: Any) -> tuple[str, list[str]]:
    """One product with a footprint per BOM (in order: the last is the Active one); returns the
    product id and the footprint ids (= PACT ids, as UUIDs)."""
    with app.state.service.sessions() as session:
        actor = session.get(User, owner.id)
        product = product_service.create_product(session, actor=actor, name=boms[0].product.name,
                                                 category=boms[0].product.category, cn_code=None)
        ids = []
        for bom in boms:
            raw = bom.model_dump_json().encode()
            upload = product_service.store_bom(session, actor=actor, product=product, filename="bom.json",
                                               file_format="json", raw=raw, bom=json.loads(raw))
            row = product_service.store_footprint(session, actor=actor, product=product, bom=upload,
                                                  result=compute(bom, snapshot))
            ids.append(row.id)
        session.commit()
        return product.id, ids
