"""Brightway Excel (read by bw2io) -> template folder: flows mapped by name/compartment, unmapped
flows and unresolvable activities reported, scores checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from lcidb.errors import ImportReportError
from lcidb.importers.bw import import_bw
from lcidb.template import read_template

FIXTURE = Path(__file__).parent / "fixtures" / "bw_excel" / "small_inventory.xlsx"
SIMAPRO = Path(__file__).parent / "fixtures" / "simapro" / "small_processes.csv"
SP = "carbonlabel_fixture_"
PREFIX = "gd_widget_supply_"

# Hand calculation from the fixture (make_fixture.py), GWP100 from data/methods/gwp100.csv.
# AR6: PP granulate per kg = 1.6 + 0.0001*273 + 0.002*1530 = 4.6873
#      electricity = 0.5; paper = -1.2 + 0.3 + 0.001*27.0 = -0.873; truck = 0.05/0.5 + 0.002*5 = 0.11
#      widget = 0.2*4.6873 + 1.5*0.5 + 0.05*(-0.873) + 10*0.11 + 0.01 + 0.0001*29.8
#             = 0.93746 + 0.75 - 0.04365 + 1.1 + 0.01 + 0.00298 = 2.75679
# AR5: PP = 1.6 + 0.0001*265 + 0.002*1300 = 4.2265; paper = -1.2 + 0.3 + 0.001*28 = -0.872
#      widget = 0.8453 + 0.75 - 0.0436 + 1.1 + 0.01 + 0.0028 = 2.6645
WIDGET_AR6 = 2.75679
WIDGET_AR5 = 2.6645


@pytest.fixture
def imported(tmp_path: Path, home: Path):
    out = tmp_path / "bw"
    report = import_bw("excel", FIXTURE, out, year=2023, licence="test-fixture")
    return report, out, read_template(out)


def _cradle_to_gate(template, activity_id: str, method: str) -> float:
    """Independent recursive evaluation of the (acyclic) template with the method's CFs."""
    from lcidb.flows import flow_table

    cf = {code: flow.cf[method] for code, flow in flow_table().items()}
    total = 0.0
    for e in template.exchanges:
        if e.activity_id != activity_id:
            continue
        total += e.amount * (cf[e.input] if e.kind == "biosphere" else _cradle_to_gate(template, e.input, method))
    return total


def test_activities_and_flows_are_mapped(imported) -> None:
    report, _out, template = imported
    assert report.imported == 5 and set(template.activities) == {
        PREFIX + x for x in ("widget_assembly", "pp_granulate", "electricity_gd", "paper_sheet", "truck")}
    gases = {(e.activity_id.removeprefix(PREFIX), e.input): e.amount for e in template.exchanges if e.kind == "biosphere"}
    assert gases[("pp_granulate", "co2_fossil")] == pytest.approx(1.6)  # 3.2 kg per 2 kg produced
    assert gases[("pp_granulate", "n2o")] == pytest.approx(0.0001)  # 0.2 g per 2 kg
    assert gases[("pp_granulate", "hfc_134a")] == pytest.approx(0.002)
    assert gases[("paper_sheet", "co2_biogenic_uptake")] == pytest.approx(1.2)  # "Carbon dioxide, in air", resource
    assert gases[("paper_sheet", "ch4_biogenic")] == pytest.approx(0.001)  # "Methane, non-fossil"
    assert gases[("truck", "co2_fossil")] == pytest.approx(0.1)  # formula 0.05 / load_factor (0.5)
    assert gases[("truck", "co2_luc")] == pytest.approx(0.01)  # formula 0.002 * 5
    sigma = [e.uncertainty_sigma for e in template.exchanges if e.key == (PREFIX + "pp_granulate", "co2_fossil")]
    assert sigma == [0.1]
    units = {a.id.removeprefix(PREFIX): a.unit for a in template.activities.values()}
    assert units == {"widget_assembly": "piece", "pp_granulate": "kg", "electricity_gd": "kWh", "paper_sheet": "kg", "truck": "tkm"}
    years = {a.id.removeprefix(PREFIX): a.year for a in template.activities.values()}
    assert years["truck"] == 2023 and years["widget_assembly"] == 2024  # default only where the file has none
    assert all(a.status == "unverified" and a.licence == "test-fixture" for a in template.activities.values())


