"""Two instances of the service over real HTTPS on loopback: a supplier and a customer.

The customer asks the supplier for the footprint of a stool (RequestCreatedEvent through its
outbox); the supplier answers from what its exporter shared (RequestFulfilledEvent delivered to
the host in the event's source, with the credentials that host issued to the supplier); the
customer's BOM books the answer and the numbers agree. Then the supplier recomputes the stool,
the customer fetches the newer version by product id and sees what it would change.

Hand calculation (tests/footprint/test_engine.py, test_credits_and_pools.py): the supplier computes
with the engine's default, cut-off (its recycling credits stay out of the total), so the stool's
footprint is CUTOFF_TOTAL = TOTAL + 0.1 S per piece; the customer's bench books 2 stools:
2 x CUTOFF_TOTAL. The second version of the stool has a 600 g seat instead of 500 g: + 0.1 W per
stool (W = -1.223), so the bench changes by 2 x 0.1 x W = -0.2446.
"""

from __future__ import annotations

import json
import math
import ssl
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import uvicorn

from api.http.app import create_app
from api.storage.models import User
from api.usecases import products as product_service
from api.settings import Settings
from footprint.bom import BOM
from footprint.engine import compute
from footprint.pact import read_pact_document
from footprint.pact_supplier import use_pact_in_bom
from tests.api.conftest import free_port
from tests.api.helpers import apply, step
from tests.api.standin import StandInDomain
from tests.footprint.test_credits_and_pools import CUTOFF_TOTAL
from tests.footprint.test_engine import W
from tests.pact.service import exportable_bom, make_account, store_product_footprints
from tests.pact.tls import make_tls


class HttpsInstance:
    """One service: its own home, SQLite database and key, served by uvicorn over HTTPS."""

    def __init__(self, root: Path, name: str, tls: Any):
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        home = root / name
        home.mkdir()
        settings = Settings(home=home, database_url=f"sqlite:///{home / 'service.sqlite3'}", public_url=self.url,
                            signing_key_path=home / "keys" / "signing-ed25519.pem", embedded=True, issuer=name)
        self.app = create_app(settings, domain=StandInDomain())
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                ssl_certfile=str(tls.cert), ssl_keyfile=str(tls.key))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.http = httpx.Client(base_url=self.url, verify=ssl.create_default_context(cafile=str(tls.ca)), timeout=30)

    def __enter__(self) -> HttpsInstance:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        from api.http.routes.pact import worker

        worker(self.app.state.service).stop()
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.service.engine.dispose()

    def token(self, account: Any) -> dict[str, str]:
        answer = self.http.post("/auth/token", data={"grant_type": "client_credentials"},
                                auth=(account.client_id, account.client_secret))
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


