"""Issue 9, "What was seen" 1, 3, 5 and 9 (the input side) as regression tests on SQLite and PostgreSQL.

Each answer must be a 4xx JSON body with a stable `code`, and a refused request must leave no
state change behind (the application keeps its status and history; the listing still works).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from api.usecases.engine import EngineDomain
from api.storage.models import Application, BomUpload, HistoryEntry, Product
from tests.api.helpers import apply, compute, create_product, step, upload_bom
from tests.api.standin import sample_bom


def coded(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def post_bom(client: Any, headers: dict[str, str], product_id: str, raw: bytes, name: str = "bom.json") -> Any:
    return client.post(f"/v1/products/{product_id}/boms", files={"file": (name, raw, "application/json")},
                       headers=headers)


def nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        document = {"x": document}
    return document


def count(app: Any, model: Any) -> int:
    with app.state.service.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


# ------------------------------------------------------------------ What was seen 1 (BOM side)
def test_negative_supplier_pcf_never_reaches_a_footprint(client, actors, app) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    bom = sample_bom()
    bom["lines"][1]["supplier_pcf"]["kgco2e_per_unit"] = -1000
    body = coded(post_bom(client, exporter, product["id"], json.dumps(bom).encode()), 422, "bom.negative_emissions")
    assert (body["line"], body["field"]) == (1, "supplier_pcf.kgco2e_per_unit")
    assert count(app, BomUpload) == 0


# ------------------------------------------------------------------ What was seen 3
@pytest.mark.parametrize("depth", [255, 500, 20])
def test_submit_with_deep_evidence_changes_nothing_and_the_listing_still_works(client, actors, app, depth) -> None:
    """255 and 500 levels are refused by the strict request reader (json.too_deep, depth > 24);
    20 levels pass it but not the stored-evidence limit (12 levels): document.too_deep. Either
    way the application stays a draft with its one history row."""
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    product = create_product(client, exporter)
    footprint = compute(client, exporter, product["id"], upload_bom(client, exporter, product["id"])["id"])
    application = apply(client, exporter, product["id"], footprint["id"])
    history_before = count(app, HistoryEntry)
    answer = client.post(f"/v1/applications/{application['id']}/submit", json={"evidence": nested(depth)},
                         headers=exporter)
    coded(answer, 422, "json.too_deep" if depth > 24 else "document.too_deep")
    with app.state.service.sessions() as session:
        assert session.get(Application, application["id"]).status == "draft"  # type: ignore[union-attr]
    assert count(app, HistoryEntry) == history_before
    for who in (exporter, certifier):
        listing = client.get("/v1/applications", headers=who)
        assert listing.status_code == 200, listing.text
    created = client.post("/v1/applications", json={"product_id": product["id"], "footprint_id": footprint["id"],
                                                      "scheme": "test-scheme", "evidence": nested(depth)},
                          headers=exporter)
    assert created.status_code == 422 and "code" in created.json()
    assert step(client, exporter, application["id"], "submit").status_code == 200  # still submittable


# ------------------------------------------------------------------ What was seen 5
def test_file_names_over_255_bytes_or_with_nul_are_4xx(client, actors, app) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    raw = json.dumps(sample_bom()).encode()
    coded(post_bom(client, exporter, product["id"], raw, "a" * 251 + ".json"), 422, "upload.filename_too_long")
    coded(post_bom(client, exporter, product["id"], raw, "螺" * 84 + ".json"), 422, "upload.filename_too_long")
    # httpx escapes NUL in a file name as %00: write the multipart body by hand, with the raw byte
    boundary = "carbonlabelboundary"
    multipart = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bom\x00.json"\r\n'
                 f"Content-Type: application/json\r\n\r\n").encode() + raw + f"\r\n--{boundary}--\r\n".encode()
    answer = client.post(f"/v1/products/{product['id']}/boms", content=multipart,
                         headers={**exporter, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    coded(answer, 422, "upload.filename_invalid")
    coded(post_bom(client, exporter, product["id"], raw, "bolt\u202etxt.json"), 422, "upload.filename_invalid")
    assert count(app, BomUpload) == 0
    upload_bom(client, exporter, product["id"])  # an ordinary name still works


@pytest.mark.parametrize(("quantity", "code"), [("1e308", "bom.too_large"), ("1e400", "bom.non_finite"),
                                                ("NaN", "bom.non_finite"), ("true", "bom.boolean_as_number")])
def test_absurd_bom_quantities_are_422_naming_the_line(client, actors, quantity, code) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    text = json.dumps(sample_bom()).replace('"quantity": 0.5', f'"quantity": {quantity}')
    body = coded(post_bom(client, exporter, product["id"], text.encode()), 422, code)
    assert (body["line"], body["field"]) == (1, "quantity")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_in_any_json_body_are_a_clean_422(client, actors, literal) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    body = '{"bom_id": "x", "seed": %s}' % literal
    answer = client.post(f"/v1/products/{product['id']}/footprints", content=body,
                         headers={**exporter, "Content-Type": "application/json"})
    assert coded(answer, 422, "json.non_finite")["path"] == "$.seed"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_cbam_net_mass_1e30_is_422_not_invalid_operation(app, client, actors) -> None:
    app.state.service.domain = EngineDomain()
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    line = {"cn_code": "72083900", "country_of_origin": "CN", "net_mass_t": 1e30, "import_date": "2026-02-15"}
    body = coded(client.post("/v1/cbam/exposure", json={"lines": [line]}, headers=trade), 422, "cbam.invalid_line")
    assert body["field"] == "net_mass_t" and body["line"] == 1


@pytest.mark.parametrize(("name", "code"), [
    ('"bolt\\ud800"', "json.lone_surrogate"),
    ('"bolt\\u0000"', "json.nul_character"),
    ('"   "', "request.validation"),
    ('"bolt\\u202etxt.exe"', "request.validation"),
    ('"bolt\\u001b[2J"', "request.validation"),
])
def test_bad_product_names_are_refused_on_both_databases(client, actors, app, name, code) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    answer = client.post("/v1/products", content='{"name": %s}' % name,
                         headers={**exporter, "Content-Type": "application/json"})
    coded(answer, 422, code)
    assert count(app, Product) == 0
    assert client.get("/v1/products", headers=exporter).status_code == 200


def test_nul_in_a_query_string_is_refused(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    coded(client.get("/v1/applications?status=draft%00", headers=exporter), 422, "request.nul_character")


# ------------------------------------------------------------------ What was seen 9 (inputs)
def test_duplicate_keys_in_a_request_body_are_refused(client, actors, app) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    answer = client.post("/v1/products", content='{"name": "Lamp", "name": "Other lamp"}',
                         headers={**exporter, "Content-Type": "application/json"})
    assert coded(answer, 422, "json.duplicate_key")["path"] == "$.name"
    assert count(app, Product) == 0


def test_duplicate_keys_in_a_bom_file_are_refused(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    text = json.dumps(sample_bom()).replace('"quantity": 0.5', '"quantity": 0.5, "quantity": 500')
    body = coded(post_bom(client, exporter, product["id"], text.encode()), 422, "bom.duplicate_key")
    assert (body["line"], body["field"]) == (1, "quantity")


# ------------------------------------------------------------------ every error is JSON with a code
def test_errors_of_every_kind_are_json_with_a_code(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    coded(client.get("/no/such/route"), 404, "http.404")
    coded(client.get("/v1/products"), 401, "not_authenticated")
    coded(client.get("/v1/products/nope", headers=exporter), 404, "not_found")
    coded(client.get("/v1/products?limit=0", headers=exporter), 422, "request.validation")
    coded(client.post("/v1/products", content="{oops", headers={**exporter, "Content-Type": "application/json"}),
          422, "json.invalid")


def test_the_token_endpoint_keeps_rfc_6749_errors(client, actors) -> None:
    actors.add("exporter", "exporter", "Lamp Co")
    client_id, _ = actors.credentials["exporter"]
    wrong = client.post("/auth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                             "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    missing = client.post("/auth/token", data={"client_id": client_id})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert client.post("/auth/token", data={"grant_type": "password"}).json() == {"error": "unsupported_grant_type"}
    # NUL in a client id: PostgreSQL cannot even compare it (this answered 500)
    nul = client.post("/auth/token", content=b"grant_type=client_credentials&client_id=a%00b&client_secret=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert nul.status_code == 400 and nul.json()["error"] == "invalid_request", nul.text