def test_scores_match_the_hand_calculation(imported) -> None:
    _report, _out, template = imported
    assert _cradle_to_gate(template, PREFIX + "widget_assembly", "AR6") == pytest.approx(WIDGET_AR6, rel=1e-12)
    assert _cradle_to_gate(template, PREFIX + "widget_assembly", "AR5") == pytest.approx(WIDGET_AR5, rel=1e-12)


def test_report_names_unmapped_flows_and_unresolved_activities(imported) -> None:
    report, _out, _template = imported
    reasons = dict(report.skipped)
    # row numbers are the sheet's (see make_fixture.py: the widget's 'Water' exchange is on row 23)
    assert "'Water'" in reasons[23] and "no GWP100 flow code" in reasons[23]
    assert any("'Sulfur dioxide'" in r for r in reasons.values())
    assert any("ecoinvent-3.9-cutoff" in r and "widget, external steel" in r for r in reasons.values())
    assert any("'gift set' not imported" in r for r in reasons.values())
    assert len(report.skipped) == 4
    assert report.report_lines()[2] == "not imported: 4 row(s)"


def test_missing_year_without_default_is_reported_not_guessed(tmp_path: Path, home: Path) -> None:
    report = import_bw("excel", FIXTURE, tmp_path / "o", licence="x")
    assert any("no data year" in reason and "'transport, truck'" in reason for _, reason in report.skipped)
    template = read_template(tmp_path / "o")
    # the truck is missing, and so is the widget that uses it
    assert PREFIX + "truck" not in template.activities and PREFIX + "widget_assembly" not in template.activities
    assert PREFIX + "pp_granulate" in template.activities


