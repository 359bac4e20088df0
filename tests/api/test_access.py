"""Authentication, roles and organisation isolation; bad input answers."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from sqlalchemy import update

from api.storage.models import AccessToken, utcnow
from api.security import token_digest
from tests.api.helpers import certified, compute, create_product, upload_bom
from tests.api.standin import sample_bom


def test_token_endpoint_form_and_basic_and_bad_credentials(client, actors) -> None:
    actors.add("exporter", "exporter", "Lamp Co")
    client_id, secret = actors.credentials["exporter"]
    form = client.post(
        "/auth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert form.status_code == 200
    assert form.json()["token_type"] == "bearer"
    assert form.json()["expires_in"] == 3600
    assert form.headers["cache-control"] == "no-store"
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    assert (
        client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
        ).status_code
        == 200
    )
    wrong = client.post(
        "/auth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"}
    )
    assert wrong.status_code == 401
    assert (
        client.post(
            "/auth/token", data={"grant_type": "password", "client_id": client_id, "client_secret": secret}
        ).status_code
        == 400
    )


def test_missing_malformed_and_expired_tokens_are_401(client, actors, app) -> None:
    headers = actors.add("exporter", "exporter", "Lamp Co")
    assert client.get("/v1/products").status_code == 401
    assert client.get("/v1/products", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/v1/products", headers={"Authorization": "Token abc"}).status_code == 401
    answer = client.get("/v1/products", headers=headers)
    assert answer.status_code == 200
    token = headers["Authorization"].split()[1]
    with app.state.service.sessions() as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == token_digest(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    expired = client.get("/v1/products", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "bearer token expired"
    assert expired.headers["www-authenticate"] == "Bearer"


def test_wrong_role_is_403(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    assert client.post("/v1/products", json={"name": "x"}, headers=certifier).status_code == 403
    assert client.get("/v1/products", headers=trade).status_code == 403
    number = certified(client, exporter, certifier)["number"]
    assert client.post(f"/v1/certificates/{number}/revoke", json={"reason": "x"}, headers=exporter).status_code == 403
    assert client.post("/v1/organisations", json={"name": "New"}, headers=certifier).status_code == 403


def test_exporters_see_only_their_organisation(client, actors) -> None:
    lamp = actors.add("lamp", "exporter", "Lamp Co")
    fan = actors.add("fan", "exporter", "Fan Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    certificate = certified(client, lamp, certifier)
    product_id = certificate["document"]["product"]["id"]
    application_id = certificate["document"]["application_id"]
    footprint_id = certificate["document"]["footprint"]["id"]
    for path in (
        f"/v1/products/{product_id}",
        f"/v1/applications/{application_id}",
        f"/v1/footprints/{footprint_id}",
        f"/v1/certificates/{certificate['number']}",
    ):
        assert client.get(path, headers=fan).status_code == 404, path
        assert client.get(path, headers=lamp).status_code == 200, path
        assert client.get(path, headers=certifier).status_code == 200, path
    assert client.get("/v1/products", headers=fan).json() == []
    # Fan Co's audit holds only its own organisation's and client's creation, nothing of Lamp Co's
    assert [(r["entity_type"], r["action"]) for r in client.get("/v1/audit", headers=fan).json()] == [
        ("organisation", "create"),
        ("user", "create"),
    ]
    assert {row["organisation_id"] for row in client.get("/v1/audit", headers=lamp).json()} == {
        certificate["document"]["organisation"]["id"]
    }
    # another organisation's product cannot be used in an upload either
    files = {"file": ("bom.json", json.dumps(sample_bom()).encode(), "application/json")}
    assert client.post(f"/v1/products/{product_id}/boms", files=files, headers=fan).status_code == 404


def test_admin_creates_organisations_and_users_who_can_log_in(client, actors) -> None:
    admin = actors.add("admin", "admin", "Service Operator")
    org = client.post("/v1/organisations", json={"name": "Fan Co"}, headers=admin)
    assert org.status_code == 201
    assert client.post("/v1/organisations", json={"name": "Fan Co"}, headers=admin).status_code == 409
    user = client.post(
        "/v1/users", json={"organisation_id": org.json()["id"], "name": "fan", "role": "exporter"}, headers=admin
    )
    assert user.status_code == 201
    created = user.json()
    token = client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    ).json()["access_token"]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["organisation_id"]) == ("exporter", org.json()["id"])
    assert (
        client.post(
            "/v1/users", json={"organisation_id": org.json()["id"], "name": "x", "role": "king"}, headers=admin
        ).status_code
        == 422
    )


def test_oversized_upload_is_413(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    big = b"[" + b" " * (70 * 1024) + b"]"  # the test app limits uploads to 64 KiB
    answer = client.post(
        f"/v1/products/{product['id']}/boms", files={"file": ("bom.json", big, "application/json")}, headers=exporter
    )
    assert answer.status_code == 413
    huge = b" " * (200 * 1024)  # beyond the multipart allowance: refused on Content-Length alone
    answer = client.post(
        f"/v1/products/{product['id']}/boms", files={"file": ("bom.json", huge, "application/json")}, headers=exporter
    )
    assert answer.status_code == 413


def test_malformed_bom_is_422_naming_the_line(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    bom = sample_bom()
    bom["lines"][1]["quantity"] = "lots"
    answer = client.post(
        f"/v1/products/{product['id']}/boms",
        files={"file": ("lamp.json", json.dumps(bom).encode(), "application/json")},
        headers=exporter,
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "lines[1]" in detail and "quantity" in detail and "lamp.json" in detail
    assert "/tmp" not in detail
    csv_text = "line_id,name,quantity,unit,stage,data_type,factor_id\nl0,steel,2,kg,raw_materials,primary,steel\nl1,glass,abc,kg,raw_materials,primary,glass\n"
    product_json = json.dumps({"product": sample_bom()["product"]}).encode()
    answer = client.post(
        f"/v1/products/{product['id']}/boms",
        files={
            "file": ("lamp.csv", csv_text.encode(), "text/csv"),
            "product": ("product.json", product_json, "application/json"),
        },
        headers=exporter,
    )
    assert answer.status_code == 422
    assert "row 3" in answer.json()["detail"], answer.json()
    bad_suffix = client.post(
        f"/v1/products/{product['id']}/boms", files={"file": ("lamp.txt", b"x", "text/plain")}, headers=exporter
    )
    assert bad_suffix.status_code == 422
    not_json = client.post(
        f"/v1/products/{product['id']}/boms",
        files={"file": ("lamp.json", b"{oops", "application/json")},
        headers=exporter,
    )
    assert not_json.status_code == 422


def test_csv_and_xlsx_uploads_give_the_same_bom_as_json(client, actors, tmp_path) -> None:
    from footprint.bom import BOM
    from footprint.bom_io import write_bom_csv, write_bom_xlsx  # type: ignore[attr-defined]

    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    model = BOM.model_validate(sample_bom())
    json_row = upload_bom(client, exporter, product["id"])
    write_bom_xlsx(model, tmp_path / "lamp.xlsx")
    write_bom_csv(model, tmp_path / "lamp.csv", tmp_path / "product.json")
    xlsx = client.post(
        f"/v1/products/{product['id']}/boms",
        files={"file": ("lamp.xlsx", (tmp_path / "lamp.xlsx").read_bytes())},
        headers=exporter,
    )
    csv = client.post(
        f"/v1/products/{product['id']}/boms",
        files={
            "file": ("lamp.csv", (tmp_path / "lamp.csv").read_bytes()),
            "product": ("product.json", (tmp_path / "product.json").read_bytes()),
        },
        headers=exporter,
    )
    assert xlsx.status_code == 201, xlsx.text
    assert csv.status_code == 201, csv.text
    totals = {
        compute(client, exporter, product["id"], row["id"])["total_kgco2e"]
        for row in (json_row, xlsx.json(), csv.json())
    }
    assert len(totals) == 1 and abs(totals.pop() - 37.2) < 1e-9


def test_chunked_body_without_length_is_cut_off_at_the_limit(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": "'
        for _ in range(300):  # 300 KiB > 64 KiB limit + 64 KiB multipart allowance
            yield b"x" * 1024
        yield b'"}'

    answer = client.post("/v1/products", content=chunks(), headers={**exporter, "Content-Type": "application/json"})
    assert answer.status_code == 413

    small = client.post(
        "/v1/products", content=iter([b'{"name": ', b'"Lamp"}']), headers={**exporter, "Content-Type": "application/json"}
    )
    assert small.status_code == 201, small.text  # a small chunked body is read as usual
