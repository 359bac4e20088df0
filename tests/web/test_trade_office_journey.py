"""The trade office's journey in a browser (SQLite and PostgreSQL): sign in -> upload a CBAM lines
file -> results by year (chart), sector, CN code, importer, exporter and line -> a price scenario
changes the cost -> the PDF prepared as a job and downloaded. The page's totals are the API's for
the same lines (POST /v1/cbam/portfolio), with the scenario price written on each line."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from api.usecases.jobs import Worker
from tests.api.conftest import LiveServer
from tests.conftest import REPO_ROOT
from tests.web.browser import axe_serious, sign_in_page
from tests.web.test_auth import add_person, csrf_of, sign_in

LINES = REPO_ROOT / "examples" / "cbam" / "portfolio.csv"
SCREENSHOTS = REPO_ROOT / "out" / "screenshots"


@contextmanager
def job_worker(app: Any) -> Iterator[Worker]:
    """The job worker `carbonlabel worker` runs, as a thread beside the served app."""
    service = app.state.service
    worker = Worker(service.sessions, service.domain, poll_seconds=0.2)
    thread = worker.start_thread()
    try:
        yield worker
    finally:
        worker.stop.set()
        thread.join(timeout=60)


def _api_total(client: Any, headers: dict[str, str], lines: Path, price: str | None) -> dict[str, Any]:
    rows = [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(lines.open(encoding="utf-8"))]
    if price is not None:
        rows = [row | {"certificate_price_eur": price} if row["regime"] == "EU" else row for row in rows]
    answer = client.post("/v1/cbam/portfolio", json={"lines": rows, "projection": True},
                         headers={**headers, "Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]  # type: ignore[no-any-return]


def _total_text(total: dict[str, Any]) -> str:
    return (f"{total['lines']} lines: EU CBAM EUR {Decimal(str(total['cost_eur'])):,.0f}, "
            f"UK CBAM GBP {Decimal(str(total['cost_gbp'])):,.0f} (never added together).")


def test_trade_office_journey(app, client, actors, page: Page, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the first eight lines of the example (its PDF renders in seconds; the whole file takes ~50 s here)
    lines = tmp_path / "lines.csv"
    lines.write_text("".join(LINES.read_text(encoding="utf-8").splitlines(keepends=True)[:9]), encoding="utf-8")
    api_client = actors.add("trade-client", "trade_office", "Guangdong Trade Office")
    in_force, at_130 = _api_total(client, api_client, lines, None), _api_total(client, api_client, lines, "130")
    assert Decimal(str(at_130["cost_eur"])) != Decimal(str(in_force["cost_eur"]))
    assert at_130["cost_gbp"] == in_force["cost_gbp"]  # UK lines keep the UK rates
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with LiveServer(app) as server, job_worker(app):
        page.set_viewport_size({"width": 360, "height": 740})
        sign_in_page(page, server.url, officer)
        page.get_by_role("link", name="CBAM costs of exporters").click()
        page.get_by_label("Lines file (.csv or .xlsx)").set_input_files(str(lines))
        page.get_by_role("button", name="Show the results").click()
        expect(page.locator("#cbam-total")).to_have_text(_total_text(in_force))
        expect(page.locator("[data-chart='chart-cost']")).to_have_attribute("data-drawn", "true")
        for table in ("#by-year", "#by-sector", "#by-cn", "#by-importer", "#by-exporter", "#by-line"):
            expect(page.locator(f"{table} tbody tr").first).to_be_visible()
        expect(page.locator("#by-exporter")).to_contain_text("GD-EXPORTER-01")
        expect(page.locator("#by-line tbody tr")).to_have_count(8)
        assert axe_serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"trade-cbam-{database.kind}-360.png"), full_page=True)

        # the price scenario: the file is not uploaded again
        page.get_by_label("Scenario: EUR 130 per t CO₂e").check()
        page.get_by_role("button", name="Show the results").click()
        expect(page.locator("#cbam-total")).to_have_text(_total_text(at_130))
        expect(page.locator("#price-used")).to_contain_text("EUR 130.00 per t CO₂e")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"trade-cbam-130-{database.kind}-1280.png"), full_page=True)

        # the PDF: a job, its page updates itself until the download is there
        page.get_by_role("button", name="Prepare the PDF").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("CBAM report (PDF)")
        assert "/app/jobs/" in page.url
        download_link = page.locator("#job-download")
        expect(download_link).to_be_visible(timeout=120_000)
        assert axe_serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"trade-job-{database.kind}-1280.png"), full_page=True)
        with page.expect_download(timeout=60_000) as download:
            download_link.click()
        pdf = tmp_path / "portfolio.pdf"
        download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "GD-EXPORTER-01" in text
    assert "given on them (130 EUR per t CO2e, a scenario)" in " ".join(text.split())
    # the PDF's total is the scenario's (whole euros as the report prints them, thousands separated)
    assert f"{Decimal(str(at_130['cost_eur'])):,.2f}" in text or f"{Decimal(str(at_130['cost_eur'])):,.0f}" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SCREENSHOTS / f"trade-cbam-pdf-{database.kind}")],
                   check=True)


def test_cbam_page_is_for_trade_offices_and_refuses_a_bad_file(app, client) -> None:  # type: ignore[no-untyped-def]
    exporter = add_person(app, "exporter", "Foshan Fastener Co")
    assert sign_in(client, exporter).status_code == 303
    assert client.get("/app/cbam").status_code == 404
    client.cookies.clear()
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    assert sign_in(client, officer).status_code == 303
    form = client.get("/app/cbam").text
    bad = client.post("/app/cbam", data={"csrf_token": csrf_of(form), "output": "page"},
                      files={"file": ("lines.txt", b"x", "text/plain")})
    assert bad.status_code == 422 and "unsupported CBAM lines format .txt" in bad.text
    refused = client.post("/app/cbam", data={"output": "page"}, files={"file": ("l.csv", LINES.read_bytes(), "text/csv")})
    assert refused.status_code == 403