def test_unknown_format_and_bad_file_are_clear_errors(tmp_path: Path, home: Path) -> None:
    with pytest.raises(ImportReportError, match="unknown Brightway format 'ilcd'"):
        import_bw("ilcd", FIXTURE, tmp_path / "o")
    with pytest.raises(ImportReportError, match="not a SimaPro CSV export"):
        import_bw("simapro", FIXTURE, tmp_path / "o")
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_text("nope")
    with pytest.raises(ImportReportError, match="bogus.xlsx"):
        import_bw("excel", bogus, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_duplicate_activities_are_reported_not_guessed(tmp_path: Path, home: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    block = lambda amount: [  # noqa: E731 - two blocks that differ only in their CO2
        ["Activity", "part"], ["location", "CN"], ["unit", "kilogram"], ["Exchanges"],
        ["name", "amount", "unit", "database", "location", "categories", "type"],
        ["part", 1, "kilogram", "dup", "CN", None, "production"],
        ["Carbon dioxide, fossil", amount, "kilogram", "biosphere3", None, "air", "biosphere"], [],
    ]
    for row in [["Database", "dup"], [], *block(1.0), *block(2.0)]:
        sheet.append(row)
    path = tmp_path / "dup.xlsx"
    workbook.save(path)
    report = import_bw("excel", path, tmp_path / "o", year=2024, licence="x")
    assert report.imported == 0
    assert [row for row, reason in report.skipped if "appears twice" in reason] == [3, 11]


def test_built_snapshot_agrees_with_the_hand_calculation(imported, home: Path) -> None:
    build = pytest.importorskip("lcidb.build")
    from lcidb.snapshot import load_snapshot
    from lcidb.solve import FactorizedSnapshot

    _report, out, _template = imported
    build.build_snapshot([out], name="bwfixture")
    snap = load_snapshot("bwfixture")
    scores = FactorizedSnapshot(snap)
    assert scores.scores("AR6")[snap.index[PREFIX + "widget_assembly"]] == pytest.approx(WIDGET_AR6, rel=1e-12)
    assert scores.scores("AR5")[snap.index[PREFIX + "widget_assembly"]] == pytest.approx(WIDGET_AR5, rel=1e-12)


def test_cli(tmp_path: Path, home: Path) -> None:
    result = CliRunner().invoke(app, ["db", "import", "bw", "excel", str(FIXTURE), "--out", str(tmp_path / "c"),
                                      "--year", "2023", "--licence", "test-fixture"])
    assert result.exit_code == 0, result.output
    assert "written:" in result.output and "'Sulfur dioxide'" in result.output
    bad = CliRunner().invoke(app, ["db", "import", "bw", "ilcd", str(FIXTURE), "--out", str(tmp_path / "d")])
    assert bad.exit_code == 2 and "unknown Brightway format" in bad.output


# ---------------------------------------------------------------------------------------- SimaPro CSV
# Hand calculation from tests/lcidb/fixtures/simapro/make_fixture.py:
# electricity = 0.5; PP per kg = (0.4 x 0.5 + 3.2 + 0.0002 x 273) / 2 = 3.4546 / 2 = 1.7273 (AR5: 3.453 / 2 = 1.7265)
# steam (40 % of 10 kg CO2 over 10 kg) = 0.4 kg/kg; cogeneration electricity (60 % of 10 kg over 5 kWh) = 1.2 kg/kWh
# widget = (0.2 - 0.05) x 1.7273 + 1.5 x 0.5 - 0.5 x 0.4 + 0.01 + 0.0001 x 29.8
#        = 0.259095 + 0.75 - 0.2 + 0.01 + 0.00298 = 0.822075            (AR5: 0.258975 + ... + 0.0028 = 0.821775)
SP_WIDGET_AR6 = 0.822075
SP_WIDGET_AR5 = 0.821775


@pytest.fixture
def simapro(tmp_path: Path, home: Path):
    out = tmp_path / "sp"
    report = import_bw("simapro", SIMAPRO, out, year=2024, licence="test-fixture")
    return report, out, read_template(out)


def test_simapro_processes_flows_and_allocation(simapro) -> None:
    report, _out, template = simapro
    assert report.imported == 5
    steam = SP + "steam_in_chemical_industry_cn_cogeneration"
    power = SP + "electricity_cogeneration_cn_cogeneration"
    assert {SP + "clfix0001", SP + "clfix0002", SP + "clfix0003", steam, power} == set(template.activities)
    assert template.activities[SP + "clfix0001"].geography == "CN-GD"  # from "{CN-GD}" in the name
    assert template.activities[SP + "clfix0001"].unit == "piece"  # SimaPro "p"
    assert _cradle_to_gate(template, steam, "AR6") == pytest.approx(0.4, rel=1e-12)
    assert _cradle_to_gate(template, power, "AR6") == pytest.approx(1.2, rel=1e-12)
    sigma = [e.uncertainty_sigma for e in template.exchanges if e.key == (SP + "clfix0002", "co2_fossil")]
    assert sigma == [pytest.approx(0.1, rel=1e-9)]  # ln(sqrt(1.2214027581601699))


def test_simapro_avoided_product_is_an_explicit_credit(simapro) -> None:
    _report, _out, template = simapro
    credit = [e for e in template.exchanges if e.activity_id == SP + "clfix0001" and e.amount < 0]
    assert [(e.input, e.amount, e.credit_type) for e in credit] == [
        (SP + "steam_in_chemical_industry_cn_cogeneration", -0.5, "avoided_burden")]
    pp = [e.amount for e in template.exchanges if e.key == (SP + "clfix0001", SP + "clfix0002")]
    assert pp == [pytest.approx(0.15)]  # 0.2 input netted with 0.05 avoided


def test_simapro_scores_match_the_hand_calculation(simapro) -> None:
    _report, _out, template = simapro
    assert _cradle_to_gate(template, SP + "clfix0001", "AR6") == pytest.approx(SP_WIDGET_AR6, rel=1e-12)
    assert _cradle_to_gate(template, SP + "clfix0001", "AR5") == pytest.approx(SP_WIDGET_AR5, rel=1e-12)


def test_simapro_report_uses_file_lines(simapro) -> None:
    report, _out, _template = simapro
    reasons = dict(report.skipped)
    lines = SIMAPRO.read_text(encoding="utf-8").splitlines()
    for line, reason in reasons.items():  # each reported line holds the exchange it names
        assert lines[line - 1].split(";")[0] in reason, (line, reason)
    assert any("Particulates" in r and "no GWP100 flow code" in r for r in reasons.values())
    assert any("Steel, low-alloyed" in r and "not an activity of this file" in r for r in reasons.values())
    assert any("netted" in r for r in reasons.values())
    assert len(report.skipped) == 4
