"""The embedded demo: default database, a sample organisation with users and a product with a footprint.

Run by `carbonlabel demo`. Idempotent: a second start reuses what the first created; the client
secrets (stored only as hashes in the database) are kept in CARBONLABEL_HOME/demo-credentials.json
(mode 0600) so they can be printed again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api.storage.models import BomUpload, Product, User
from api.usecases import accounts, products
from api.settings import Settings
from api.state import ServiceState
from lcidb.home import package_path

DEMO_ROLES = (
    ("exporter", "exporter", "Demo Lamp Works 示范灯具厂"),
    ("certifier", "certifier", "Demo Certification Centre 示范认证中心"),
    ("trade_office", "trade_office", "Demo Trade Office 示范贸易办公室"),
    ("admin", "admin", "carbonlabel operator"),
)
SAMPLE_BOM = package_path("api", "demo_data", "desk_lamp.bom.json")


def ensure_default_database() -> str:
    """Build the shipped default snapshot when none is published yet; returns its name@hash."""
    from lcidb.errors import SnapshotNotFound
    from lcidb.snapshot import load_snapshot

    try:
        snapshot = load_snapshot("default")
    except SnapshotNotFound:
        from lcidb.build import build_snapshot

        build_snapshot(sources=[], name=None, with_default=False)
        snapshot = load_snapshot("default")
    return f"{snapshot.name}@{snapshot.hash[:12]}"


def _credentials_file(settings: Settings) -> Path:
    return settings.home / "demo-credentials.json"


def seed(state: ServiceState) -> dict[str, Any]:
    """Create the demo organisations, users and product once; return the credentials to print."""
    path = _credentials_file(state.settings)
    stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    with state.sessions() as session:
        for label, role, organisation_name in DEMO_ROLES:
            known = stored.get(label)
            if known and session.scalar(select(User).where(User.client_id == known["client_id"])) is not None:
                continue
            organisation = accounts.get_or_create_organisation(session, name=organisation_name)
            created = accounts.create_user(
                session, organisation=organisation, name=f"demo {label}", role=role, actor=None
            )
            stored[label] = {"client_id": created.client_id, "client_secret": created.client_secret, "role": role}
        session.commit()
        exporter = session.scalar(select(User).where(User.client_id == stored["exporter"]["client_id"]))
        assert exporter is not None
        product = session.scalar(select(Product).where(Product.organisation_id == exporter.organisation_id))
        if product is None:
            bom = state.domain.read_bom(SAMPLE_BOM)
            product = products.create_product(
                session, actor=exporter, name=bom["product"]["name"], category=bom["product"]["category"], cn_code=None
            )
            upload = products.store_bom(
                session,
                actor=exporter,
                product=product,
                filename=SAMPLE_BOM.name,
                file_format="json",
                raw=SAMPLE_BOM.read_bytes(),
                bom=bom,
            )
            result = state.domain.compute(bom, method="AR6", electricity="location", monte_carlo=None, seed=None)
            products.store_footprint(session, actor=exporter, product=product, bom=upload, result=result)
            session.commit()
        upload_id = session.scalar(select(BomUpload.id).where(BomUpload.product_id == product.id))
        stored["sample_product"] = {"id": product.id, "name": product.name, "bom_id": upload_id}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, ensure_ascii=False, indent=2)
    return stored


# People who sign in to the web pages (login name, role as in DEMO_ROLES); passwords are random
# per CARBONLABEL_HOME and kept (mode 0600) beside the client credentials, so a restart prints
# the same ones.
DEMO_PEOPLE = (
    ("exporter", "demo-exporter"),
    ("certifier", "demo-certifier"),
    ("trade_office", "demo-trade-office"),
    ("admin", "demo-admin"),
)


def seed_people(state: ServiceState) -> dict[str, dict[str, str]]:
    """One person per demo role, in the same organisations as the demo clients; returns
    {label: {"login", "password", "role"}} to print."""
    import secrets

    from api.usecases import web_accounts

    path = state.settings.home / "demo-people.json"
    stored: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    organisations = {label: name for label, _role, name in DEMO_ROLES}
    roles = {label: role for label, role, _name in DEMO_ROLES}
    with state.sessions() as session:
        for label, login in DEMO_PEOPLE:
            person = session.scalar(select(User).where(User.client_id == login))
            if person is not None and label in stored:
                continue
            password = secrets.token_urlsafe(12)
            if person is None:
                organisation = accounts.get_or_create_organisation(session, name=organisations[label])
                created = accounts.create_user(
                    session, organisation=organisation, name=f"demo {label} (web)", role=roles[label],
                    actor=None, kind="person",
                )
                person = created.user
                person.client_id = login  # a login name people can type
            web_accounts.set_password(session, user=person, password=password, actor=None)
            stored[label] = {"login": login, "password": password, "role": roles[label]}
        session.commit()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, ensure_ascii=False, indent=2)
    return stored
