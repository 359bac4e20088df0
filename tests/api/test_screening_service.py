"""Screening and surveillance sampling through the service: registry peers, copied BOMs, reproducible draws."""

from __future__ import annotations

import copy
import json
from typing import Any

from typer.testing import CliRunner

from api.cli import app as cli
from tests.api.helpers import application_under_review, certified, step
from tests.api.standin import sample_bom

runner = CliRunner()


def four_line_bom(scale: float = 1.0, name: str = "LED desk lamp") -> dict[str, Any]:
    """Four supplier-PCF lines of 1 kg at 2, 3, 4 and 1 x scale kg CO2e/kg: total 10 x scale kg CO2e."""
    bom = sample_bom(name)
    bom["lines"] = [
        {"line_id": f"l{i}", "name": f"part {i}", "quantity": 1.0, "unit": "kg", "stage": "raw_materials",
         "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": pcf * scale, "verified": True}}
        for i, pcf in enumerate((2.0, 3.0, 4.0, 1.0))
    ]
    return bom


def _findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["check"]: f for f in report["findings"]}


def test_screening_finds_a_copied_bom_and_a_footprint_far_below_its_registry_peers(client, actors) -> None:
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    maker = actors.add("maker", "exporter", "Original Lamps Ltd")
    copier = actors.add("copier", "exporter", "Copy Lamps Ltd")
    # six registry certificates of the same key (category lighting, 1 piece): 10, 11, ..., 15 kg CO2e
    for i in range(6):
        answer = step(client, certifier, application_under_review(
            client, maker, certifier, name=f"lamp {i}", bom=four_line_bom(1 + i / 10, f"lamp {i}"))["id"], "approve")
        assert answer.status_code == 201, answer.text
    # the copier hands in lamp 0's BOM (same amounts and PCFs) under other line names and ids
    copied = copy.deepcopy(four_line_bom(1.0, "my lamp"))
    for i, line in enumerate(copied["lines"]):
        line["line_id"], line["name"] = f"c{i}", f"copied part {i}"
    application = application_under_review(client, copier, certifier, name="my lamp", bom=copied)
    answer = client.post(f"/v1/applications/{application['id']}/screening", headers=certifier)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    found = _findings(report)
    assert found["copied_bom"]["severity"] == "high"
    assert found["copied_bom"]["evidence"]["other_organisation"] != ""
    # peers 10, 11, 12, 13, 14, 15 (the copier's own product is not among them): median 12.5,
    # MAD = median(2.5, 1.5, 0.5, 0.5, 1.5, 2.5) = 1.5; x = 10: no peer below, one equal -> percentile
    # 100 x 0.5 / 6 = 8.3; robust z = (10 - 12.5) / (1.4826 x 1.5) = -1.12 -> info
    peer = found["peer_comparison"]
    assert (peer["evidence"]["peers"], peer["evidence"]["median_kgco2e"], peer["evidence"]["percentile"]) == ("6", "12.5", "8.3")
    assert peer["severity"] == "info"
    assert report["risk_score"] == 40 and report["risk_level"] == "high"
    # exporters may not screen; and a low footprint among the peers: x = 5 -> z = -3.37 -> medium (percentile 0)
    assert client.post(f"/v1/applications/{application['id']}/screening", headers=copier).status_code == 403
    low = application_under_review(client, copier, certifier, name="cheap lamp", bom=four_line_bom(0.5, "cheap lamp"))
    low_report = client.post(f"/v1/applications/{low['id']}/screening", headers=certifier,
                             json={"on": "2026-12-01"}).json()
    assert _findings(low_report)["peer_comparison"]["severity"] == "medium"
    assert _findings(low_report)["peer_comparison"]["evidence"]["robust_z"] == "-3.37"


