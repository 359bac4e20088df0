"""Paths the shipped rule sets leave switched off: an official benchmark and T4 carbon neutral.

Each test copies a shipped YAML into tmp_path, changes one dated value, and evaluates with that rule set.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from labels import evaluate
from labels.errors import RuleSetInvalid, UnknownVersion
from labels.ruledata import load_rule_set, parse_rule_set
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


def test_t4_switched_on_without_its_parameters_is_refused(tmp_path: Path) -> None:
    """Issue 16 replaced the old T4 (offsets x 1000 >= PCF x sold units only): a version that turns T4 on must
    state the retirement deadline, the claim standard and the renewal rules; the conditions themselves are golden
    cases of the variant gd-carbon-label+carbon-neutral (data/rules/gd-carbon-label/cases.yaml)."""
    rs = _variant(tmp_path,
                  'off by default (Carbon Trust stopped neutral verification 2023, §4.1 [V])"\n        values:\n          2025-03-01: false',
                  'off by default (Carbon Trust stopped neutral verification 2023, §4.1 [V])"\n        values:\n          2025-03-01: true')
    with pytest.raises(RuleSetInvalid, match=r"rules\.tiers\.T4: .*retirement_deadline_months"):
        evaluate(footprint(total_kgco2e=90.0), default_evidence(), "gd-carbon-label", ON, rule_set=rs)


def _copy_scheme(tmp_path: Path) -> Path:
    folder = tmp_path / "gd-carbon-label"
    folder.mkdir()
    for name in ("2022-06-28.yaml", "2025-03-01.yaml", "2025-12-01-t4.yaml"):
        (folder / name).write_bytes((SHIPPED.parent / name).read_bytes())
    return folder


def test_a_variant_is_chosen_only_by_name_and_hashes_its_base(tmp_path: Path) -> None:
    folder = _copy_scheme(tmp_path)
    assert load_rule_set("gd-carbon-label", ON, root=tmp_path).version == "2025.1"  # by date: the default chain
    variant = load_rule_set("gd-carbon-label+carbon-neutral", ON, root=tmp_path)
    assert (variant.version, variant.variant) == ("2025.1-t4", "carbon-neutral")
    assert load_rule_set("gd-carbon-label@2025.1-t4", ON, root=tmp_path).sha256 == variant.sha256
    base = folder / "2025-03-01.yaml"
    base.write_text(base.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert load_rule_set("gd-carbon-label+carbon-neutral", ON, root=tmp_path).sha256 != variant.sha256
    with pytest.raises(UnknownVersion, match="no variant 'neutral'.*carbon-neutral"):
        load_rule_set("gd-carbon-label+neutral", ON, root=tmp_path)


def test_a_variant_extending_a_missing_version_names_it(tmp_path: Path) -> None:
    folder = _copy_scheme(tmp_path)
    t4 = folder / "2025-12-01-t4.yaml"
    t4.write_text(t4.read_text(encoding="utf-8").replace('extends: "2025.1"', 'extends: "2024.9"'), encoding="utf-8")
    with pytest.raises(RuleSetInvalid, match=r"2025-12-01-t4\.yaml: extends version '2024\.9'"):
        load_rule_set("gd-carbon-label+carbon-neutral", ON, root=tmp_path)


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


@pytest.mark.parametrize("step", ["0.005", "0", "-0.001"])
def test_a_claim_precision_that_is_not_a_positive_power_of_ten_is_refused(tmp_path: Path, step: str) -> None:
    """The claim text rounds the residual up on a decimal grid (0.001 = 1 kg); 0.005 would not be a grid that
    `quantize` understands (it would round to 0.001 silently), so the rule set is refused, naming the value."""
    folder = _copy_scheme(tmp_path)
    new = folder / "2026-12-02-t4.yaml"
    text = (SHIPPED.parent / "2026-12-02-t4.yaml").read_text(encoding="utf-8")
    assert text.count('2026-12-02: "0.001"') == 1
    new.write_text(text.replace('2026-12-02: "0.001"', f'2026-12-02: "{step}"'), encoding="utf-8")
    with pytest.raises(RuleSetInvalid, match=rf"claim_precision_t {step} is not a positive power of ten"):
        evaluate(footprint(total_kgco2e=90.0), default_evidence(), "gd-carbon-label+carbon-neutral", date(2026, 12, 2),
                 rule_set=load_rule_set("gd-carbon-label+carbon-neutral", date(2026, 12, 2), root=tmp_path))
