"""Evaluator properties that golden cases cannot express: provenance, JSON form, editions provider."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from labels import CatalogueEditions, Decision, evaluate
from tests.labels.factory import default_evidence, footprint, registry

ON = date(2026, 6, 1)
RULES = Path(__file__).resolve().parents[2] / "data" / "rules"


class _Act:
    def __init__(self, source: str, year: int, published: date | None = None):
        self.source, self.year, self.published = source, year, published


def test_rule_set_version_hash_is_the_sha256_of_the_yaml_file() -> None:
    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", ON)
    expected = hashlib.sha256((RULES / "gd-carbon-label" / "2025-03-01.yaml").read_bytes()).hexdigest()
    assert d.rule_set_version.model_dump() == {"scheme": "gd-carbon-label", "version": "2025.1", "sha256": expected}


def test_every_applied_rule_cites_its_source() -> None:
    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", ON, registry(["100"] * 5))
    for outcome in d.rules:
        assert outcome.source, outcome.rule_id
    # a proposal is marked as such, a sourced value names its source
    assert d.rule("G7.dqr_mean").source[0].startswith("gate.dqr.weighted_mean_max (since 2025-03-01): [P] proposal")
    assert "PAS 2050" in d.rule("G4.cutoff_single").source[0]


def test_decision_json_round_trips_with_decimals_as_strings() -> None:
    d = evaluate(footprint(total_kgco2e=84.99), default_evidence(), "gd-carbon-label", ON, registry(["100"] * 5))
    doc = json.loads(d.model_dump_json())
    assert doc["total_kgco2e"] == "84.99" and doc["benchmark"]["value"] == "100"
    assert Decision.model_validate(doc).grade == "B"


def test_reevaluation_triggers_are_computed_from_the_certified_value() -> None:
    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", ON)
    triggers = {t.id: t.threshold_kgco2e for t in d.reevaluation_triggers}
    # 1.10 x 100.0 = 110.000 ; 0.05 x 100.0 = 5.000
    assert str(triggers["increase"]) == "110.000" and str(triggers["change"]) == "5.000"


def test_a_newer_edition_in_the_catalogue_makes_a_factor_stale() -> None:
    catalogue = CatalogueEditions([_Act("Dataset S", 2024), _Act("Dataset S", 2025, date(2025, 7, 1)),
                                   _Act("Project GD grid model", 2024), _Act("Dataset T", 2023)])
    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", ON, editions=catalogue)
    assert d.rule("G8.factor_latest_edition").status == "failed"
    assert "steel_sheet (Dataset S 2024; latest 2025)" in d.rule("G8.factor_latest_edition").detail
    # before the 2025 edition was published the same footprint is current
    d_before = evaluate(footprint(reference_period={"start": "2024-06-01", "end": "2025-05-31"}),
                        default_evidence() | {"reference_period": {"start": "2024-06-01", "end": "2025-05-31"}},
                        "gd-carbon-label", date(2025, 6, 30), editions=catalogue)
    assert d_before.rule("G8.factor_latest_edition").status == "passed"


def test_a_source_missing_from_the_catalogue_is_not_current() -> None:
    catalogue = CatalogueEditions([_Act("Dataset S", 2024), _Act("Project GD grid model", 2024)])
    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", ON, editions=catalogue)
    assert d.rule("G8.factor_latest_edition").status == "failed"
    assert "truck (Dataset T): edition unknown" in d.rule("G8.factor_latest_edition").detail


def test_reevaluation_triggers_fire_above_ten_percent_and_on_a_five_percent_change() -> None:
    from labels import fired_triggers

    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", ON)  # certified 100.0
    assert fired_triggers(d, "104.99") == []                 # |4.99| < 5.000
    assert [f.split(":")[0] for f in fired_triggers(d, "105")] == ["change"]     # |5| >= 5.000
    assert [f.split(":")[0] for f in fired_triggers(d, "95")] == ["change"]      # a fall counts as a change
    assert [f.split(":")[0] for f in fired_triggers(d, "110")] == ["change"]     # 110 is not above 110.000
    assert [f.split(":")[0] for f in fired_triggers(d, "110.01")] == ["increase", "change"]


def test_a_decision_re_runs_from_its_recorded_benchmark() -> None:
    from labels import StaticBenchmarkProvider

    members = [{"certificate_id": f"R{i}", "total_kgco2e": v, "issued": date(2025, 1, 1), "valid_until": date(2027, 1, 1)}
               for i, v in enumerate(["90", "95", "100", "105", "110"])]
    first = evaluate(footprint(total_kgco2e=85.0), default_evidence(), "gd-carbon-label", ON, registry(members))
    stored = Decision.model_validate_json(first.model_dump_json())  # as the service would keep it
    assert stored.benchmark is not None
    again = evaluate(footprint(total_kgco2e=85.0), default_evidence(), "gd-carbon-label", ON,
                     StaticBenchmarkProvider.replay(stored.benchmark))
    assert again.benchmark is not None and again.benchmark.hash == first.benchmark.hash
    # mean (90 + 95 + 100 + 105 + 110) / 5 = 100; 85 <= 0.85 x 100 -> B
    assert (again.tier, again.grade) == (first.tier, first.grade) == ("T3", "B")


def test_dqr_means_are_printed_rounded_while_the_check_stays_exact() -> None:
    """steel 40 % (2), power 30 % (1), plastic 20 % (3), truck 5 % (3): weight 0.95 (not 1, so the mean does not terminate).
    sum(w x r) = 0.8 + 0.3 + 0.6 + 0.15 = 1.850 over weight 0.95 -> 1.947368...
    printed 1.95 (two places), compared exactly as 1.850 <= 3.0 x 0.95 = 2.850."""
    fp = footprint()
    fp["lines"][2] = fp["lines"][2] | {"kgco2e": 20.0, "share": 0.20}
    fp["lines"][3] = fp["lines"][3] | {"dqr": {"technological": 3, "temporal": 3, "geographical": 3}}
    d = evaluate(fp, default_evidence(), "gd-carbon-label", ON)
    o = d.rule("G7.dqr_mean")
    assert o.status == "passed" and o.value == "1.95"
    assert "technological 1.95, temporal 1.95, geographical 1.95" in o.detail
    assert "1.850 <= 3.0 x 0.95" in (o.comparison or "")


def test_the_hk_label_is_a_proposal_in_its_metadata_not_on_its_label() -> None:
    from labels import list_schemes

    d = evaluate(footprint(), default_evidence() | {"verifier": default_evidence()["verifier"] | {"accreditation_body": "HKAS"}},
                 "hk-label", ON)
    assert d.rule_set_status == "proposal" and d.label is not None
    assert all("建议" not in t and "建議" not in t and "proposal" not in t
               for t in (d.label.zh_Hans, d.label.zh_Hant, d.label.en))
    status = {s.id: s.status for s in list_schemes(ON)}
    assert status["hk-label"] == "proposal" and status["gd-carbon-label"] == "in_force"
    assert evaluate(footprint(), default_evidence(), "gd-carbon-label", ON).rule_set_status == "in_force"
