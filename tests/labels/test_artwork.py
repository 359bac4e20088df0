"""What the on-pack label shows (labels.md P3), from a certificate document, a scheme certificate or a decision."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from labels import evaluate
from labels.artwork import artwork_for
from labels.errors import InputInvalid
from tests.labels import factory

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"


def certificate_document(**override: Any) -> dict[str, Any]:
    """A certificate document as api/usecases/certificates.build_payload writes it (T3 grade B, GBA 2025.1)."""
    doc: dict[str, Any] = {
        "schema_version": "1", "certificate_number": "CL-2026-ABCDEFGH", "key_id": "k1", "algorithm": "Ed25519",
        "canonicalisation": "RFC 8785", "issuer": "Guangdong Example Certification Co.",
        "issued_at": "2026-03-02T10:00:00Z", "valid_from": "2026-03-02T10:00:00Z", "valid_until": "2028-03-01T10:00:00Z",
        "scheme": "gba-carbon-footprint", "tier": "T3", "grade": "B",
        "label": {"zh-CN": "signed text", "zh-TW": "signed text", "en": "signed text"},
        "rule_set_version": "gba-carbon-footprint@2025.1",
        "surveillance": {"interval_days": 365, "grace_days": 30},
        "organisation": {"id": "o1", "name": "Example Fasteners Ltd"},
        "product": {"id": "p1", "name": "Hex bolt", "category": "fasteners", "cn_code": "731815",
                    "product_rule": "EXAMPLE-PCR-STEEL-FASTENERS"},
        "footprint": {"id": "f1", "total_kgco2e": 2.7134, "pcf_excluding_biogenic_uptake": 2.7134,
                      "declared_unit": {"amount": 1.0, "unit": "kg"}, "boundary": "cradle-to-gate",
                      "standard": "ISO 14067:2018 / GB/T 24067-2024", "method": "AR6",
                      "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "primary_data_share": 0.31},
        "provenance": {"snapshot_name": "default", "snapshot_hash": "ab" * 32, "code_version": "0.1", "input_hash": "cd"},
        "application_id": "a1", "supersedes": None,
        "verification_url": "https://label.example.gd.cn/verify/CL-2026-ABCDEFGH",
    }
    return factory.merge(doc, override)  # type: ignore[no-any-return]


def decision() -> dict[str, Any]:
    members = factory.registry([100, 110, 120, 130, 140])  # mean 120: 100 <= 0.85 x 120 = 102 -> grade B
    d = evaluate(factory.footprint(), factory.default_evidence(), "gd-carbon-label", date(2026, 6, 1), members)
    return json.loads(d.model_dump_json())  # type: ignore[no-any-return]


def test_certificate_document_gives_every_p3_field_in_three_languages() -> None:
    art = artwork_for(certificate_document())
    assert not art.preview
    # scheme logo + tier/grade (P3 example "GBA 碳足迹标识 · 低碳二级")
    assert art.title == {
        "zh-Hans": "粤港澳大湾区碳足迹标识 · 低碳标识 二级",
        "zh-Hant": "粵港澳大灣區碳足跡標識 · 低碳標識 二級",
        "en": "GBA carbon footprint label · Low carbon grade B",
    }
    assert art.value == "2.71"  # 2.7134 to 3 significant figures
    assert art.total_kgco2e == "2.7134"
    assert art.per_unit == {"zh-Hans": "每千克", "zh-Hant": "每公斤", "en": "per kg"}
    assert art.boundary == {"zh-Hans": "摇篮到大门", "zh-Hant": "搖籃到大門", "en": "cradle-to-gate"}
    assert art.standard == "ISO 14067:2018 / GB/T 24067-2024; EXAMPLE-PCR-STEEL-FASTENERS"
    assert (art.certificate_number, art.issuer) == ("CL-2026-ABCDEFGH", "Guangdong Example Certification Co.")
    assert art.valid_until == date(2028, 3, 1)
    assert art.verification_url == "https://label.example.gd.cn/verify/CL-2026-ABCDEFGH"
    lines = art.text_lines()
    assert "证书编号 / 證書編號 / Certificate No. CL-2026-ABCDEFGH" in lines
    assert "有效期至 / Valid until 2028-03-01" in lines  # the two Chinese captions agree: printed once


def test_t1_title_names_the_tier_once_when_the_scheme_name_already_ends_with_it() -> None:
    art = artwork_for(certificate_document(tier="T1", grade=None))
    # 粤港澳大湾区碳足迹标识 + 碳足迹标识 would repeat (issue 10 item 7)
    assert art.title["zh-Hans"] == "粤港澳大湾区碳足迹标识"
    assert art.title["en"] == "GBA carbon footprint label · Carbon footprint certified"


def test_api_response_wrapper_is_accepted() -> None:
    doc = certificate_document()
    assert artwork_for({"number": doc["certificate_number"], "document": doc}).certificate_number == "CL-2026-ABCDEFGH"


def test_scheme_without_a_rule_set_falls_back_to_the_signed_label_text() -> None:
    doc = certificate_document(scheme="test-scheme", rule_set_version="test@1", tier="T1", grade=None,
                               label={"zh-CN": "碳足迹标识\n1 kg", "zh-TW": "碳足跡標識\n1 kg", "en": "Footprint certified\n1 kg"})
    art = artwork_for(doc)
    assert art.title == {"zh-Hans": "碳足迹标识", "zh-Hant": "碳足跡標識", "en": "Footprint certified"}


def test_declared_amount_other_than_one_is_printed() -> None:
    art = artwork_for(certificate_document(footprint={"declared_unit": {"amount": 1000, "unit": "piece"}}))
    assert art.per_unit == {"zh-Hans": "每 1000 件", "zh-Hant": "每 1000 件", "en": "per 1000 piece"}


def test_decision_is_a_preview_without_number_issuer_or_qr() -> None:
    art = artwork_for(decision())
    assert art.preview
    assert (art.certificate_number, art.issuer, art.verification_url) == (None, None, None)
    assert art.title["zh-Hans"] == "广东碳标签 · 低碳标识 二级"
    assert art.value == "100"
    assert art.boundary["en"] == "cradle-to-gate"
    assert art.standard == "GB/T 24067-2024; PR-TEST-001"
    assert "未认证 / 未認證 / not certified" in art.text_lines()
    assert art.valid_until == date(2028, 5, 31)  # 2026-06-01 + 24 months - 1 day


def test_decision_without_a_tier_is_refused_with_the_failed_rules() -> None:
    d = evaluate(factory.footprint(primary_data_share=0.1), factory.default_evidence(), "gd-carbon-label",
                 date(2026, 6, 1))
    assert d.tier is None
    with pytest.raises(InputInvalid, match="no tier was granted.*G6.primary_data_share"):
        artwork_for(json.loads(d.model_dump_json()))


def test_scheme_certificate_needs_issuer_and_verification_url() -> None:
    cert = json.loads((EXAMPLES / "steel_fastener.gba-certificate.json").read_text(encoding="utf-8"))
    with pytest.raises(InputInvalid, match="names no issuer and no verification URL"):
        artwork_for(cert)
    art = artwork_for(cert, issuer="Shenzhen Example Certification", verification_url="https://x.example/v/1")
    assert (art.certificate_number, art.value, art.valid_until) == ("GBA-CFL-2026-000123", "2.71", date(2028, 3, 1))
    assert art.title["zh-Hans"] == "粤港澳大湾区碳足迹标识"


def test_recognition_only_scheme_has_no_label_of_its_own() -> None:
    cert = copy.deepcopy(factory.default_certificate())
    cert["scheme"] = "carbon-trust"
    with pytest.raises(InputInvalid, match="defines no label"):
        artwork_for(cert, issuer="x", verification_url="https://x.example/v/1")


def test_unknown_input_names_its_fields() -> None:
    with pytest.raises(InputInvalid, match="top-level fields: a, b"):
        artwork_for({"a": 1, "b": 2})
    with pytest.raises(InputInvalid, match="field 'footprint.declared_unit.amount' is missing"):
        doc = certificate_document()
        del doc["footprint"]["declared_unit"]
        artwork_for(doc)


def t2_decision() -> dict[str, Any]:
    """A T2 decision (gd-carbon-label 2025.1, 2026-06-01) whose reduction is not round and spans two years.

    Current PCF 95 kg; previous certified 101.5 kg over 2023-07-01..2024-06-30, re-baselined to 98.4 kg.
    T2: 95 <= 0.967 x 98.4 = 95.1528; cut 98.4 - 95 = 3.4 kg > Monte Carlo half-width 1.0 kg; previous period
    ends 2024-06-30, before the current one starts (2025-01-01) and within 36 months of 2026-06-01.
    Reduction shown: (1 - 95 / 98.4) x 100 = 3.45528...% -> 3.5 % (one decimal, half up), against the re-baselined
    98.4 (against the certified 101.5 it would read 6.4 %); base year "2023–2024" (the period spans two years)."""
    d = evaluate(*t2_inputs(), "gd-carbon-label", date(2026, 6, 1))
    assert d.tier == "T2"
    return json.loads(d.model_dump_json())  # type: ignore[no-any-return]


def t2_inputs() -> tuple[dict[str, Any], dict[str, Any]]:
    """Footprint and evidence of `t2_decision`."""
    evidence = factory.merge(factory.default_evidence(), {"previous_certificate": {
        "certificate_id": "GD-2024-7", "scheme": "gd-carbon-label", "certified_kgco2e": "101.5",
        "reference_period": {"start": "2023-07-01", "end": "2024-06-30"}, "previous_footprint_rebaselined": "98.4",
        "rebaseline_snapshot_hash": factory.SNAPSHOT, "rebaseline_method": "AR6"}})
    return factory.footprint(total_kgco2e=95.0), evidence


T2_CLAIM = {"zh-Hans": "较2023–2024年减少 3.5 %", "zh-Hant": "較2023–2024年減少 3.5 %", "en": "-3.5 % vs 2023–2024"}
T2_NOTE = {"zh-Hans": "基准按现行方法和数据重新计算", "zh-Hant": "基準按現行方法和數據重新計算",
           "en": "baseline re-calculated with current method and data"}


def test_t2_decision_carries_the_reduction_as_a_field() -> None:
    d = t2_decision()
    assert d["reduction"] == {
        "percent": "3.5", "base_year": "2023–2024", "base_period": {"start": "2023-07-01", "end": "2024-06-30"},
        "previous_rebaselined_kgco2e": "98.4", "previous_certified_kgco2e": "101.5",
        "previous_certificate_id": "GD-2024-7", "current_kgco2e": "95.0", "rebaselined": True,
    }
    # a decision without T2 has none
    assert decision()["reduction"] is None


def test_t2_preview_prints_the_reduction_worded_as_the_label_text() -> None:
    d = t2_decision()
    art = artwork_for(d)
    assert art.title["zh-Hans"] == "广东碳标签 · 减碳标识"
    assert (art.reduction, art.reduction_note) == (T2_CLAIM, T2_NOTE)
    # the same words as the decision's label text, which prints claim and note on one line
    assert f"{T2_CLAIM['zh-Hans']}（{T2_NOTE['zh-Hans']}）" in d["label"]["zh-Hans"]
    assert f"{T2_CLAIM['zh-Hant']}（{T2_NOTE['zh-Hant']}）" in d["label"]["zh-Hant"]
    assert f"{T2_CLAIM['en']} ({T2_NOTE['en']})" in d["label"]["en"]
    lines = art.text_lines()
    assert " / ".join(T2_CLAIM.values()) in lines and " / ".join(T2_NOTE.values()) in lines


def test_t2_certificate_document_prints_the_reduction_and_other_tiers_do_not() -> None:
    reduction = t2_decision()["reduction"]
    art = artwork_for(certificate_document(tier="T2", grade=None, rule_set_version="gd-carbon-label@2025.1",
                                           scheme="gd-carbon-label", reduction=reduction))
    assert (art.reduction, art.reduction_note) == (T2_CLAIM, T2_NOTE)
    assert (artwork_for(certificate_document()).reduction, artwork_for(certificate_document()).reduction_note) == (None, None)
    bad = certificate_document(reduction={"base_year": "2024"})
    with pytest.raises(InputInvalid, match="field 'reduction.percent' is missing"):
        artwork_for(bad)
