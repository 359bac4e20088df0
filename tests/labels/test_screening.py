"""Screening findings on crafted applications, on the shipped examples, and risk-weighted sampling."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from labels.screening import (
    Candidate,
    OtherBom,
    PeerCertificate,
    PreviousCertificate,
    StatedChange,
    bom_signature,
    load_thresholds,
    sample,
    screen,
)
from tests.labels.factory import SNAPSHOT

ON = date(2026, 6, 1)
REPO = Path(__file__).resolve().parents[2]


def _leaf(line_id: str, name: str, stage: str, amount: float, unit: str, kg: float, *, factor: str | None = None,
          source: str = "factor", credit: bool = False) -> dict[str, Any]:
    return {"line_id": line_id, "parent_id": None, "name": name, "stage": stage, "data_type": "secondary",
            "quantity": amount, "unit": unit, "amount_per_declared_unit": amount, "source": source,
            "factor_id": factor if source == "factor" else None, "kgco2e": kg, "share": kg / 10.0, "credit": credit}


def _factor(fid: str, kg: float, *, category: str = "material", geography: str = "GB", year: int = 2024,
            source: str = "Dataset S", status: str = "verified") -> dict[str, Any]:
    return {"id": fid, "name": fid, "unit": "kg", "geography": geography, "category": category, "source": source,
            "licence": "test", "year": year, "published": f"{year}-06-30", "status": status, "kgco2e": kg}


def bracket(**override: Any) -> dict[str, Any]:
    """A 1.0 kg steel bracket of 10 kg CO2e: steel 1.0 kg (6.0), paint 0.05 kg (1.0), 2 kWh GD grid (1.5),
    a supplier fastener set 0.0 kg... in pieces (1.0), road freight (0.5). Material in = 1.05 kg: +5 %."""
    fp: dict[str, Any] = {
        "product_id": "BR-1", "product_name": "Steel bracket", "category": "brackets", "product_rule": "PR-BR",
        "mass_kg": 1.0, "declared_unit": {"unit": "piece", "amount": 1.0}, "boundary": "cradle-to-gate",
        "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": "CN-GD", "method": "AR6",
        "standard": "GB/T 24067-2024", "complete": True, "total_kgco2e": 10.0, "pcf_excluding_biogenic_uptake": 10.0,
        "pcf_including_biogenic_uptake": 10.0, "fossil_kgco2e": 10.0, "biogenic_kgco2e": 0.0,
        "biogenic_uptake_kgco2e": 0.0, "land_use_change_kgco2e": 0.0, "co2e_unsplit_kgco2e": 0.0,
        "co2e_unsplit_share": 0.0, "by_gas": {"co2_fossil": 10.0},
        "by_stage": {"raw_materials": 8.0, "manufacturing": 1.5, "transport": 0.5},
        "lines": [
            _leaf("steel", "Steel sheet", "raw_materials", 1.0, "kg", 6.0, factor="steel"),
            _leaf("paint", "Powder paint", "raw_materials", 0.05, "kg", 1.0, factor="paint"),
            _leaf("fasteners", "Fastener set (supplier PCF)", "raw_materials", 4.0, "piece", 1.0, source="supplier_pcf"),
            _leaf("power", "Plant electricity", "manufacturing", 2.0, "kWh", 1.5, factor="elec_cn_gd_grid"),
            _leaf("truck", "Road freight", "transport", 1.0, "piece", 0.5, source="transport"),
        ],
        "factors": [_factor("steel", 6.0), _factor("paint", 1.0),
                    _factor("elec_cn_gd_grid", 1.5, category="electricity", geography="CN-GD", source="GD grid")],
        "hotspots": [], "sankey": {"nodes": [], "links": []}, "exclusions": [], "exclusions_total_share": 0.0,
        "primary_data_share": 0.35, "unverified_share": 0.0,
        "electricity": {"method": "location", "site_region": "CN-GD", "grid_activity_id": "elec_cn_gd_grid", "kgco2e": 1.5},
        "provenance": {"snapshot_name": "default", "snapshot_hash": SNAPSHOT, "code_version": "0.1.0", "input_hash": "b" * 64},
    }
    fp.update(override)
    return fp


def _with_line(fp: dict[str, Any], line_id: str, **changes: Any) -> dict[str, Any]:
    fp = copy.deepcopy(fp)
    for line in fp["lines"]:
        if line["line_id"] == line_id:
            line.update(changes)
    return fp


def finding(report, check: str):  # type: ignore[no-untyped-def]
    return next(f for f in report.findings if f.check == check)


def bom_of(verified: bool) -> dict[str, Any]:
    return {"lines": [{"line_id": "fasteners", "supplier_pcf": {"kgco2e_per_unit": 0.25, "verified": verified}}]}


# --- the crafted application is clean ----------------------------------------------------------------


def test_the_crafted_bracket_has_nothing_above_info() -> None:
    report = screen(bracket(), on=ON, bom=bom_of(True))
    assert report.above("info") == [], [f.summary for f in report.above("info")]
    assert (report.risk_score, report.risk_level) == (0, "none")
    mb = finding(report, "mass_balance")
    # material in 1.0 + 0.05 = 1.05 kg (fasteners in pieces: no mass) vs 1.0 kg -> +5.0 %
    assert mb.evidence["material_in_kg"] == "1.05" and mb.evidence["gap_share"] == "5.0 %"
    assert mb.evidence["lines_without_mass"] == "fasteners"
    assert all(f.source for f in report.findings)  # every finding cites its thresholds


# --- mass balance ------------------------------------------------------------------------------------


def test_mass_balance_off_by_30_percent_is_high() -> None:
    """steel 0.65 + paint 0.05 = 0.70 kg in, product 1.0 kg: gap (0.70 - 1.0) / 1.0 = -30 % > 25 % -> high."""
    fp = _with_line(bracket(), "steel", quantity=0.65, amount_per_declared_unit=0.65)
    fp["lines"] = [line for line in fp["lines"] if line["line_id"] != "fasteners"]  # no unknown-mass line to hide it
    mb = finding(screen(fp, on=ON), "mass_balance")
    assert mb.severity == "high"
    assert (mb.evidence["material_in_kg"], mb.evidence["product_kg"], mb.evidence["gap_share"]) == ("0.7", "1", "-30.0 %")
    assert "heavier than its materials" in mb.summary


def test_mass_balance_counts_credits_and_production_waste_as_stated_losses() -> None:
    """steel 1.40 + paint 0.05 = 1.45 kg in; scrap credit 0.20 kg and 0.20 kg waste to landfill stated:
    (1.45 - 0.40 - 1.0) / 1.0 = +5 % -> info. Without the stated losses: +45 % -> high.
    Exactly at the bounds: 1.25 kg in, no losses -> +25 % is not above 25 % -> medium."""
    fp = _with_line(bracket(), "steel", quantity=1.40, amount_per_declared_unit=1.40)
    fp["lines"] += [_leaf("scrap", "Scrap sold", "manufacturing", -0.2, "kg", -0.3, factor="steel", credit=True),
                    _leaf("waste", "Offcuts to landfill", "manufacturing", 0.2, "kg", 0.01, factor="landfill")]
    fp["factors"].append(_factor("landfill", 0.01, category="end_of_life"))
    mb = finding(screen(fp, on=ON), "mass_balance")
    assert (mb.severity, mb.evidence["stated_losses_kg"], mb.evidence["gap_share"]) == ("info", "0.4", "5.0 %")
    unstated = _with_line(bracket(), "steel", quantity=1.40, amount_per_declared_unit=1.40)
    assert finding(screen(unstated, on=ON), "mass_balance").severity == "high"
    at_bound = _with_line(bracket(), "steel", quantity=1.20, amount_per_declared_unit=1.20)  # 1.25 kg in
    assert finding(screen(at_bound, on=ON), "mass_balance").severity == "medium"
    inside = _with_line(bracket(), "steel", quantity=1.10, amount_per_declared_unit=1.10)  # +15 % exactly: info
    assert finding(screen(inside, on=ON), "mass_balance").severity == "info"


def test_a_deficit_that_unknown_mass_lines_may_fill_is_low() -> None:
    fp = _with_line(bracket(), "steel", quantity=0.65, amount_per_declared_unit=0.65)  # fasteners kept (pieces)
    assert finding(screen(fp, on=ON), "mass_balance").severity == "low"


def test_no_product_mass_is_reported_not_guessed() -> None:
    mb = finding(screen(bracket(mass_kg=None), on=ON), "mass_balance")
    assert mb.severity == "info" and "no product mass declared" in mb.summary


# --- peers -------------------------------------------------------------------------------------------


def _peers(values: list[float]) -> list[PeerCertificate]:
    return [PeerCertificate(certificate_number=f"C{i:03d}", organisation_id=f"O{i}", product_id=f"P{i}",
                            total_kgco2e=v) for i, v in enumerate(values)]


PEERS_80_TO_120 = [80 + 0.4 * i for i in range(101)]  # 101 peers, median 100


def test_footprint_at_the_1st_percentile() -> None:
    """101 peers 80.0, 80.4, ..., 120.0: median 100; |v - 100| = 0, 0.4, 0.4, 0.8, 0.8, ... the 51st of
    101 sorted distances is 25 x 0.4 = 10.0 = MAD. x = 80.2: one peer below -> percentile 100 x 1/101 = 0.99;
    robust z = (80.2 - 100) / (1.4826 x 10) = -1.34: not an outlier by z, but the lowest 5 % -> medium."""
    report = screen(bracket(total_kgco2e=80.2), on=ON, peers=_peers(PEERS_80_TO_120))
    peer = finding(report, "peer_comparison")
    assert peer.severity == "medium"
    assert (peer.evidence["percentile"], peer.evidence["median_kgco2e"], peer.evidence["mad_kgco2e"]) == ("1.0", "100", "10")
    assert peer.evidence["robust_z"] == "-1.34"
    assert peer.evidence["peers"] == "101"


def test_far_below_the_median_in_robust_units_is_high() -> None:
    """x = 48: z = (48 - 100) / 14.826 = -3.51 <= -3.5 -> high; x = 49: z = -3.44 -> medium (percentile 0)."""
    assert finding(screen(bracket(total_kgco2e=48.0), on=ON, peers=_peers(PEERS_80_TO_120)), "peer_comparison").severity == "high"
    assert finding(screen(bracket(total_kgco2e=49.0), on=ON, peers=_peers(PEERS_80_TO_120)), "peer_comparison").severity == "medium"


def test_the_middle_of_the_peers_is_info_and_few_peers_are_only_reported() -> None:
    middle = finding(screen(bracket(total_kgco2e=100.0), on=ON, peers=_peers(PEERS_80_TO_120)), "peer_comparison")
    assert (middle.severity, middle.evidence["percentile"], middle.evidence["robust_z"]) == ("info", "50.0", "0.00")
    few = finding(screen(bracket(), on=ON, peers=_peers([1.0, 2.0, 3.0, 4.0])), "peer_comparison")
    assert few.severity == "info" and "5 needed" in few.summary
    # the product's own earlier certificates are not its peers
    own = _peers(PEERS_80_TO_120[:5]) + [PeerCertificate(certificate_number="OWN", product_id="BR-1", total_kgco2e=1.0)]
    assert finding(screen(bracket(), on=ON, peers=own), "peer_comparison").evidence["peers"] == "5"


# --- factor choices ----------------------------------------------------------------------------------


def test_factor_choice_findings() -> None:
    # a proxy carrying exactly 10 % of the PCF -> medium (>=); the paint line is 1.0 of 10.0
    proxy = _with_line(bracket(), "paint", name="Powder paint (proxy: average plastics)")
    assert finding(screen(proxy, on=ON), "proxy_factors").severity == "medium"
    # unverified share at the gate's limit 0.05 -> medium; just under -> info
    assert finding(screen(bracket(unverified_share=0.05), on=ON), "unverified_factors").severity == "medium"
    assert finding(screen(bracket(unverified_share=0.0499), on=ON), "unverified_factors").severity == "info"
    # national grid for a Guangdong site
    national = _with_line(bracket(), "power", factor_id="elec_cn_national")
    national["factors"].append(_factor("elec_cn_national", 1.5, category="electricity", geography="CN", source="MEE"))
    grid = finding(screen(national, on=ON), "regional_grid")
    assert grid.severity == "medium" and "elec_cn_national (CN)" in grid.summary
    # a superseded edition: 'Dataset S' 2022 while the footprint also uses its 2024 edition
    old = copy.deepcopy(bracket())
    old["factors"][1]["year"] = 2022
    outdated = finding(screen(old, on=ON), "outdated_factors")
    assert outdated.severity == "medium" and "paint (2022; latest 2024)" in outdated.evidence["factors"]
    # a use phase of exactly half the PCF -> low
    assert finding(screen(bracket(by_stage={"raw_materials": 5.0, "use": 5.0}), on=ON), "use_phase").severity == "low"


def test_supplier_pcfs_without_verification() -> None:
    """The fastener set is 1.0 of 10.0 kg = 10 % of the PCF: unverified -> medium (>= 10 %)."""
    unverified = finding(screen(bracket(), on=ON, bom=bom_of(False)), "supplier_verification")
    assert unverified.severity == "medium" and unverified.evidence == {"lines": "fasteners", "share": "10.0 %"}
    assert finding(screen(bracket(), on=ON, bom=bom_of(True)), "supplier_verification").severity == "info"
    unknown = finding(screen(bracket(), on=ON), "supplier_verification")
    assert unknown.severity == "info" and "BOM, which was not given" in unknown.summary


# --- history -----------------------------------------------------------------------------------------


def test_a_drop_beyond_what_re_baselining_and_stated_changes_explain() -> None:
    """previous 100, now 70: drop 30 %. Re-baselined previous 90 explains 10 %, a stated change 5 kg
    explains 5 %: unexplained 15 % -> medium. Nothing stated: 30 % -> high. All explained: info."""
    fp = bracket(total_kgco2e=70.0)
    previous = PreviousCertificate(certificate_number="CL-2025-OLD", total_kgco2e=100.0)
    evidence = {"previous_certificate": {"previous_footprint_rebaselined": "90"}}
    change = [StatedChange(description="PV on the roof", reduction_kgco2e=5.0)]
    partly = finding(screen(fp, on=ON, previous=previous, evidence=evidence, stated_changes=change), "history_drop")
    assert (partly.severity, partly.evidence["drop"], partly.evidence["unexplained"]) == ("medium", "30.0 %", "15.0 %")
    assert finding(screen(fp, on=ON, previous=previous), "history_drop").severity == "high"
    all_stated = [StatedChange(description="new furnace", reduction_kgco2e=20.0)]
    assert finding(screen(fp, on=ON, previous=previous, evidence=evidence, stated_changes=all_stated),
                   "history_drop").severity == "info"


def test_the_previous_certificate_the_evidence_names_is_used_when_the_registry_has_none() -> None:
    """evidence: certified 100, re-baselined 90; now 70: drop 30 %, re-baselining explains 10 % -> 20 % medium."""
    evidence = {"previous_certificate": {"certificate_id": "GD-2024-7", "certified_kgco2e": "100",
                                         "previous_footprint_rebaselined": "90"}}
    drop = finding(screen(bracket(total_kgco2e=70.0), on=ON, evidence=evidence), "history_drop")
    assert (drop.severity, drop.evidence["unexplained"]) == ("medium", "20.0 %")
    assert "GD-2024-7" in drop.summary


def test_a_copied_bom_is_high_and_a_near_copy_medium() -> None:
    mine = bracket()
    renamed = copy.deepcopy(mine)
    for i, line in enumerate(renamed["lines"]):  # a copier renames lines and ids; amounts stay
        line["line_id"], line["name"] = f"x{i}", f"part {i}"
    from footprint.result import FootprintResult

    copied = OtherBom(organisation_id="ORG-B", product_id="P-B", reference="footprint f-b",
                      signature=bom_signature(FootprintResult.model_validate(renamed)))
    report = screen(mine, on=ON, applicant="ORG-A", other_boms=[copied])
    copy_finding = finding(report, "copied_bom")
    assert copy_finding.severity == "high" and copy_finding.evidence["other_reference"] == "footprint f-b"
    # the same organisation's own products may share a BOM
    assert finding(screen(mine, on=ON, applicant="ORG-B", other_boms=[copied]), "copied_bom").severity == "info"
    # 20 lines, one amount changed: Jaccard 19 / 21 = 0.905 >= 0.90 -> medium; two changed: 18 / 22 = 0.82 -> info
    many = bracket(lines=[_leaf(f"l{i}", f"part {i}", "raw_materials", 0.01 * (i + 1), "kg", 0.1, factor="steel")
                          for i in range(20)])
    signature = bom_signature(FootprintResult.model_validate(many))
    one_changed = [s.replace("0.2 kg", "0.25 kg") for s in signature]
    two_changed = [s.replace("0.2 kg", "0.25 kg").replace("0.19 kg", "0.195 kg") for s in signature]
    near = OtherBom(organisation_id="ORG-C", product_id="P-C", reference="f-c", signature=one_changed)
    far = OtherBom(organisation_id="ORG-D", product_id="P-D", reference="f-d", signature=two_changed)
    assert finding(screen(many, on=ON, other_boms=[near]), "copied_bom").severity == "medium"
    assert finding(screen(many, on=ON, other_boms=[far]), "copied_bom").severity == "info"


def test_risk_score_adds_severity_points() -> None:
    """copied BOM (high 40) + unverified supplier PCF (medium 15) + use phase half (low 5) = 60 -> high."""
    mine = bracket(by_stage={"raw_materials": 5.0, "use": 5.0})
    from footprint.result import FootprintResult

    copied = OtherBom(organisation_id="ORG-B", product_id="P-B", reference="f",
                      signature=bom_signature(FootprintResult.model_validate(mine)))
    report = screen(mine, on=ON, bom=bom_of(False), applicant="ORG-A", other_boms=[copied])
    assert sorted(f.severity for f in report.above("info")) == ["high", "low", "medium"]
    assert (report.risk_score, report.risk_level) == (60, "high")


def test_thresholds_are_dated_and_cited() -> None:
    t = load_thresholds(ON)
    assert t.number("peers.robust_z_high") == 3.5
    assert "Iglewicz" in t.cite("peers.robust_z_high")[0]
    with pytest.raises(Exception, match="no value on or before 2025-12-31"):
        load_thresholds(date(2025, 12, 31))


# --- the shipped examples ----------------------------------------------------------------------------

# The only findings above info on the shipped examples, each a real question for a reviewer.
EXPECTED_EXAMPLE_FINDINGS = {
    "steel_fastener.bom.json": set(),
    "ceramic_tile.bom.json": set(),
    "cotton_tshirt.bom.json": {("supplier_verification", "medium")},  # fabric PCF, 87 % of the PCF, unverified
    "electric_kettle.bom.json": {("supplier_verification", "medium")},  # stainless coil PCF, 51 %, unverified
    "led_lamp.bom.json": {("use_phase", "low")},  # 135 kWh of use electricity, 99 % of the PCF
}


@pytest.fixture(scope="module")
def default_snapshot(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lcidb.build import build_snapshot
    from lcidb.snapshot import load_snapshot

    home = tmp_path_factory.mktemp("home-screening")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARBONLABEL_HOME", str(home))
        build_snapshot([], name=None)
        return load_snapshot("default")


@pytest.mark.parametrize("example", sorted(EXPECTED_EXAMPLE_FINDINGS))
def test_shipped_examples_have_nothing_above_info_but_the_listed_findings(default_snapshot, example: str) -> None:  # type: ignore[no-untyped-def]
    from footprint import compute
    from footprint.bom_io import read_bom
    from labels import CatalogueEditions

    bom = read_bom(REPO / "examples" / example)
    fp = compute(bom, default_snapshot)
    report = screen(fp, on=ON, bom=json.loads((REPO / "examples" / example).read_text(encoding="utf-8")),
                    editions=CatalogueEditions(default_snapshot.activities))
    assert {(f.check, f.severity) for f in report.above("info")} == EXPECTED_EXAMPLE_FINDINGS[example], \
        [f.summary for f in report.above("info")]


# --- sampling ----------------------------------------------------------------------------------------


def _candidates(high: int, clean: int) -> list[Candidate]:
    return ([Candidate(certificate_number=f"H{i:03d}", risk_score=40, reasons=["high copied_bom"]) for i in range(high)]
            + [Candidate(certificate_number=f"L{i:03d}", risk_score=0) for i in range(clean)])


def test_sampling_is_reproducible_from_the_seed() -> None:
    pool = _candidates(5, 45)
    first = sample(pool, 6, seed=7, base_weight=1)
    assert [p.certificate_number for p in first] == [p.certificate_number for p in sample(list(reversed(pool)), 6, seed=7, base_weight=1)]
    assert len({p.certificate_number for p in first}) == 6
    assert [p.rank for p in first] == [1, 2, 3, 4, 5, 6]
    assert any([p.certificate_number for p in sample(pool, 6, seed=s, base_weight=1)]
               != [p.certificate_number for p in first] for s in range(8, 12))
    high = next(p for p in first if p.certificate_number.startswith("H")) if any(
        p.certificate_number.startswith("H") for p in first) else None
    if high is not None:
        assert high.reason.startswith("risk 40 -> weight 41 (high copied_bom")


def test_high_risk_certificates_are_drawn_far_more_often() -> None:
    """10 high-risk (weight 41) and 90 clean (weight 1) certificates, 5 drawn, seeds 0..999.

    Under uniform sampling a high-risk certificate would be drawn with probability 5/100 = 0.05, so
    the 10 would fill 0.05 x 10 x 5 ... = 0.5 of the 5 picks on average (10 % of picks). With weights
    41:1 the first pick alone is high-risk with probability 410 / (410 + 90) = 0.82. The run is a
    fixed set of 1000 seeds (deterministic, so it cannot flake); the bound asserted is far from both:
    high-risk certificates fill more than 60 % of all picks (uniform: 10 %), and each high-risk
    certificate is drawn at least 10 times as often as the average clean one."""
    pool = _candidates(10, 90)
    high_picks = clean_picks = 0
    for seed in range(1000):
        for pick in sample(pool, 5, seed=seed, base_weight=1):
            if pick.certificate_number.startswith("H"):
                high_picks += 1
            else:
                clean_picks += 1
    assert high_picks + clean_picks == 5000
    assert high_picks / 5000 > 0.60
    assert (high_picks / 10) >= 10 * (clean_picks / 90)


def test_sampling_more_than_the_pool_gives_the_whole_pool() -> None:
    assert len(sample(_candidates(2, 3), 10, seed=1, base_weight=1)) == 5


# --- the command line --------------------------------------------------------------------------------


def test_screen_command_reads_a_footprint_or_an_application_file(tmp_path: Path, home: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from labels import benchmark_key

    runner = CliRunner()
    fp = bracket(total_kgco2e=48.0)
    key = benchmark_key("PR-BR", "brackets", 1.0, "piece")
    members = [{"certificate_id": f"R{i}", "total_kgco2e": str(v)} for i, v in enumerate(PEERS_80_TO_120)]
    (tmp_path / "reg.json").write_text(json.dumps({key: members}), encoding="utf-8")
    (tmp_path / "fp.json").write_text(json.dumps(fp), encoding="utf-8")
    result = runner.invoke(app, ["screen", str(tmp_path / "fp.json"), "--registry", str(tmp_path / "reg.json"),
                                 "--on", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    peer = next(f for f in report["findings"] if f["check"] == "peer_comparison")
    assert (peer["severity"], peer["evidence"]["robust_z"]) == ("high", "-3.51")
    application = {"footprint": bracket(), "bom": bom_of(False), "organisation_id": "ORG-A",
                   "previous_certificate": {"certificate_number": "OLD", "total_kgco2e": 14.0},
                   "stated_changes": [{"description": "lighter design", "reduction_kgco2e": 2.0}]}
    (tmp_path / "app.json").write_text(json.dumps(application), encoding="utf-8")
    text = runner.invoke(app, ["screen", str(tmp_path / "app.json"), "--on", "2026-06-01"])
    assert text.exit_code == 0, text.output
    # 14 -> 10: drop 4 / 14 = 28.6 %, 2 kg stated explain 14.3 % -> 14.3 % unexplained -> medium;
    # the unverified fastener PCF is 1.0 of 10.0 = 10 % -> medium; risk 15 + 15 = 30
    assert "MEDIUM history_drop" in text.stdout and "MEDIUM supplier_verification" in text.stdout
    assert "risk 30 (medium)" in text.stdout
    (tmp_path / "bad.json").write_text(json.dumps({"footprint": fp, "notes": "x"}), encoding="utf-8")
    bad = runner.invoke(app, ["screen", str(tmp_path / "bad.json")])
    assert bad.exit_code == 2 and "unknown field(s) ['notes']" in bad.output
    early = runner.invoke(app, ["screen", str(tmp_path / "fp.json"), "--on", "2025-12-31"])
    assert early.exit_code == 2 and "mass_balance.tolerance has no value on or before 2025-12-31" in early.output
    missing = runner.invoke(app, ["screen", "no-such-application"])
    assert missing.exit_code == 2 and "no-such-application: no such file, and no service database" in missing.output
