"""Small steps of the workflow over an HTTP client (TestClient or httpx.Client)."""

from __future__ import annotations

import json
from typing import Any

from tests.api.standin import SCHEME, sample_bom


def create_product(client: Any, headers: dict[str, str], name: str = "LED desk lamp") -> dict[str, Any]:
    answer = client.post("/v1/products", json={"name": name, "category": "lighting"}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def upload_bom(
    client: Any, headers: dict[str, str], product_id: str, bom: dict[str, Any] | None = None
) -> dict[str, Any]:
    files = {"file": ("bom.json", json.dumps(bom or sample_bom()).encode(), "application/json")}
    answer = client.post(f"/v1/products/{product_id}/boms", files=files, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def compute(client: Any, headers: dict[str, str], product_id: str, bom_id: str) -> dict[str, Any]:
    answer = client.post(f"/v1/products/{product_id}/footprints", json={"bom_id": bom_id}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def apply(
    client: Any,
    headers: dict[str, str],
    product_id: str,
    footprint_id: str,
    scheme: str = SCHEME,
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    answer = client.post(
        "/v1/applications",
        json={"product_id": product_id, "footprint_id": footprint_id, "scheme": scheme, "evidence": evidence or {}},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def step(client: Any, headers: dict[str, str], application_id: str, action: str, reason: str | None = None) -> Any:
    body = {"reason": reason} if reason is not None else None
    return client.post(f"/v1/applications/{application_id}/{action}", json=body, headers=headers)


def application_under_review(
    client: Any,
    exporter: dict[str, str],
    certifier: dict[str, str],
    name: str = "LED desk lamp",
    evidence: dict[str, Any] | None = None,
    bom: dict[str, Any] | None = None,
) -> dict[str, Any]:
    product = create_product(client, exporter, name)
    bom_row = upload_bom(client, exporter, product["id"], bom or sample_bom(name))
    footprint = compute(client, exporter, product["id"], bom_row["id"])
    application = apply(client, exporter, product["id"], footprint["id"], evidence=evidence)
    assert step(client, exporter, application["id"], "submit").status_code == 200
    assert step(client, certifier, application["id"], "start-review").status_code == 200
    return application


def certified(
    client: Any, exporter: dict[str, str], certifier: dict[str, str], name: str = "LED desk lamp"
) -> dict[str, Any]:
    application = application_under_review(client, exporter, certifier, name)
    answer = step(client, certifier, application["id"], "approve")
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]
