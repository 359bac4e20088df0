"""The claim page of a T4 certificate PDF under 2025.1-t4.1 (from 2026-12-02) prints the residual rounded up to the
kg (4.8137197170627655 t -> 4.814 t), and a certificate signed under 2025.1-t4 keeps its exact text and signature.

The new text comes from the real rule evaluation (the golden case of data/rules/gd-carbon-label/cases.yaml, dated
2026-12-02, so the test does not depend on today's date); it replaces the claim of the v1 fixture's T4 document,
which is then rendered as the service renders a certificate. The claim pages are saved as PNG to look at.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from api.documents.certificate_pdf import render_certificate_pdf
from api.documents.signing import canonical_bytes, load_public_key, verify_signature
from labels.certificate_document import CertificateDocument
from tests.conftest import REPO_ROOT
from tests.labels.test_golden import CASES, _run

V1 = Path(__file__).parent / "fixtures" / "v1_certificates"
SCREENSHOTS = REPO_ROOT / "out" / "screenshots"
NUMBER = "CL-2026-74MY2R97"  # the v1 fixture's T4 certificate, signed with the exact residual
CASE = "T4 2025.1-t4.1 rounds a binary-float residual up to the kg (4.8137197170627655 -> 4.814), three languages"
LANGS = {"zh-CN": ("zh_Hans", "碳中和声明", "剩余碳足迹4.814tCO₂e"), "zh-TW": ("zh_Hant", "碳中和聲明", "剩餘碳足跡4.814tCO₂e"),
         "en": ("en", "Carbon-neutralclaim", "2025-12-31,4.814tCO₂e")}


def _page_texts(path: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    return ["".join(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True,
                                   text=True, check=True).stdout.split()) for n in range(1, pages + 1)]


def test_the_claim_page_shows_the_residual_rounded_up_and_the_v1_claim_still_verifies(tmp_path: Path) -> None:
    entry = json.loads((V1 / "certificates.json").read_text(encoding="utf-8"))[NUMBER]
    old = entry["document"]
    assert "4.8137197170627655 t CO₂e" in old["neutral_claim"]["en"]  # as signed under 2025.1-t4
    assert verify_signature(load_public_key(V1 / "public-key.pem"), canonical_bytes(old), entry["signature"])

    [(scheme, case)] = [p.values for p in CASES if p.values[1]["name"] == CASE]
    decision = _run(scheme, case)
    assert decision.rule_set_version.version == "2025.1-t4.1"
    claim = {lang: getattr(decision.neutral_claim, attr) for lang, (attr, _, _) in LANGS.items()}
    document = CertificateDocument.model_validate(old | {"neutral_claim": claim,
                                                         "rule_set_version": "gd-carbon-label@2025.1-t4.1"})
    lots = case["evidence"]["neutrality"]["lots"]
    path = tmp_path / "t4.pdf"
    path.write_bytes(render_certificate_pdf(document, [dict(lot) for lot in lots]))
    texts = _page_texts(path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for lang, (_, title, residual) in LANGS.items():
        [page] = [n for n, text in enumerate(texts, start=1) if title in text and "GDPH-ZX-0007" in text]
        assert residual in texts[page - 1], (lang, texts[page - 1][:300])
        assert "4.8137197170627655" not in texts[page - 1]
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile", str(path),
                        str(SCREENSHOTS / f"certificate-t4-claim-rounded-{lang}")], check=True)
