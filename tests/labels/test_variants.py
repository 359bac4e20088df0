"""Paths the shipped rule sets leave switched off: an official benchmark and T4 carbon neutral.

Each test copies a shipped YAML into tmp_path, changes one dated value, and evaluates with that rule set.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from labels import evaluate
from labels.ruledata import parse_rule_set
from tests.labels.factory import BENCHMARK_KEY, default_evidence, footprint, registry

ON = date(2026, 6, 1)
SHIPPED = Path(__file__).resolve().parents[2] / "data" / "rules" / "gd-carbon-label" / "2025-03-01.yaml"


def _variant(tmp_path: Path, old: str, new: str):
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "gd-carbon-label" / "2025-03-01.yaml"
    path.parent.mkdir()
    path.write_text(text.replace(old, new), encoding="utf-8")
    return parse_rule_set(path)


def test_an_official_benchmark_wins_over_the_registry(tmp_path: Path) -> None:
    rs = _variant(tmp_path, "        2025-03-01: []\n",
                  f'        2025-03-01: [{{key: "{BENCHMARK_KEY}", value: "120", reference: "test official value"}}]\n')
    # official 120: 0.70 x 120 = 84.00 -> 84 is grade A; the registry (mean 100) would give B
    d = evaluate(footprint(total_kgco2e=84.0), default_evidence(), "gd-carbon-label", ON, registry(["100"] * 5),
                 rule_set=rs)
    assert (d.tier, d.grade) == ("T3", "A")
    assert d.benchmark is not None and d.benchmark.kind == "official" and str(d.benchmark.value) == "120"
    assert d.rule_set_version.sha256 != parse_rule_set(SHIPPED).sha256  # the changed file is a different version


def test_t4_when_switched_on_needs_t2_and_enough_retired_offsets(tmp_path: Path) -> None:
    rs = _variant(tmp_path,
                  'off by default (Carbon Trust stopped neutral verification 2023, §4.1 [V])"\n        values:\n          2025-03-01: false',
                  'off by default (Carbon Trust stopped neutral verification 2023, §4.1 [V])"\n        values:\n          2025-03-01: true')
    evidence = default_evidence() | {
        "previous_certificate": {"certificate_id": "P", "scheme": "gd-carbon-label", "certified_kgco2e": "100",
                                 "reference_period": {"start": "2024-01-01", "end": "2024-12-31"},
                                 "previous_footprint_rebaselined": "100", "rebaseline_snapshot_hash": "a" * 64,
                                 "rebaseline_method": "AR6"},
        "sold_units": "1000",
        # 90 kg x 1000 units = 90,000 kg = 90 t needed
        "offsets": {"netted_in_footprint": False,
                    "retired": [{"registry": "CCER", "serial": "S1", "tco2e": "90", "retired_on": "2026-01-10"}]},
    }
    d = evaluate(footprint(total_kgco2e=90.0), evidence, "gd-carbon-label", ON, rule_set=rs)
    assert d.tier == "T4" and [g.tier for g in d.granted] == ["T1", "T2", "T4"]
    assert str(d.granted[-1].valid_until) == "2027-05-31"  # 12 months
    assert "碳中和标识" in d.label.zh_Hans
    short = evidence | {"offsets": {"netted_in_footprint": False, "retired": [
        {"registry": "CCER", "serial": "S1", "tco2e": "89.999", "retired_on": "2026-01-10"}]}}
    d2 = evaluate(footprint(total_kgco2e=90.0), short, "gd-carbon-label", ON, rule_set=rs)
    assert d2.tier == "T2" and d2.rule("T4.carbon_neutral").status == "failed"


def test_a_product_rule_kind_a_rule_set_does_not_list_fails_g1_alone(tmp_path: Path) -> None:
    """Every shipped rule set now accepts all five kinds (hk_pcr ranks as a PCR, issue 10); a version that
    lists fewer still refuses the others, and only G1.product_rule_kind fails."""
    rs = _variant(tmp_path, "2025-03-01: [national, gba_group, gd_group, pcr, hk_pcr]",
                  "2025-03-01: [national, gba_group, gd_group, pcr]")
    evidence = default_evidence() | {"product_rule": {"id": "PR-TEST-001", "kind": "hk_pcr"}}
    d = evaluate(footprint(), evidence, "gd-carbon-label", ON, rule_set=rs)
    assert d.tier is None
    assert sorted(o.rule_id for o in d.rules if o.status == "failed") == ["G1.product_rule_kind", "T1.footprint_certified"]


def test_g11_without_a_reduction_plan_requirement_is_not_applicable(tmp_path: Path) -> None:
    rs = _variant(tmp_path, 'P1 G11"\n        values:\n          2025-03-01: true',
                  'P1 G11"\n        values:\n          2025-03-01: false')
    evidence = default_evidence()
    evidence["applicant"] = evidence["applicant"] | {"reduction_plan": None}
    d = evaluate(footprint(), evidence, "gd-carbon-label", ON, rule_set=rs)
    assert d.tier == "T1" and d.rule("G11.reduction_plan").status == "not_applicable"
