"""The exporter's journey in a browser, on SQLite and PostgreSQL, with the real engine:
sign in -> add a product -> upload an XLSX BOM with a misspelt factor -> pick the suggested factor
in the linking report -> the footprint page with its charts. Plus: another organisation never
sees the product (404), and CSRF refusal of the upload form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.http.app import create_app
from api.usecases.engine import EngineDomain
from tests.api.conftest import LiveServer
from tests.conftest import REPO_ROOT
from tests.web.browser import axe_serious
from tests.web.test_auth import PASSWORD, add_person

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"
DEMO_BOM = REPO_ROOT / "api" / "demo_data" / "desk_lamp.bom.json"
MISSPELT = "mat_aluminium_recyled"  # the demo BOM's housing factor is mat_aluminium_recycled


@pytest.fixture(scope="module")
def snapshot_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The shipped default database, built once for the module in its own CARBONLABEL_HOME."""
    import os

    from lcidb.build import build_snapshot

    home = tmp_path_factory.mktemp("engine-home")
    before = os.environ.get("CARBONLABEL_HOME")
    os.environ["CARBONLABEL_HOME"] = str(home)
    build_snapshot(sources=[], name=None, with_default=False)
    yield home
    if before is None:
        os.environ.pop("CARBONLABEL_HOME", None)
    else:
        os.environ["CARBONLABEL_HOME"] = before


@pytest.fixture
def engine_server(snapshot_built, settings, database, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARBONLABEL_HOME", str(snapshot_built))
    application = create_app(settings, domain=EngineDomain(), engine_connect_args=database.connect_args)
    with LiveServer(application) as server:
        yield server, application
    application.state.service.engine.dispose()


def misspelt_xlsx(folder: Path) -> tuple[Path, dict[str, Any]]:
    """The demo BOM with one misspelt factor id, as XLSX; and the corrected BOM (JSON)."""
    from footprint.bom_io import read_bom_json_text, write_bom_xlsx

    bom = json.loads(DEMO_BOM.read_text(encoding="utf-8"))
    corrected = json.loads(json.dumps(bom))
    for line in bom["lines"]:
        if line["line_id"] == "housing":
            line["factor_id"] = MISSPELT
    path = folder / "desk-lamp.xlsx"
    write_bom_xlsx(read_bom_json_text(json.dumps(bom)), path)
    return path, corrected


def sign_in(page: Page, url: str, login: str) -> None:
    page.goto(url + "/")
    page.locator("#login-form").get_by_label("Login name").fill(login)
    page.locator("#login-form").get_by_label("Password").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).to_be_visible()


def test_exporter_journey(engine_server, page: Page, tmp_path: Path, database) -> None:  # type: ignore[no-untyped-def]
    server, application = engine_server
    login = add_person(application, "exporter", "Foshan Lamp Works 佛山灯具厂", name="Chen Jing")
    xlsx, corrected = misspelt_xlsx(tmp_path)
    expected_total = application.state.service.domain.compute(
        corrected, method="AR6", electricity="location", monte_carlo=None, seed=None
    ).total_kgco2e
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 360, "height": 740})

    sign_in(page, server.url, login)
    page.get_by_role("link", name="Products").first.click()
    page.get_by_label("Product name").fill("Aluminium desk lamp 铝制台灯")
    page.get_by_label("Category").fill("lighting")
    page.get_by_role("button", name="Add product").click()
    expect(page.locator("#product-name")).to_have_text("Aluminium desk lamp 铝制台灯")

    with page.expect_download() as template:
        page.get_by_role("link", name="Excel template (.xlsx)").click()
    assert template.value.suggested_filename == "bom-template.xlsx"

    page.get_by_label("BOM file (.xlsx, .csv or .json)").set_input_files(str(xlsx))
    page.get_by_role("button", name="Upload and compute").click()
    expect(page.locator("#unlinked-count")).to_contain_text("1 line does not link")
    page.screenshot(path=str(SCREENSHOTS / f"exporter-linking-{database.kind}-360.png"), full_page=True)
    assert axe_serious(page) == []
    pick = page.locator("#line-housing input[type=radio][value='mat_aluminium_recycled']")
    expect(pick).to_have_count(1)
    pick.check()
    page.get_by_role("button", name="Use these factors and compute").click()

    expect(page.locator("#total")).to_have_text(f"{expected_total:,.3f} kg CO₂e")
    for chart in ("chart-stages", "chart-gases", "chart-sankey"):
        expect(page.locator(f"[data-chart='{chart}']")).to_have_attribute("data-drawn", "true")
        expect(page.locator(f"[data-chart='{chart}'] svg")).to_have_count(1)
    expect(page.locator("#hotspots tbody tr").first).to_be_visible()
    assert axe_serious(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"exporter-footprint-{database.kind}-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"exporter-footprint-{database.kind}-1280.png"), full_page=True)

    # another organisation's exporter: the same URLs answer 404, its product list is empty
    footprint_url = page.url
    product_url = page.locator("a", has_text="Aluminium desk lamp").first.get_attribute("href")
    other = add_person(application, "exporter", "Shenzhen Other Co", name="Wang Wei")
    page.context.clear_cookies()
    sign_in(page, server.url, other)
    assert page.goto(footprint_url).status == 404
    assert page.goto(server.url + str(product_url)).status == 404
    page.goto(server.url + "/app/products")
    expect(page.locator("#no-products")).to_be_visible()
