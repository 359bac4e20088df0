"""POST /v1/cbam/portfolio (JSON lines) and /v1/cbam/portfolio/upload (CSV, XLSX): roles, formats, errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.usecases.engine import EngineDomain
from tests.tariffs.portfolio_lines import portfolio_rows

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cbam" / "portfolio.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def cbam_app(app):  # type: ignore[no-untyped-def]
    app.state.service.domain = EngineDomain()
    return app


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_portfolio_json_pdf_xlsx_for_trade_office_only(cbam_app, client, actors) -> None:
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    exporter = actors.add("exporter", "exporter", "Steel Co")
    body = {"lines": portfolio_rows(30), "obligations": True}
    answer = client.post("/v1/cbam/portfolio", json=body, headers=trade)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert len(data["exposure"]["lines"]) == 30 and data["exposure"]["obligations"]["importers"]
    assert sum(row["lines"] for row in data["by_exporter"]) == 30
    assert {row["key"] for row in data["by_destination"]} == {"EU", "UK"}
    pdf = client.post("/v1/cbam/portfolio", json=body, headers={**trade, "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.post("/v1/cbam/portfolio", json=body, headers={**trade, "Accept": XLSX})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    assert "by_exporter" in load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert client.post("/v1/cbam/portfolio", json=body, headers=exporter).status_code == 403
    exposure = client.post("/v1/cbam/exposure", json={"lines": portfolio_rows(5), "obligations": True}, headers=trade)
    assert exposure.status_code == 200 and "obligations" in exposure.json()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_portfolio_upload_csv_and_bad_line(cbam_app, client, actors) -> None:
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    files = {"file": ("portfolio.csv", EXAMPLE.read_bytes(), "text/csv")}
    answer = client.post("/v1/cbam/portfolio/upload", files=files, headers=trade)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["by_exporter"]) == 12
    bad = EXAMPLE.read_text(encoding="utf-8").replace("CN,47.1,", "CN,-47.1,", 1)
    answer = client.post("/v1/cbam/portfolio/upload", files={"file": ("mine.csv", bad.encode(), "text/csv")}, headers=trade)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith("mine.csv, line 3, field 'net_mass_t': must not be negative") and "/tmp" not in detail
    wrong = client.post("/v1/cbam/portfolio/upload", files={"file": ("x.txt", b"a", "text/plain")}, headers=trade)
    assert wrong.status_code == 422 and "use .csv or .xlsx" in wrong.json()["detail"]
