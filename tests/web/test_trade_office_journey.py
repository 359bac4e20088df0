"""The trade office's journey in a browser (SQLite and PostgreSQL): sign in -> upload a CBAM lines
file -> results by year (chart), sector, CN code and exporter -> the PDF. The page's total is the
API's total for the same file (POST /v1/cbam/portfolio/upload)."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import LiveServer
from tests.conftest import REPO_ROOT
from tests.web.browser import axe_serious, sign_in_page
from tests.web.test_auth import add_person, csrf_of, sign_in

LINES = REPO_ROOT / "examples" / "cbam" / "portfolio.csv"
SCREENSHOTS = REPO_ROOT / "out" / "screenshots"


def test_trade_office_journey(app, client, actors, page: Page, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the first eight lines of the example (its PDF renders in seconds; the whole file takes ~50 s here)
    lines = tmp_path / "lines.csv"
    lines.write_text("".join(LINES.read_text(encoding="utf-8").splitlines(keepends=True)[:9]), encoding="utf-8")
    api_client = actors.add("trade-client", "trade_office", "Guangdong Trade Office")
    expected = client.post("/v1/cbam/portfolio/upload", files={"file": ("lines.csv", lines.read_bytes(), "text/csv")},
                           headers={**api_client, "Accept": "application/json"}, params={"projection": "true"})
    assert expected.status_code == 200, expected.text
    total = expected.json()["total"]
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with LiveServer(app) as server:
        page.set_viewport_size({"width": 360, "height": 740})
        sign_in_page(page, server.url, officer)
        page.get_by_role("link", name="CBAM costs of exporters").click()
        page.get_by_label("Lines file (.csv or .xlsx)").set_input_files(str(lines))
        page.get_by_role("button", name="Show the results").click()
        expected_text = (f"{total['lines']} lines: EU CBAM EUR {Decimal(str(total['cost_eur'])):,.0f}, "
                         f"UK CBAM GBP {Decimal(str(total['cost_gbp'])):,.0f} (never added together).")
        expect(page.locator("#cbam-total")).to_have_text(expected_text)
        expect(page.locator("[data-chart='chart-cost']")).to_have_attribute("data-drawn", "true")
        for table in ("#by-year", "#by-sector", "#by-cn", "#by-exporter"):
            expect(page.locator(f"{table} tbody tr").first).to_be_visible()
        expect(page.locator("#by-exporter")).to_contain_text("GD-EXPORTER-01")
        assert axe_serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"trade-cbam-{database.kind}-360.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"trade-cbam-{database.kind}-1280.png"), full_page=True)

        page.get_by_label("Lines file (.csv or .xlsx)").set_input_files(str(lines))
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="Download PDF").click()
        pdf = tmp_path / "portfolio.pdf"
        download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "GD-EXPORTER-01" in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(SCREENSHOTS / f"trade-cbam-pdf-{database.kind}")], check=True)


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
