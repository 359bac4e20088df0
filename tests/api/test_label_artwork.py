"""The on-pack label as SVG, PDF and PNG: text, print size, embedded CJK fonts, preview mark; CLI and API."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.documents.label import PT_MM, label_pdf, label_png, label_svg
from labels.artwork import artwork_for
from tests.api.helpers import certified
from tests.labels.test_artwork import certificate_document, decision
from datetime import UTC

SVG_NS = "{http://www.w3.org/2000/svg}"
runner = CliRunner()


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "label.pdf"
    path.write_bytes(pdf)
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.split())


def _pdf_fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _svg_text(svg: str) -> str:
    root = ET.fromstring(svg)
    return " | ".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))


def test_certificate_label_svg_has_every_p3_field_at_print_size() -> None:
    svg = label_svg(artwork_for(certificate_document()))
    root = ET.fromstring(svg.split("?>", 1)[1])
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("90mm", "55mm", "0 0 90 55")
    text = _svg_text(svg.split("?>", 1)[1])
    for phrase in ("粤港澳大湾区碳足迹标识 · 低碳标识 二级", "粵港澳大灣區碳足跡標識 · 低碳標識 二級",
                   "GBA carbon footprint label · Low carbon grade B", "2.71", "kg CO2e", "每千克 / 每公斤 / per kg",
                   "摇篮到大门 / 搖籃到大門 / cradle-to-gate", "GB/T 24067-2024; EXAMPLE-PCR-STEEL-FASTENERS",
                   "证书编号 / 證書編號 / Certificate No. CL-2026-ABCDEFGH",
                   "发证机构 / 發證機構 / Issuer Guangdong Example Certification Co.",
                   "有效期至 / Valid until 2028-03-01", "Scan to verify"):
        assert phrase in text, phrase
    assert "not certified" not in text
    # the QR code is drawn (dark modules as one path) and every text is at least 6 pt = 2.117 mm
    assert re.search(r'<path fill="#000" d="M', svg)
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG_NS}text") if t.get("fill-opacity") is None]
    assert min(sizes) >= 6 * PT_MM - 1e-3, min(sizes)


def test_preview_is_marked_not_certified_and_has_no_number_or_qr(tmp_path: Path) -> None:
    art = artwork_for(decision())
    svg = label_svg(art, standalone=False)
    text = _svg_text(svg)
    assert "未认证 / 未認證 / not certified" in text
    assert "Certificate No." not in text and "Issuer" not in text and "Scan to verify" not in text
    assert '<path fill="#000"' not in svg  # no QR code: a preview has nothing to verify
    words = _pdf_text(label_pdf(art), tmp_path)
    assert "未认证 / 未認證 / not certified" in words
    assert "Certificate No." not in words


def test_pdf_is_the_print_size_with_cjk_fonts_embedded(tmp_path: Path) -> None:
    pdf = label_pdf(artwork_for(certificate_document()))
    path = tmp_path / "l.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size is not None
    # 90 mm = 90 / 25.4 x 72 = 255.12 pt; 55 mm = 155.91 pt
    assert (float(size.group(1)), float(size.group(2))) == pytest.approx((255.12, 155.91), abs=0.01)
    assert "Pages: 1" in " ".join(info.split())
    fonts = _pdf_fonts(pdf, tmp_path)
    cjk = [row for row in fonts if "CJK" in row[0]]
    assert any("CJK-SC" in row[0] for row in cjk) and any("CJK-TC" in row[0] for row in cjk), fonts
    # columns ... emb sub uni object ID: every font embedded, subset, with a Unicode map
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in fonts), fonts
    words = _pdf_text(pdf, tmp_path)
    for phrase in ("粵港澳大灣區碳足跡標識 · 低碳標識 二級", "Certificate No. CL-2026-ABCDEFGH", "2028-03-01"):
        assert phrase in words, phrase


def test_png_is_rasterised_at_the_asked_resolution() -> None:
    from io import BytesIO

    from PIL import Image

    png = label_png(artwork_for(certificate_document()), dpi=300)
    image = Image.open(BytesIO(png))
    # 90 mm / 25.4 x 300 = 1063.0 px; 55 mm -> 649.6 px
    assert image.size[0] == pytest.approx(1063, abs=1) and image.size[1] == pytest.approx(650, abs=1)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
    # the printed QR code reads back as the verification URL (zxing-cpp, an independent decoder)
    import zxingcpp

    codes = zxingcpp.read_barcodes(image)
    assert [(c.format.name, c.text) for c in codes] == [("QRCode", "https://label.example.gd.cn/verify/CL-2026-ABCDEFGH")]


def test_long_issuer_is_condensed_not_cut() -> None:
    long_name = "Guangdong–Hong Kong–Macao Greater Bay Area Product Carbon Footprint Certification Centre Co., Ltd. " * 2
    svg = label_svg(artwork_for(certificate_document(issuer=long_name.strip())), standalone=False)
    line = next(t for t in ET.fromstring(svg).iter(f"{SVG_NS}text") if "Issuer" in "".join(t.itertext()))
    assert long_name.strip() in "".join(line.itertext())
    assert float(line.get("font-size")) == pytest.approx(6 * PT_MM, abs=1e-3)
    assert line.get("transform", "").startswith("matrix(")


def test_cli_renders_each_format_and_refuses_bad_input(tmp_path: Path) -> None:
    doc = tmp_path / "cert.json"
    doc.write_text(json.dumps(certificate_document()), encoding="utf-8")
    dec = tmp_path / "decision.json"
    dec.write_text(json.dumps(decision()), encoding="utf-8")
    for source, fmt, magic in ((doc, "svg", b"<?xml"), (doc, "pdf", b"%PDF"), (dec, "png", b"\x89PNG")):
        out = tmp_path / f"out.{fmt}"
        result = runner.invoke(cli, ["label", str(source), "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
        assert "90 mm x 55 mm" in result.stdout
    assert "preview (not certified)" in result.stdout
    bad = runner.invoke(cli, ["label", str(doc), "--format", "gif"])
    assert bad.exit_code == 2 and "use svg, png or pdf" in bad.output
    scheme_cert = Path(__file__).resolve().parents[2] / "examples" / "labels" / "steel_fastener.gba-certificate.json"
    missing = runner.invoke(cli, ["label", str(scheme_cert), "--out", str(tmp_path / "x.svg")])
    assert missing.exit_code == 2 and "--issuer, --verification-url" in missing.output


def test_api_serves_the_label_and_the_certificate_pdf_carries_it(client, actors, tmp_path: Path) -> None:
    exporter = actors.add("exporter", "exporter", "深圳灯具有限公司")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    other = actors.add("other", "exporter", "Other Co")
    number = certified(client, exporter, certifier)["number"]
    svg = client.get(f"/v1/certificates/{number}/label.svg", headers=exporter)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    text = _svg_text(svg.text.split("?>", 1)[1])
    assert f"Certificate No. {number}" in text and "Issuer Test Certification Body" in text
    assert "碳足迹标识" in text  # the stand-in scheme has no rule set: the signed label text is the title
    pdf = client.get(f"/v1/certificates/{number}/label.pdf", headers=certifier)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    png = client.get(f"/v1/certificates/{number}/label.png?dpi=150", headers=exporter)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(f"/v1/certificates/{number}/label.gif", headers=exporter).status_code == 422
    assert client.get(f"/v1/certificates/{number}/label.svg", headers=other).status_code == 404
    # the certificate PDF's label block: number, issuer and QR caption on each of its three pages
    words = _pdf_text(client.get(f"/v1/certificates/{number}/pdf", headers=exporter).content, tmp_path)
    assert words.count(f"证书编号 / 證書編號 / Certificate No. {number}") == 3
    assert words.count("发证机构 / 發證機構 / Issuer Test Certification Body") == 3
    assert words.count("Scan to verify") == 3


class _NoPeers:
    def members(self, key: str, on: object) -> list:  # type: ignore[type-arg]
        return []


def test_t2_certificate_issued_by_the_service_prints_its_reduction(tmp_path: Path) -> None:
    """The real grading door -> the certificate document the service signs -> the label in SVG, PDF and PNG.

    Inputs and the hand calculation: tests/labels/test_artwork.t2_decision (-3.5 % vs 2023–2024, against the
    re-baselined 98.4 kg, not the certified 101.5 kg)."""
    from datetime import date, datetime
    from types import SimpleNamespace

    from api.usecases.certificates import build_document
    from api.usecases.engine import EngineDomain
    from footprint.result import FootprintResult
    from tests.labels.test_artwork import T2_CLAIM, T2_NOTE, t2_inputs

    footprint, evidence = t2_inputs()
    result = FootprintResult.model_validate(footprint)
    outcome = EngineDomain().grade(result, evidence=evidence, scheme="gd-carbon-label", on=date(2026, 6, 1),
                                   benchmarks=_NoPeers())
    assert (outcome.tier, outcome.grade) == ("T2", None)
    assert outcome.reduction is not None
    assert (outcome.reduction["percent"], outcome.reduction["base_year"]) == ("3.5", "2023–2024")
    assert outcome.reduction["previous_rebaselined_kgco2e"] == "98.4"
    assert outcome.reduction["base_period"] == {"start": "2023-07-01", "end": "2024-06-30"}
    issued = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    document = build_document(
        number="CL-2026-T2T2T2T2", key=SimpleNamespace(key_id="k1"), issuer="GD Certification Centre",  # type: ignore[arg-type]
        public_url="https://label.example.gd.cn", issued_at=issued, valid_until=datetime(2028, 5, 31, tzinfo=UTC),
        organisation=SimpleNamespace(id="o1", name="Example Co."),  # type: ignore[arg-type]
        product=SimpleNamespace(id="p1", name="Air conditioner"),  # type: ignore[arg-type]
        footprint_id="f1", result=result, outcome=outcome, supersedes=None, application_id="a1")
    assert document.reduction is not None  # a field of the signed document, not only inside a text
    assert document.reduction.model_dump(mode="json") == outcome.reduction
    signed = json.loads(document.canonical())
    assert signed["reduction"]["percent"] == "3.5"
    art = artwork_for(signed)  # what GET /v1/certificates/{n}/label.{fmt} and `carbonlabel label` read
    assert (art.reduction, art.reduction_note) == (T2_CLAIM, T2_NOTE)
    svg = label_svg(art)
    root = ET.fromstring(svg.split("?>", 1)[1])
    text = _svg_text(svg.split("?>", 1)[1])
    for phrase in ("广东碳标签 · 减碳标识", " / ".join(T2_CLAIM.values()), f"{T2_NOTE['zh-Hans']} / {T2_NOTE['zh-Hant']}",
                   T2_NOTE["en"], "95.0", "Certificate No. CL-2026-T2T2T2T2", "Scan to verify"):
        assert phrase in text, phrase
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG_NS}text") if t.get("fill-opacity") is None]
    assert min(sizes) >= 6 * PT_MM - 1e-3, min(sizes)
    words = _pdf_text(label_pdf(art), tmp_path)
    for phrase in ("较2023–2024年减少 3.5 %", "較2023–2024年減少 3.5 %", "-3.5 % vs 2023–2024",
                   "基准按现行方法和数据重新计算 / 基準按現行方法和數據重新計算",
                   "baseline re-calculated with current method and data"):
        assert phrase in words, phrase
    png = label_png(art, dpi=300)
    import zxingcpp
    from io import BytesIO

    from PIL import Image

    codes = zxingcpp.read_barcodes(Image.open(BytesIO(png)))  # the smaller value leaves the QR code readable
    assert [c.text for c in codes] == ["https://label.example.gd.cn/verify/CL-2026-T2T2T2T2"]


def test_cli_label_of_a_t2_decision_prints_the_reduction(tmp_path: Path) -> None:
    """`carbonlabel label decision.json` on a T2 decision (tests/labels/test_artwork.t2_decision: -3.5 % vs 2023–2024)."""
    from tests.labels.test_artwork import T2_CLAIM, T2_NOTE, t2_decision

    source = tmp_path / "t2.json"
    source.write_text(json.dumps(t2_decision(), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(cli, ["label", str(source), "--format", "svg", "--out", str(tmp_path / "t2.svg")])
    assert result.exit_code == 0, result.output
    text = _svg_text((tmp_path / "t2.svg").read_text(encoding="utf-8").split("?>", 1)[1])
    assert " / ".join(T2_CLAIM.values()) in text and T2_NOTE["en"] in text
    assert "未认证 / 未認證 / not certified" in text  # still a preview: a decision is not a certificate
