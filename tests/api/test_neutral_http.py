"""A carbon-neutral (T4) certificate over real HTTP with the real engine and rules, SQLite and PostgreSQL.

The exporter applies under the variant gd-carbon-label+carbon-neutral (offered as a scheme once in force);
the lots are held from submission; the certificate's signed document carries the footprint's own total (never
netted) and the claim text in three languages, which the public verification page shows.
"""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from labels.ruledata import load_rule_set
from tests.api.real_steps import desk_lamp_footprint, exporter_and_certifier, t2_dossier
from tests.api.test_e2e_http import real_server  # noqa: F401  (fixture)
from tests.conftest import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"


def test_a_t4_certificate_carries_its_claim_and_an_unnetted_total(real_server, tmp_path: Path) -> None:  # noqa: F811
    server, application = real_server
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter, certifier = exporter_and_certifier(application, http)
        assert "gd-carbon-label+carbon-neutral" in http.get("/v1/schemes", headers=exporter).json()["schemes"]
        bom, product_id, footprint = desk_lamp_footprint(http, exporter)
        total = Decimal(repr(footprint["result"]["total_kgco2e"]))
        # T2 achieved (t2_dossier). T4: 1000 pieces x total kg = total t, retired as the next whole number of
        # tonnes (one serial per tonne).
        needed_t = int(total.to_integral_value(rounding="ROUND_CEILING"))
        evidence = t2_dossier(bom, footprint) | {
            "neutrality": {
                "period": bom["product"]["reference_period"], "units_sold": "1000",
                "management_plan": {"reference": "CNMP-1", "adopted_on": "2024-03-01", "evidence_file": "cnmp.pdf",
                                    "baseline": {"period": {"start": "2023-01-01", "end": "2023-12-31"},
                                                 "kgco2e": str(total * 2)},
                                    "targets": [{"by": "2030-12-31", "kgco2e": str(total / 2)}],
                                    "timeline_end": "2035-12-31"},
                "lots": [{"programme": "CCER", "registry": "ccer.cets.org.cn", "project_id": "CCER-44-0001",
                          "project_name": "Test afforestation", "project_type": "forestry",
                          "methodology": "CCER-14-001-V01", "vintage": 2024, "removal": True,
                          "serial_range": f"BLK-T4:1-{needed_t}", "quantity_tco2e": str(needed_t),
                          "retired_on": "2025-12-31", "evidence_file": "ccer-retirement.pdf"}]},
        }
        applied = http.post("/v1/applications", json={"product_id": product_id, "footprint_id": footprint["id"],
                                                      "scheme": "gd-carbon-label+carbon-neutral", "evidence": evidence},
                            headers=exporter)
        assert applied.status_code == 201, applied.text
        claim = applied.json()["id"]
        assert http.post(f"/v1/applications/{claim}/submit", headers=exporter).status_code == 200
        assert [h["serial_range"] for h in http.get(f"/v1/applications/{claim}/ledger", headers=exporter).json()] == [
            f"BLK-T4:1-{needed_t}"]
        assert http.post(f"/v1/applications/{claim}/start-review", headers=certifier).status_code == 200
        approved = http.post(f"/v1/applications/{claim}/approve", headers=certifier)
        assert approved.status_code == 201, approved.text
        document = approved.json()["document"]
        # the variant version in force today: 2025.1-t4 to 2026-12-01, then 2025.1-t4.1 (claim text rounded up)
        in_force = load_rule_set("gd-carbon-label+carbon-neutral", date.today()).version
        assert (document["tier"], document["rule_set_version"]) == ("T4", f"gd-carbon-label@{in_force}")
        assert Decimal(str(document["footprint"]["total_kgco2e"])) == total  # offsets never netted
        claim_text = document["neutral_claim"]
        assert set(claim_text) == {"zh-CN", "zh-TW", "en"}
        assert f"BLK-T4:1-{needed_t}" in claim_text["en"] and "ISO 14068-1:2023" in claim_text["en"]
        assert "碳足迹数值为抵销前数值" in claim_text["zh-CN"]
        page = http.get(f"/verify/{document['certificate_number']}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and 'id="neutral-claim"' in page.text and "碳中和声明" in page.text
        assert claim_text["zh-TW"] in page.text
        pdf = http.get(f"/v1/certificates/{document['certificate_number']}/pdf", headers=exporter)
        assert pdf.status_code == 200
    check_claim_pages(pdf.content, claim_text, f"BLK-T4:1-{needed_t}", tmp_path)


def check_claim_pages(pdf: bytes, claim_text: dict[str, str], serials: str, folder: Path) -> None:
    """The PDF: after the certificate page(s) of each language, its claim page, holding the signed claim text of
    that language and the lot's serial range; the claim pages are rendered to PNG to look at."""
    path = folder / "t4.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    texts = ["".join(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True,
                                    text=True, check=True).stdout.split()) for n in range(1, pages + 1)]
    found = []
    for lang, title in (("zh-CN", "碳中和声明"), ("zh-TW", "碳中和聲明"), ("en", "Carbon-neutralclaim")):
        [page] = [n for n, text in enumerate(texts, start=1) if text.startswith("TestCertificationBody·CL-")
                  and title in text]
        assert serials in texts[page - 1] and "".join(claim_text[lang].split())[:40] in texts[page - 1], lang
        found.append(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(path),
                        str(SCREENSHOTS / f"certificate-t4-claim-{lang}")], check=True)
    assert found == sorted(found) and found[-1] == pages  # zh-CN, zh-TW, en, each after its certificate page