BENCH = {
    "product": {"id": "bench-2", "name": "Garden bench", "category": "furniture",
                "declared_unit": {"unit": "piece", "amount": 1}, "boundary": "cradle-to-gate",
                "reference_period": {"start": "2026-01-01", "end": "2026-06-30"}, "site_region": "DE"},
    "lines": [
        {"line_id": "stools", "name": "stool (from the supplier)", "quantity": 2, "unit": "piece",
         "stage": "raw_materials", "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 1.0}},
        {"line_id": "board", "name": "steel board", "quantity": 3, "unit": "kg", "stage": "raw_materials",
         "data_type": "secondary", "factor_id": "steel"},
    ],
}


def _wait(check, what: str, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    files = make_tls(tmp_path / "tls")
    monkeypatch.setenv("CARBONLABEL_PACT_CA_BUNDLE", str(files.ca))  # both instances trust the test CA
    return files


def test_request_fulfil_use_and_newer_version(tmp_path: Path, tls, home, mini_snapshot, mini_bom) -> None:
    today = date.today()
    with HttpsInstance(tmp_path, "supplier", tls) as supplier, HttpsInstance(tmp_path, "customer", tls) as customer:
        # --- accounts: each side has its exporter and a partner account for the other side
        stools = make_account(supplier.app, "Foshan Stools Ltd", "stools-erp")
        buyer_at_supplier = make_account(supplier.app, "EU Buyer GmbH", "eu-buyer", kind="partner")
        buyer = make_account(customer.app, "EU Buyer GmbH", "buyer-erp")
        supplier_at_customer = make_account(customer.app, "Foshan Stools Ltd", "foshan-stools", kind="partner")

        # --- the supplier's stool, its footprint, shared with the buyer
        product_id, (pf_v1,) = store_product_footprints(supplier.app, stools, [exportable_bom(mini_bom)], mini_snapshot)
        s_head = supplier.token(stools)
        assert supplier.http.post("/v1/pact/shares", json={"product_id": product_id, "partner_id": buyer_at_supplier.id},
                                  headers=s_head).status_code == 201
        # the supplier answers to the customer's host with the credentials the customer issued it
        assert supplier.http.post("/v1/pact/connections", headers=s_head, json={
            "name": "EU Buyer", "base_url": customer.url, "client_id": supplier_at_customer.client_id,
            "client_secret": supplier_at_customer.client_secret, "partner_id": buyer_at_supplier.id}).status_code == 201

        # --- the customer registers the supplier's endpoint with the credentials the supplier issued it
        c_head = customer.token(buyer)
        conn = customer.http.post("/v1/pact/connections", headers=c_head, json={
            "name": "Foshan Stools", "base_url": supplier.url, "client_id": buyer_at_supplier.client_id,
            "client_secret": buyer_at_supplier.client_secret, "partner_id": supplier_at_customer.id})
        assert conn.status_code == 201, conn.text
        conn_id = conn.json()["id"]

        # --- asynchronous request -> fulfilled through events
        stool_urn = "urn:pact:127.0.0.1:product-id:mini-1"
        asked = customer.http.post(f"/v1/pact/connections/{conn_id}/requests", headers=c_head,
                                   json={"query": {"productId": [stool_urn]}, "comment": "bench 2026"})
        assert asked.status_code == 202, asked.text
        request_id = asked.json()["id"]
        answered = _wait(lambda: (r := customer.http.get(f"/v1/pact/requests/{request_id}", headers=c_head).json())
                         ["status"] != "pending" and r, "the supplier's answer")
        assert answered["status"] == "fulfilled", answered
        (record,) = answered["footprints"]
        pf_v1_uuid = UUID(pf_v1)
        assert record["via"] == "event" and record["pf_id"] == str(pf_v1_uuid)
        assert record["source"] == f"//127.0.0.1:{supplier.port}/3/events"

        # --- the customer's BOM books the answer; the numbers agree
        pf = read_pact_document(record["document"]).footprints[0]
        assert math.isclose(float(pf.pcf.pcf_including_biogenic_uptake), CUTOFF_TOTAL, rel_tol=1e-12)
        bench = use_pact_in_bom(BOM.model_validate(BENCH), "stools", pf, on=today)
        result = compute(bench, mini_snapshot)
        lines = {c.line_id: c for c in result.lines}
        assert math.isclose(lines["stools"].kgco2e, 2 * CUTOFF_TOTAL, rel_tol=1e-12)
        assert bench.line("stools").supplier_pcf.pact_pf_id == str(pf_v1_uuid)
        with customer.app.state.service.sessions() as session:
            actor = session.get(User, buyer.id)
            product = product_service.create_product(session, actor=actor, name="Garden bench", category="furniture",
                                                     cn_code=None)
            raw = bench.model_dump_json().encode()
            upload = product_service.store_bom(session, actor=actor, product=product, filename="bench.json",
                                               file_format="json", raw=raw, bom=json.loads(raw))
            stored = product_service.store_footprint(session, actor=actor, product=product, bom=upload, result=result)
            session.commit()
            bench_footprint = stored.id

        # --- the bench is certified on that footprint through the real workflow (an accredited body's certifier)
        certifier = make_account(customer.app, "GBA Certification Centre", "reviewer", role="certifier")
        r_head = customer.token(certifier)
        application = apply(customer.http, c_head, product.id, bench_footprint)
        assert step(customer.http, c_head, application["id"], "submit").status_code == 200
        assert step(customer.http, r_head, application["id"], "start-review").status_code == 200
        approved = step(customer.http, r_head, application["id"], "approve")
        assert approved.status_code == 201, approved.text
        bench_certificate = approved.json()["number"]

        # --- the supplier recomputes the stool (600 g seat): a new footprint, the old one deprecated
        v2_bom = json.loads(exportable_bom(mini_bom).model_dump_json())
        next(line for line in v2_bom["lines"] if line["line_id"] == "seat")["quantity"] = 600
        with supplier.app.state.service.sessions() as session:
            from api.storage.models import Product

            actor = session.get(User, stools.id)
            product = session.get(Product, product_id)
            raw = json.dumps(v2_bom).encode()
            upload = product_service.store_bom(session, actor=actor, product=product, filename="bom2.json",
                                               file_format="json", raw=raw, bom=v2_bom)
            product_service.store_footprint(session, actor=actor, product=product, bom=upload,
                                            result=compute(BOM.model_validate(v2_bom), mini_snapshot))
            session.commit()

        # --- the supplier publishes; the customer's host fetches the footprints by id on its own
        published = supplier.http.post(f"/v1/pact/products/{product_id}/publish", headers=s_head)
        assert published.status_code == 202 and len(published.json()["queued"]) == 1
        _wait(lambda: any(r["via"] == "get" and r["document"]["status"] == "Active" and r["pf_id"] != str(pf_v1_uuid)
                          for r in customer.http.get("/v1/pact/footprints", headers=c_head).json()),
              "the published footprint to be fetched")

        # --- the customer fetches by product id (list) and sees the newer version's impact
        fetched = customer.http.post(f"/v1/pact/connections/{conn_id}/fetch", headers=c_head,
                                     json={"product_id": stool_urn})
        assert fetched.status_code == 200, fetched.text
        by_status = {r["document"]["status"]: r for r in fetched.json()}
        newer = by_status["Active"]
        assert newer["document"]["precedingPfIds"] == [str(pf_v1_uuid)] and newer["via"] == "list"
        impact = customer.http.get(f"/v1/pact/footprints/{newer['id']}/impact", headers=c_head)
        assert impact.status_code == 200, impact.text
        (change,) = impact.json()
        assert change["footprint_id"] == bench_footprint and change["lines"][0]["line_id"] == "stools"
        assert change["certificates"] == [bench_certificate]  # the certificate issued on the bench footprint
        assert math.isclose(change["total_after"] - change["total_before"], 2 * 0.1 * W, rel_tol=1e-9)
        # fetched by id gives the same document
        one = customer.http.post(f"/v1/pact/connections/{conn_id}/fetch", headers=c_head,
                                 json={"pf_id": newer["pf_id"]})
        assert one.json()[0]["document"] == newer["document"] and one.json()[0]["via"] == "get"


def test_a_request_nothing_matches_is_rejected(tmp_path: Path, tls, home) -> None:
    with HttpsInstance(tmp_path, "supplier", tls) as supplier, HttpsInstance(tmp_path, "customer", tls) as customer:
        buyer_at_supplier = make_account(supplier.app, "EU Buyer GmbH", "eu-buyer", kind="partner")
        stools = make_account(supplier.app, "Foshan Stools Ltd", "stools-erp")
        buyer = make_account(customer.app, "EU Buyer GmbH", "buyer-erp")
        supplier_at_customer = make_account(customer.app, "Foshan Stools Ltd", "foshan", kind="partner")
        assert supplier.http.post("/v1/pact/connections", headers=supplier.token(stools), json={
            "name": "EU Buyer", "base_url": customer.url, "client_id": supplier_at_customer.client_id,
            "client_secret": supplier_at_customer.client_secret, "partner_id": buyer_at_supplier.id}).status_code == 201
        c_head = customer.token(buyer)
        conn_id = customer.http.post("/v1/pact/connections", headers=c_head, json={
            "name": "Foshan", "base_url": supplier.url, "client_id": buyer_at_supplier.client_id,
            "client_secret": buyer_at_supplier.client_secret, "partner_id": supplier_at_customer.id}).json()["id"]
        request_id = customer.http.post(f"/v1/pact/connections/{conn_id}/requests", headers=c_head,
                                        json={"query": {"productId": ["urn:gtin:0000"]}}).json()["id"]
        answered = _wait(lambda: (r := customer.http.get(f"/v1/pact/requests/{request_id}", headers=c_head).json())
                         ["status"] != "pending" and r, "the rejection")
        assert answered["status"] == "rejected"
        assert answered["answer"]["error"]["code"] == "NotFound" and answered["footprints"] == []
