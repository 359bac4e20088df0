"""Read access for banks and buyers over real HTTP, SQLite and PostgreSQL (issue 16 item 3).

The exporter grants one product to a bank; the bank reads certificate status and validity, footprint and
verifier, the series as JSON, CSV and XLSX and the retirement records; every read is in the product's audit
chain; another organisation, or the bank's org in another role, reads nothing (404); after the exporter revokes
the grant, the bank's next read is a 404.
"""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook

from tests.api.helpers import certified


def test_bank_reads_what_the_exporter_grants_until_revoked(live_server, actors, app) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    bank = actors.add("bank", "bank", "CCB Hulunbuir")
    buyer = actors.add("buyer", "buyer", "Retail Buyer Ltd")
    with app.state.service.sessions() as s:
        from sqlalchemy import text

        bank_org = s.execute(text("SELECT id FROM organisations WHERE name = 'CCB Hulunbuir'")).scalar_one()
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        certificate = certified(http, exporter, certifier)
        number, product_id = certificate["number"], certificate["document"]["product"]["id"]
        base = f"/v1/shared/products/{product_id}"
        assert http.get(f"{base}/certificates", headers=bank).status_code == 404  # no grant yet
        granted = http.post(f"/v1/products/{product_id}/grants",
                            json={"grantee_organisation_id": bank_org, "role": "bank"}, headers=exporter)
        assert granted.status_code == 201, granted.text
        assert http.post(f"/v1/products/{product_id}/grants", json={"grantee_organisation_id": bank_org,
                                                                    "role": "bank"}, headers=bank).status_code == 403

        # the exporter lists its live grants; the bank, a buyer and another exporter cannot
        listed = http.get(f"/v1/products/{product_id}/grants", headers=exporter)
        assert listed.status_code == 200, listed.text
        assert [(g["id"], g["grantee_organisation_id"], g["grantee"], g["role"], g["product_id"])
                for g in listed.json()] == [(granted.json()["id"], bank_org, "CCB Hulunbuir", "bank", product_id)]
        assert listed.json()[0]["granted_at"] == granted.json()["granted_at"]
        assert http.get(f"/v1/products/{product_id}/grants", headers=bank).status_code == 403
        other = actors.add("other-exporter", "exporter", "Other Lamp Co")
        assert http.get(f"/v1/products/{product_id}/grants", headers=other).status_code == 404

        views = http.get(f"{base}/certificates", headers=bank)
        assert views.status_code == 200, views.text
        [view] = views.json()
        assert (view["certificate_number"], view["status"]) == (number, "valid")
        assert view["valid_until"] == certificate["document"]["valid_until"]
        assert view["footprint"]["total_kgco2e"] == certificate["document"]["footprint"]["total_kgco2e"]
        series = http.get(f"{base}/series", headers=bank).json()
        assert [(r["certificate_number"], r["total_kgco2e"]) for r in series] == [
            (number, certificate["document"]["footprint"]["total_kgco2e"])]
        as_csv = list(csv.DictReader(io.StringIO(http.get(f"{base}/series", params={"format": "csv"},
                                                          headers=bank).text)))
        assert [(r["certificate_number"], r["total_kgco2e"]) for r in as_csv] == [(r["certificate_number"],
                                                                                 r["total_kgco2e"]) for r in series]
        sheet = load_workbook(io.BytesIO(http.get(f"{base}/series", params={"format": "xlsx"}, headers=bank).content)).active
        assert [c.value for c in sheet[2]][:1] == [number] and sheet.max_row == 2
        assert http.get(f"{base}/retirements", headers=bank).json() == []  # a T1 claim holds no lots

        # the buyer has no grant; the audit chain of the product names every read of the bank
        assert http.get(f"{base}/certificates", headers=buyer).status_code == 404
        trail = http.get("/v1/audit", params={"entity_type": "product", "entity_id": product_id}, headers=exporter).json()
        reads = [row["detail"]["read"] for row in trail if row["action"] == "shared_read"]
        assert reads == ["certificates", "series.json", "series.csv", "series.xlsx", "retirements"]

        # revoked: the next read is a 404
        assert http.delete(f"/v1/products/{product_id}/grants/{granted.json()['id']}", headers=exporter).status_code == 200
        assert http.get(f"/v1/products/{product_id}/grants", headers=exporter).json() == []
        assert http.get(f"{base}/certificates", headers=bank).status_code == 404
        assert http.get(f"{base}/series", headers=bank).status_code == 404
