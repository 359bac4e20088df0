"""Carbon-neutral claims in a browser (issue 16 item 4), real engine and rules, SQLite and PostgreSQL:
the exporter creates and submits a claim on its page -> the certifier sees every T4 check and approves ->
the public claim page (linked from the verification page) shows what was offset and how, in three languages;
a bank reads the product after the exporter grants it on the claim page (every read audited), and gets 404 after
the exporter revokes it there.
axe-core on every new page; screenshots in out/screenshots/."""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from api.storage.models import HistoryEntry
from api.usecases import accounts
from tests.api.real_steps import desk_lamp_footprint, exporter_and_certifier, t2_dossier
from tests.api.test_e2e_http import real_server  # noqa: F401  (fixture)
from tests.conftest import REPO_ROOT
from tests.web.browser import axe_serious, sign_in_page
from tests.web.test_auth import add_person

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"
LANGS = {"en": "en", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}


def dossier_and_lots(bom: dict[str, Any], footprint: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The base evidence (T2 achieved, t2_dossier), the lots CSV and its serial range. 1000 pieces x total kg =
    total t, retired as the next whole number of tonnes, one serial per tonne."""
    total = Decimal(repr(footprint["result"]["total_kgco2e"]))
    needed_t = int(total.to_integral_value(rounding=ROUND_CEILING))
    dossier = t2_dossier(bom, footprint)
    serials = f"BLK-WEB:1-{needed_t}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["programme", "registry", "project_id", "project_name", "project_type", "methodology", "vintage",
                     "serial_range", "quantity_tco2e", "retired_on", "evidence_file", "removal"])
    writer.writerow(["CCER", "ccer.cets.org.cn", "CCER-44-0001", "Test afforestation 造林", "forestry",
                     "CCER-14-001-V01", "2024", serials, str(needed_t), "2025-12-31", "ccer-retirement.pdf", "yes"])
    return dossier, out.getvalue(), serials


def fill_claim(page: Page, dossier_path: Path, lots: str, baseline_kg: str, target_kg: str) -> None:
    page.get_by_label("Scheme (carbon-neutral variant)", exact=True).select_option("gd-carbon-label+carbon-neutral")
    page.locator("#claim-dossier").set_input_files(str(dossier_path))
    page.get_by_label("Period start", exact=True).fill("2025-01-01")
    page.get_by_label("Period end", exact=True).fill("2025-12-31")
    page.get_by_label("Declared units sold in the period", exact=True).fill("1000")
    page.get_by_label("Plan reference", exact=True).fill("CNMP-1")
    page.get_by_label("Adopted on", exact=True).fill("2024-03-01")
    page.get_by_label("Plan document (file reference)", exact=True).fill("cnmp.pdf")
    page.get_by_label("Baseline period start", exact=True).fill("2023-01-01")
    page.get_by_label("Baseline period end", exact=True).fill("2023-12-31")
    page.get_by_label("Baseline footprint (kg CO₂e per declared unit)", exact=True).fill(baseline_kg)
    page.get_by_label("Reduction target date", exact=True).fill("2030-12-31")
    page.get_by_label("Target footprint (kg CO₂e per declared unit)", exact=True).fill(target_kg)
    page.get_by_label("End of the plan's timeline", exact=True).fill("2035-12-31")
    page.get_by_label("Retired credit lots (CSV, one line per lot)", exact=True).fill(lots)


def look(page: Page, url: str, path: str, name: str, problems: list[str]) -> None:
    """The page in each language at phone width: screenshot, axe, no page wider than the phone."""
    for code, html in LANGS.items():
        page.context.add_cookies([{"name": "carbonlabel_lang", "value": code, "url": url}])
        page.set_viewport_size({"width": 360, "height": 740})
        answer = page.goto(url + path)
        assert answer is not None and answer.status == 200, (name, answer and answer.status)
        assert page.locator("html").get_attribute("lang") == html
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{code}-360.png"), full_page=True)
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            problems.append(f"{name} {code}: wider than 360 px")
        serious = axe_serious(page)
        if serious:
            problems.append(f"{name} {code}: axe {serious}")
    page.context.add_cookies([{"name": "carbonlabel_lang", "value": "en", "url": url}])
    page.goto(url + path)  # back in English for the steps that follow


def test_claim_review_public_page_and_bank_view(real_server, page: Page, tmp_path: Path, database) -> None:  # noqa: F811
    server, application = real_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter_api, _ = exporter_and_certifier(application, http)
        bom, product_id, footprint = desk_lamp_footprint(http, exporter_api)
    total = Decimal(repr(footprint["result"]["total_kgco2e"]))
    dossier, lots, serials = dossier_and_lots(bom, footprint)
    dossier_path = tmp_path / "dossier.json"
    dossier_path.write_text(json.dumps(dossier), encoding="utf-8")
    exporter = add_person(application, "exporter", "Lamp Co", name="Chen Jing 陈静")
    certifier = add_person(application, "certifier", "GD Certification Centre", name="Dr Lee 李博士")
    banker = add_person(application, "bank", "Bank of Foshan 佛山银行", name="Ms Wong 黄女士")
    problems: list[str] = []

    # the exporter: create the claim on the page, see the T4 checks, submit
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_page(page, server.url, exporter)
    page.get_by_role("link", name="Carbon-neutral claims").click()
    fill_claim(page, dossier_path, lots, str(total * 2), str(total / 2))
    page.get_by_role("button", name="Create the claim").click()
    expect(page.locator("#claim-status")).to_have_attribute("data-status", "draft")
    expect(page.locator("#t4-rules tr[data-rule='T4.coverage']")).to_have_attribute("data-status", "passed")
    expect(page.locator("#lots .serials")).to_have_text(serials)
    claim_path = page.url.removeprefix(server.url)
    page.get_by_role("button", name="Submit the claim").click()
    expect(page.locator("#claim-status")).to_have_attribute("data-status", "submitted")
    expect(page.locator("#holdings")).to_contain_text(serials)  # held in the ledger from submission on
    look(page, server.url, claim_path, "claim-exporter", problems)
    look(page, server.url, "/app/claims", "claims", problems)

    # the certifier: every T4 check with value, threshold and source; start the review; approve
    page.context.clear_cookies()
    sign_in_page(page, server.url, certifier)
    page.goto(server.url + claim_path)
    page.get_by_role("button", name="Start the review").click()
    expect(page.locator("#claim-status")).to_have_attribute("data-status", "under_review")
    rules = page.locator("#t4-rules tbody tr")
    assert rules.count() >= 8
    for rule in ("T4.management_plan", "T4.retirement_window", "T4.coverage", "T4.lots_distinct"):
        expect(page.locator(f"#t4-rules tr[data-rule='{rule}']")).to_have_attribute("data-status", "passed")
    expect(page.locator("#t4-rules tr[data-rule='T4.coverage'] td").nth(4)).not_to_be_empty()  # the source
    look(page, server.url, claim_path, "claim-certifier", problems)
    page.get_by_role("button", name="Approve and issue the certificate").click()
    expect(page.locator("#claim-status")).to_have_attribute("data-status", "approved")
    number = page.locator("#claim-certificate a.mono").inner_text()

    # the public: the verification page links to the claim page, which says what was offset and how
    page.context.clear_cookies()
    page.goto(f"{server.url}/verify/{number}")
    page.locator("#claim-link").click()
    expect(page.locator("#claim-text p[lang='en']")).to_contain_text(serials)
    expect(page.locator("#claim-text p[lang='zh-CN']")).to_contain_text("碳足迹数值为抵销前数值")
    expect(page.locator("#public-lots .serials")).to_have_text(serials)
    look(page, server.url, f"/claims/{number}", "claim-public", problems)
    assert page.goto(f"{server.url}/claims/CL-2026-NOSUCH00").status == 404  # type: ignore[union-attr]

    # the bank: nothing before the grant, the product after the exporter grants it on the claim page (audited),
    # 404 after the exporter revokes it there (the forms call the API's use case, api.usecases.shared)
    with application.state.service.sessions() as s:
        bank_org = accounts.get_or_create_organisation(s, name="Bank of Foshan 佛山银行").id
        s.commit()
    sign_in_page(page, server.url, banker)
    assert page.goto(f"{server.url}/app/shared/{product_id}").status == 404  # type: ignore[union-attr]
    page.goto(server.url + "/app/shared")
    expect(page.locator("#own-organisation-id")).to_have_text(bank_org)  # what the bank gives the exporter
    page.context.clear_cookies()
    sign_in_page(page, server.url, exporter)
    page.goto(server.url + claim_path)
    expect(page.locator("#no-grants")).to_be_visible()
    page.get_by_label("Organisation id of the bank or buyer", exact=True).fill(bank_org)
    page.get_by_label("Reads as", exact=True).select_option("bank")
    page.get_by_role("button", name="Grant read access").click()
    expect(page.locator("#grants")).to_contain_text("Bank of Foshan 佛山银行")
    look(page, server.url, claim_path, "claim-exporter-granted", problems)

    page.context.clear_cookies()
    sign_in_page(page, server.url, banker)
    page.get_by_role("link", name="Products shared with you").click()
    page.locator("#shared-products").get_by_role("link").click()
    expect(page.locator(f"table.certificate[data-number='{number}']")).to_contain_text("T4")
    expect(page.locator("#retirements")).to_contain_text(serials)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    series = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [(r["certificate_number"], Decimal(r["total_kgco2e"])) for r in series] == [(number, total)]
    look(page, server.url, f"/app/shared/{product_id}", "shared-product", problems)
    look(page, server.url, "/app/shared", "shared", problems)
    with application.state.service.sessions() as s:
        reads = s.query(HistoryEntry).filter_by(entity_id=product_id, action="shared_read").count()
    assert reads >= 1 + 3 + 1  # the page, the CSV, the page in three languages

    page.context.clear_cookies()
    sign_in_page(page, server.url, exporter)
    page.goto(server.url + claim_path)
    page.get_by_role("button", name="Revoke the access of Bank of Foshan 佛山银行").click()
    expect(page.locator("#no-grants")).to_be_visible()
    page.context.clear_cookies()
    sign_in_page(page, server.url, banker)
    assert page.goto(f"{server.url}/app/shared/{product_id}").status == 404  # type: ignore[union-attr]
    assert page.goto(f"{server.url}/app/shared/{product_id}/series.csv").status == 404  # type: ignore[union-attr]
    with application.state.service.sessions() as s:
        actions = [e.action for e in s.query(HistoryEntry).filter_by(entity_id=product_id)
                   if e.action in ("grant_read", "revoke_read")]
    assert actions == ["grant_read", "revoke_read"]
    assert problems == []