def test_history_drop_is_measured_against_the_previous_certificate(client, actors) -> None:
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    maker = actors.add("maker", "exporter", "Lamps Ltd")
    first = certified(client, maker, certifier, name="LED desk lamp")  # 37.2 kg CO2e
    product_id = first["document"]["product"]["id"]
    # the renewal's footprint: the same product at 2 kg aluminium x 8.6 + 0.25 kg PCB x 40 = 27.2 (-26.9 %)
    upload = client.post(f"/v1/products/{product_id}/boms", headers=maker,
                         files={"file": ("bom.json", json.dumps(sample_bom(quantities=(2.0, 0.25))).encode(), "application/json")})
    footprint = client.post(f"/v1/products/{product_id}/footprints", json={"bom_id": upload.json()["id"]}, headers=maker).json()
    answer = client.post("/v1/applications", headers=maker,
                         json={"product_id": product_id, "footprint_id": footprint["id"], "scheme": "test-scheme", "evidence": {}})
    application_id = answer.json()["id"]
    report = client.post(f"/v1/applications/{application_id}/screening", headers=certifier).json()
    drop = _findings(report)["history_drop"]
    # (37.2 - 27.2) / 37.2 = 26.9 % >= 25 % -> high; a stated change of 5 kg explains 13.4 % -> 13.4 % left: medium
    assert (drop["severity"], drop["evidence"]["drop"]) == ("high", "26.9 %")
    explained = client.post(f"/v1/applications/{application_id}/screening", headers=certifier,
                            json={"stated_changes": [{"description": "smaller PCB", "reduction_kgco2e": 5.0}]}).json()
    assert _findings(explained)["history_drop"]["severity"] == "medium"
    assert _findings(explained)["history_drop"]["evidence"]["unexplained"] == "13.4 %"


def test_surveillance_sample_is_reproducible_and_gives_reasons(client, actors, database, monkeypatch) -> None:
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    maker = actors.add("maker", "exporter", "Original Lamps Ltd")
    copier = actors.add("copier", "exporter", "Copy Lamps Ltd")
    numbers = [certified(client, maker, certifier, name=f"lamp {i}")["number"] for i in range(3)]
    copied = application_under_review(client, copier, certifier, name="copied lamp", bom=four_line_bom(1.0, "copied lamp"))
    original = application_under_review(client, maker, certifier, name="original lamp", bom=four_line_bom(1.0, "original lamp"))
    for application in (copied, original):
        assert step(client, certifier, application["id"], "approve").status_code == 201
    first = client.get("/v1/surveillance/sample?n=2&seed=11", headers=certifier)
    assert first.status_code == 200, first.text
    again = client.get("/v1/surveillance/sample?n=2&seed=11", headers=certifier).json()
    assert first.json() == again
    assert again["pool"] == len(numbers) + 2
    assert [p["rank"] for p in again["picks"]] == [1, 2]
    for pick in again["picks"]:
        assert pick["reason"].startswith(f"risk {pick['risk_score']} -> weight {pick['risk_score'] + 1}")
    assert client.get("/v1/surveillance/sample?n=2&seed=11", headers=maker).status_code == 403
    # drawing the whole pool shows every risk: the identical four-line BOMs of two organisations flag
    # both sides (copied_bom high, 40 points); the two-line lamps are too short to compare and have
    # four peers each (fewer than 5): risk 0
    everyone = client.get("/v1/surveillance/sample?n=5&seed=1", headers=certifier).json()["picks"]
    risks = sorted(p["risk_score"] for p in everyone)
    assert risks == [0, 0, 0, 40, 40]
    assert all("high copied_bom" in p["reason"] for p in everyone if p["risk_score"] == 40)
    early = client.get("/v1/surveillance/sample?n=2&seed=11&on=2025-12-31", headers=certifier)
    assert early.status_code == 422 and "no value on or before 2025-12-31" in early.json()["detail"]
    if database.kind == "sqlite":  # the CLI reads the same database (PostgreSQL tests use a schema per worker)
        monkeypatch.setenv("CARBONLABEL_DATABASE_URL", database.url)
        result = runner.invoke(cli, ["sample", "--n", "2", "--seed", "11", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["picks"] == again["picks"]
