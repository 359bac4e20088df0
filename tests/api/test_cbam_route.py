"""POST /v1/cbam/exposure: roles, JSON and PDF answers, malformed lines."""

from __future__ import annotations

import subprocess

import pytest

from api.usecases.engine import EngineDomain

# 100 t of hot-rolled flat steel (CN 72083900) from China on default values: the report's own
# default value for the line (China table) x (1 + mark-up) x 100 t = embedded emissions
LINE = {
    "importer_id": "GZ-IMPORTER-1",
    "regime": "EU",
    "cn_code": "72083900",
    "country_of_origin": "CN",
    "net_mass_t": 100,
    "import_date": "2026-02-15",
    "data_basis": "DEFAULT",
}


@pytest.fixture
def cbam_app(app):  # type: ignore[no-untyped-def]
    app.state.service.domain = EngineDomain()  # the real tariffs calculator
    return app


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_exposure_json_for_trade_office_and_exporter_not_certifier(cbam_app, client, actors) -> None:
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    exporter = actors.add("exporter", "exporter", "Steel Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    answer = client.post("/v1/cbam/exposure", json={"lines": [LINE]}, headers=trade)
    assert answer.status_code == 200, answer.text
    line = answer.json()["lines"][0]
    assert line["cn_code"] == "72083900" and line["data_basis"] == "DEFAULT"
    expected = line["default_value_t_per_t"] * (1 + line["markup"]) * 100
    assert abs(line["embedded_emissions_t"] - expected) < 1e-6
    # with the shipped 2026 data: 3.187 t CO2e/t (China table, heading 7208) x 1.10 x 100 t = 350.57 t
    assert abs(line["embedded_emissions_t"] - 350.57) < 1e-9
    assert client.post("/v1/cbam/exposure", json={"lines": [LINE]}, headers=exporter).status_code == 200
    with_prior = client.post("/v1/cbam/exposure", json={"lines": [LINE], "prior_mass_t": 12.5}, headers=trade)
    assert with_prior.status_code == 200, with_prior.text
    assert (
        client.post("/v1/cbam/exposure", json={"lines": [LINE], "prior_mass_t": -1}, headers=trade).status_code == 422
    )
    assert client.post("/v1/cbam/exposure", json={"lines": [LINE]}, headers=certifier).status_code == 403
    assert client.post("/v1/cbam/exposure", json={"lines": [LINE]}).status_code == 401


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_exposure_pdf_and_malformed_line(cbam_app, client, actors, tmp_path) -> None:
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    pdf = client.post(
        "/v1/cbam/exposure", json={"lines": [LINE], "projection": True}, headers={**trade, "Accept": "application/pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "cbam.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "cbam.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "72083900" in text
    bad = client.post("/v1/cbam/exposure", json={"lines": [{**LINE, "cn_code": "7208"}]}, headers=trade)
    assert bad.status_code == 422
    assert "line 1" in bad.json()["detail"] and "cn_code" in bad.json()["detail"]
    assert client.post("/v1/cbam/exposure", json={"lines": []}, headers=trade).status_code == 422
