"""The exporter's journey to a certificate in a browser, on SQLite and PostgreSQL, real engine:
XLSX BOM -> fix the link -> footprint (2030 grid scenario, uncertainty histogram, versions side by
side) -> apply (gate pre-check) -> attach an evidence PDF -> submit -> a certifier approves through
the API -> the exporter downloads the certificate PDF and the label artwork. Screenshots of the new
pages in three languages."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from api.storage.models import Application
from api.usecases import accounts
from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from tests.api.test_e2e_http import evidence_for
from tests.web.browser import axe_serious, fill_evidence_form, sweep_page, translated_phrases
from tests.web.test_auth import add_person
from tests.web.test_exporter_journey import (  # noqa: F401  (fixtures)
    SCREENSHOTS,
    engine_server,
    misspelt_xlsx,
    sign_in,
    snapshot_built,
)

EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% meter readings 2025\n%%EOF\n"


def api_client(application: Any, role: str, organisation: str) -> tuple[str, str]:
    with application.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name=organisation)
        created = accounts.create_user(session, organisation=org, name=f"{role} client", role=role, actor=None)
        session.commit()
        return created.client_id, created.client_secret


def approve_through_api(url: str, application: Any, application_id: str) -> dict[str, Any]:
    """The certifier's side, over the HTTP API: start the review, read the evidence file, approve."""
    client_id, secret = api_client(application, "certifier", "GD Certification Body")
    with httpx.Client(base_url=url, timeout=120) as http:
        token = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                               "client_secret": secret}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert http.post(f"/v1/applications/{application_id}/start-review", headers=headers).status_code == 200
        files = http.get(f"/v1/applications/{application_id}/evidence-files", headers=headers).json()
        assert [f["original_name"] for f in files] == ["meter readings 2025.pdf"]
        assert files[0]["sha256"] == hashlib.sha256(EVIDENCE_PDF).hexdigest()
        assert http.get(files[0]["download"], headers=headers).content == EVIDENCE_PDF
        approved = http.post(f"/v1/applications/{application_id}/approve", headers=headers)
        assert approved.status_code == 201, approved.text
        return approved.json()  # type: ignore[no-any-return]


def sweep_languages(page: Page, url: str, pages: dict[str, str]) -> None:
    """Each page in zh-Hans, zh-Hant and en at 360 px: screenshot, no untranslated message, no
    horizontal overflow, no serious axe violation (as tests/web/test_browser.py checks the others)."""
    problems: list[str] = []
    for code in LANGUAGES:
        page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": url}])
        phrases = translated_phrases(code) if code != "en" else []
        for name, address in pages.items():
            problems.extend(sweep_page(page, address, name, code, phrases))
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": "en", "url": url}])
    assert problems == []


