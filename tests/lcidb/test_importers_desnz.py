"""DESNZ flat file -> template folder: gas parts become masses that reproduce the file's totals."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from api.cli import app
from lcidb.errors import ImportReportError
from lcidb.flows import flow_codes, method_vector
from lcidb.importers.desnz import import_desnz
from lcidb.template import read_template
from tests.conftest import SHARED_DATA

DESNZ = SHARED_DATA / "factors" / "desnz-ghg-conversion-factors-2023-flat-file-v1.1.xlsx"
pytestmark = pytest.mark.skipif(not DESNZ.is_file(), reason="shared DESNZ file not present")


def _file_rows() -> dict[str, tuple[int, str, str, float | None]]:
    """ID -> (Excel row, Level 1, GHG/Unit, value), read independently of the importer."""
    ws = openpyxl.load_workbook(DESNZ, read_only=True, data_only=True)["Factors by Category"]
    out = {}
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > 6 and row[0]:
            out[str(row[0])] = (number, row[2], row[8], row[9])
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("desnz")
    report = import_desnz(DESNZ, out)
    return report, out, read_template(out), _file_rows()


def _cf(method: str) -> dict[str, float]:
    return dict(zip(flow_codes(), method_vector(method)))


def _score(template, activity_id: str, method: str) -> float:
    cf = _cf(method)
    return sum(e.amount * cf[e.input] for e in template.exchanges if e.activity_id == activity_id and e.kind == "biosphere")


def _fuel_families(template, rows) -> list[str]:
    fuels = []
    for activity_id in template.activities:
        family = activity_id.removeprefix("desnz_2023_")
        if rows.get(family + "_1", (0, ""))[1] == "Fuels":
            fuels.append(family)
    return fuels


def test_output_is_a_valid_template_with_verified_ogl_rows(imported) -> None:
    report, _out, template, _rows = imported
    assert report.imported == len(template.activities) > 1000
    assert report.exchanges == len(template.exchanges)
    for activity in template.activities.values():
        assert activity.licence == "OGL-3.0" and activity.status == "verified" and activity.year == 2023
        assert "ID " in activity.source and activity.geography == "GB"


def test_every_fuel_row_reproduces_the_file_total_under_ar5(imported) -> None:
    _report, _out, template, rows = imported
    fuels = _fuel_families(template, rows)
    assert len(fuels) >= 100  # 28 fuels x up to 4 units, minus empty cells
    for family in fuels:
        total = rows[family + "_1"][3]
        # CO2 + 28 CH4 + 265 N2O (masses) == file total (kg CO2e, AR5), relative 1e-6
        assert _score(template, f"desnz_2023_{family}", "AR5") == pytest.approx(total, rel=1e-6, abs=1e-12), family


def test_fuel_rows_under_ar6_rescale_each_gas_part(imported) -> None:
    _report, _out, template, rows = imported
    for family in _fuel_families(template, rows):
        co2, ch4e, n2oe = (rows[f"{family}_{i}"][3] for i in (2, 3, 4))
        expected = co2 + ch4e / 28 * 29.8 + n2oe / 265 * 273
        assert _score(template, f"desnz_2023_{family}", "AR6") == pytest.approx(expected, rel=1e-9, abs=1e-12), family


def test_diesel_litre_by_hand(imported) -> None:
    # DESNZ 2023 diesel (100 % mineral), litre: CO2 2.626, CH4 0.000291, N2O 0.033081 kg CO2e (factors.md §2.3)
    _report, _out, template, _rows = imported
    gases = {e.input: e.amount for e in template.exchanges if e.activity_id == "desnz_2023_1_101_1012_8"}
    # (the file holds the parts unrounded, e.g. CH4 0.0002912; factors.md prints 6 decimals, hence the
    # loose tolerances on the two small parts)
    assert gases["co2_fossil"] == pytest.approx(2.626, rel=1e-9)
    assert gases["ch4_fossil"] == pytest.approx(0.000291 / 28, rel=1e-3)
    assert gases["n2o"] == pytest.approx(0.033081 / 265, rel=1e-4)
    # AR6: 2.626 + 0.000291/28*29.8 + 0.033081/265*273 = 2.626 + 0.000309707 + 0.034079672 = 2.660389379
    assert _score(template, "desnz_2023_1_101_1012_8", "AR6") == pytest.approx(2.660389379, rel=1e-6)


def test_total_only_rows_are_unsplit_ar5(imported) -> None:
    _report, _out, template, _rows = imported
    # Material use, plastics PP primary: 3090.817901 kg CO2e per tonne (factors.md §3.1)
    (exchange,) = [e for e in template.exchanges if e.activity_id == "desnz_2023_19_505_5144_15"]
    assert (exchange.input, exchange.gwp_basis) == ("co2e_unsplit", "AR5")
    assert exchange.amount == pytest.approx(3090.817901, rel=1e-9)
    assert template.activities["desnz_2023_19_505_5144_15"].unit == "t"


def test_with_rf_flight_is_not_split(imported) -> None:
    _report, _out, template, _rows = imported
    (exchange,) = [e for e in template.exchanges if e.activity_id == "desnz_2023_27_317_3158_14"]
    assert exchange.input == "co2e_unsplit" and exchange.amount == pytest.approx(1.099032, rel=1e-6)


def test_report_lists_every_row_not_imported_with_a_reason(imported) -> None:
    report, _out, template, rows = imported
    skipped_rows = {row for row, _ in report.skipped}
    used_rows = set()
    for activity_id in template.activities:
        family = activity_id.removeprefix("desnz_2023_")
        used_rows.update(rows[i][0] for i in rows if i.rsplit("_", 1)[0] == family)
    # each data row is either used or reported (the unsplit "with RF" parts are reported, and used only via the total)
    all_rows = {v[0] for v in rows.values()}
    assert all_rows - used_rows <= skipped_rows
    reasons = dict(report.skipped)
    by_id = {k: v[0] for k, v in rows.items()}
    assert "no value" in reasons[by_id["1_101_1021_8_1"]]  # refinery miscellaneous, litres: empty cell
    assert "'miles'" in reasons[by_id["28_907_3140_9_1"]]
    assert "energy conversion" in reasons[by_id["6_304_3140_14_5"]]
    assert "outside of scopes" in reasons[by_id["99_400_4001_5_2"]]
    assert "radiative-forcing" in reasons[by_id["27_317_3158_14_2"]]
    lines = report.report_lines()
    assert lines[2] == f"not imported: {len(report.skipped)} row(s)" and len(lines) == 3 + len(report.skipped)


def test_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.xlsx"
    bogus.write_text("not excel")
    with pytest.raises(ImportReportError, match="x.xlsx"):
        import_desnz(bogus, tmp_path / "out")
    assert not (tmp_path / "out" / "activities.csv").exists()


def test_built_snapshot_gives_the_same_scores(imported, tmp_path: Path, home: Path) -> None:
    build = pytest.importorskip("lcidb.build")
    from lcidb.snapshot import load_snapshot
    from lcidb.solve import FactorizedSnapshot

    _report, out, template, rows = imported
    keep = set(f"desnz_2023_{f}" for f in _fuel_families(template, rows)[:40])
    subset = tmp_path / "fuels"
    subset.mkdir()
    for name in ("activities.csv", "exchanges.csv"):
        with (out / name).open(encoding="utf-8") as src, (subset / name).open("w", encoding="utf-8", newline="") as dst:
            reader = csv.DictReader(src)
            writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
            writer.writeheader()
            writer.writerows(r for r in reader if r["activity_id"] in keep)
    build.build_snapshot([subset], name="desnzfuels")
    snap = load_snapshot("desnzfuels")
    solved = FactorizedSnapshot(snap)
    for activity_id in keep:
        family = activity_id.removeprefix("desnz_2023_")
        co2, ch4e, n2oe = (rows[f"{family}_{i}"][3] for i in (2, 3, 4))
        assert solved.scores("AR5")[snap.index[activity_id]] == pytest.approx(rows[family + "_1"][3], rel=1e-6)
        assert solved.scores("AR6")[snap.index[activity_id]] == pytest.approx(
            co2 + ch4e / 28 * 29.8 + n2oe / 265 * 273, rel=1e-9)


def test_cli_writes_the_folder_and_prints_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["db", "import", "desnz", str(DESNZ), "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "not imported:" in result.output and "row 347: ID 1_101_1021_8_1" in result.output
    assert (tmp_path / "d" / "activities.csv").is_file()


def test_cli_bad_file_exits_2_with_the_file_named(tmp_path: Path) -> None:
    bogus = tmp_path / "not-desnz.xlsx"
    bogus.write_text("plain text")
    result = CliRunner().invoke(app, ["db", "import", "desnz", str(bogus), "--out", str(tmp_path / "d")])
    assert result.exit_code == 2 and "not-desnz.xlsx" in result.output