def shoot(page: Page, name: str, kind: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{kind}-{page.viewport_size['width']}.png"), full_page=True)


def test_exporter_gets_a_certificate(engine_server, page: Page, tmp_path: Path, database) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    server, application = engine_server
    domain = application.state.service.domain
    login = add_person(application, "exporter", "Foshan Lamp Works 佛山灯具厂", name="Chen Jing")
    xlsx, corrected = misspelt_xlsx(tmp_path)
    expected = domain.compute(corrected, method="AR6", electricity="location", monte_carlo=None, seed=None)
    on_2030 = domain.compute(corrected, method="AR6", electricity="location", monte_carlo=None, seed=None,
                             scenario="gd-2030-targets")
    sampled = domain.compute(corrected, method="AR6", electricity="location", monte_carlo=500, seed=2026)
    assert sampled.uncertainty is not None and on_2030.total_kgco2e < expected.total_kgco2e
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 360, "height": 740})

    sign_in(page, server.url, login)
    page.goto(server.url + "/app/products")
    page.get_by_label("Product name").fill("Aluminium desk lamp 铝制台灯")
    page.get_by_label("Category").fill("lighting")
    page.get_by_role("button", name="Add product").click()
    page.get_by_label("BOM file (.xlsx, .csv or .json)").set_input_files(str(xlsx))
    page.get_by_role("button", name="Upload and compute").click()
    page.locator("#line-housing input[type=radio][value='mat_aluminium_recycled']").check()
    page.get_by_role("button", name="Use these factors and compute").click()
    expect(page.locator("#total")).to_have_text(f"{expected.total_kgco2e:,.3f} kg CO₂e")
    first_version = page.url

    # the 2030 grid scenario beside today's grid: both totals, as the engine computes them
    page.locator("#grid-2030-toggle").click()
    expect(page.locator("#total-today")).to_have_text(f"{expected.total_kgco2e:,.3f} kg CO₂e")
    expect(page.locator("#total-2030")).to_have_text(f"{on_2030.total_kgco2e:,.3f} kg CO₂e")
    expect(page.locator("[data-chart='chart-scenario']")).to_have_attribute("data-drawn", "true")
    assert axe_serious(page) == []
    shoot(page, "exporter-grid-2030", database.kind)

    # uncertainty: a seeded Monte Carlo run stored as a new version, drawn as a histogram
    page.get_by_role("button", name="Estimate the uncertainty").click()
    expect(page.locator("[data-chart='chart-uncertainty']")).to_have_attribute("data-drawn", "true")
    u = sampled.uncertainty
    expect(page.locator("#uncertainty-range")).to_contain_text(f"{u.p2_5:,.3f} and {u.p97_5:,.3f} kg CO₂e")
    expect(page.locator("#total")).to_have_text(f"{expected.total_kgco2e:,.3f} kg CO₂e")
    assert axe_serious(page) == []
    shoot(page, "exporter-uncertainty", database.kind)

    # the two versions side by side
    uncertainty_version = page.url.split("#")[0]
    page.get_by_role("button", name="Compare side by side").click()
    compare_url = page.url
    expect(page.locator("#older-total")).to_have_text(f"{expected.total_kgco2e:,.3f}")
    expect(page.locator("#total-difference")).to_have_text("0.000")
    expect(page.locator("#no-changed-lines")).to_be_visible()
    shoot(page, "exporter-compare", database.kind)
    page.goto(first_version)

    # apply: the evidence form, pre-filled from the footprint, names what is missing; filled in as a
    # person would, the pre-check passes, and the draft stores the very document the API takes
    page.locator("#apply-link").click()
    apply_url = "/app/" + page.url.split("/app/", 1)[1]
    expect(page.get_by_label("Reference period: first day")).to_have_value(corrected["product"]["reference_period"]["start"])
    page.get_by_label("Label scheme").select_option("gd-carbon-label")
    page.get_by_role("button", name="Check against the rules").click()
    expect(page.locator("#form-errors")).to_contain_text("Verifier name: this item is required.")
    fill_evidence_form(page, evidence_for(corrected))
    page.get_by_role("button", name="Check against the rules").click()
    expect(page.locator("#precheck-ok")).to_contain_text("T1")
    assert axe_serious(page) == []
    shoot(page, "exporter-apply", database.kind)
    page.get_by_role("button", name="Create the draft application").click()
    expect(page.locator("#application-status")).to_have_attribute("data-status", "draft")
    application_id = page.url.rsplit("/", 1)[1]
    with application.state.service.sessions() as session:
        stored = session.get(Application, application_id)
        assert stored is not None and stored.evidence == evidence_for(corrected)

    # an evidence file: a program named .pdf is refused by its bytes, the real PDF is kept
    exe = tmp_path / "invoice.pdf"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode")
    page.get_by_label("Evidence file (PDF, XLSX, PNG or JPEG)").set_input_files(str(exe))
    page.get_by_role("button", name="Attach").click()
    expect(page.locator("#action-error")).to_contain_text("invoice.pdf: the content is not a PDF")
    pdf = tmp_path / "meter readings 2025.pdf"
    pdf.write_bytes(EVIDENCE_PDF)
    page.get_by_label("Evidence file (PDF, XLSX, PNG or JPEG)").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach").click()
    expect(page.locator("#evidence-file-list tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("#evidence-file-list a").click()
    assert Path(download.value.path()).read_bytes() == EVIDENCE_PDF
    assert axe_serious(page) == []
    shoot(page, "exporter-application-draft", database.kind)
    page.get_by_role("button", name="Submit the application").click()
    expect(page.locator("#application-status")).to_have_attribute("data-status", "submitted")

    certificate = approve_through_api(server.url, application, application_id)
    page.reload()
    expect(page.locator("#application-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#certificate-number")).to_have_text(certificate["number"])
    # rendering the three-language PDF takes seconds, more on a loaded machine
    with page.expect_download(timeout=240_000) as download:
        page.locator("#certificate-pdf").click()
    pdf_bytes = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == f"{certificate['number']}.pdf" and pdf_bytes.startswith(b"%PDF-")
    with page.expect_download(timeout=120_000) as download:
        page.locator(".label-artwork").first.click()
    assert Path(download.value.path()).read_bytes().lstrip().startswith(b"<")  # the SVG label
    assert axe_serious(page) == []
    shoot(page, "exporter-application-approved", database.kind)
    (SCREENSHOTS / f"exporter-certificate-{database.kind}.pdf").write_bytes(pdf_bytes)

    if database.kind == "sqlite":  # the language sweep of the new pages runs on one database
        sweep_languages(page, server.url, {
            "exporter-footprint-2030": first_version + "?grid=2030",
            "exporter-footprint-uncertainty": uncertainty_version,
            "exporter-compare": compare_url,
            "exporter-apply": page.url.split("/app/")[0] + apply_url,
            "exporter-application": page.url,
            "exporter-applications": server.url + "/app/my-applications",
        })

    # another organisation: the application, its evidence file and the certificate answer 404
    file_url = page.url.replace("/app/my-applications/", "/app/applications/")
    other = add_person(application, "exporter", "Shenzhen Other Co", name="Wang Wei")
    page.context.clear_cookies()
    sign_in(page, server.url, other)
    assert page.goto(server.url + f"/app/my-applications/{application_id}").status == 404
    assert page.goto(server.url + f"/app/certificates/{certificate['number']}.pdf").status == 404
    assert page.goto(file_url + "/evidence-files/x").status == 404
