"""openLCA JSON-LD and EcoSpold2 importers on the hand-made fixtures of fixtures/make_interop.py
(which documents every dataset); the template they write is built and scored by hand."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from lcidb.build import build_snapshot
from lcidb.errors import ImportReportError
from lcidb.importers.bw import import_bw
from lcidb.snapshot import load_snapshot
from lcidb.solve import factorized

FIXTURES = Path(__file__).parent / "fixtures"
BILLET = 1.9 + 0.002 * 29.8  # CO2 + CH4 fossil (AR6 29.8) = 1.9596
WIRE = 1.05 * BILLET + 0.4 * 0.5 + 0.02  # = 2.27758
CLINKER = 0.52 + 1e-5 * 273 + 0.1 * 0.5  # = 0.57273


def _score(activity_id: str, cutoff: bool = True) -> float:
    snapshot = load_snapshot("imported")
    return float(factorized(snapshot, None, cutoff).scores("AR6")[snapshot.index[activity_id]])


def test_jsonld_import_reports_what_is_left_out_and_scores_by_hand(home: Path, tmp_path: Path) -> None:
    report = import_bw("jsonld", FIXTURES / "olca_jsonld", tmp_path / "t", licence="test")
    assert (report.imported, report.exchanges) == (4, 8)
    reasons = dict(report.skipped)
    assert "'an input nobody makes'" in reasons[3] and "not an activity of this file" in reasons[3]
    assert "2 production exchanges" in reasons[5]
    assert "'Particulates, < 2.5 um'" in reasons[6] and "not a greenhouse gas" in reasons[6]
    build_snapshot([tmp_path / "t"], name="imported")
    assert _score("olca_jsonld_p_wire") == pytest.approx(WIRE, rel=1e-12)
    # the avoided product is a credit: out of the cut-off score, in the netted one
    assert _score("olca_jsonld_p_scrap") == pytest.approx(0.1 * 0.5, rel=1e-12)
    assert _score("olca_jsonld_p_scrap", cutoff=False) == pytest.approx(0.05 - 0.9 * BILLET, rel=1e-12)
    snapshot = load_snapshot("imported")
    sigma = {(snapshot.activities[c].id, snapshot.activities[r].id): (s, g) for r, c, s, g in zip(
        snapshot.tech.rows, snapshot.tech.cols, snapshot.tech.sigmas, snapshot.tech.sigma_given)}
    assert sigma[("olca_jsonld_p_wire", "olca_jsonld_p_billet")] == (pytest.approx(math.log(1.2)), True)
    activity = snapshot.activity("olca_jsonld_p_wire")
    assert (activity.year, activity.geography) == (2024, "CN-GD") and "processes/p-wire.json" in activity.source


def test_jsonld_zip_reads_the_same(home: Path, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", FIXTURES / "olca_jsonld")
    report = import_bw("jsonld", archive, tmp_path / "t", licence="test")
    assert (report.imported, report.exchanges, len(report.skipped)) == (4, 8, 3)


def test_ecospold2_import_reports_what_is_left_out_and_scores_by_hand(home: Path, tmp_path: Path) -> None:
    report = import_bw("ecospold2", FIXTURES / "ecospold2", tmp_path / "t", licence="test")
    assert (report.imported, report.exchanges) == (2, 4)
    reasons = dict(report.skipped)
    assert "'Water'" in reasons[1] and "not a greenhouse gas" in reasons[1]
    assert "'gypsum'" in reasons[3] and "a-not-in-this-folder" in reasons[3]
    build_snapshot([tmp_path / "t"], name="imported")
    assert _score("ecospold2_a_clinker") == pytest.approx(CLINKER, rel=1e-12)
    snapshot = load_snapshot("imported")
    bio = {(snapshot.flows[r], snapshot.activities[c].id): s for r, c, s in zip(
        snapshot.bio.rows, snapshot.bio.cols, snapshot.bio.sigmas)}
    assert bio[("co2_fossil", "ecospold2_a_clinker")] == pytest.approx(0.2)  # sqrt(variance 0.04)
    assert snapshot.activity("ecospold2_a_clinker").year == 2023


def test_cli_imports_and_refuses_what_is_not_the_format(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["db", "import", "ecospold2", str(FIXTURES / "ecospold2"), "--out", str(tmp_path / "e"),
                                "--licence", "test"])
    assert shown.exit_code == 0, shown.output
    assert "not imported: 2 row(s)" in shown.output
    shown = runner.invoke(app, ["db", "import", "jsonld", str(FIXTURES / "ecospold2"), "--out", str(tmp_path / "j")])
    assert shown.exit_code == 2 and "no processes/ folder" in shown.output
    with pytest.raises(ImportReportError, match="not EcoSpold2|No .spold"):
        import_bw("ecospold2", FIXTURES / "olca_jsonld" / "olca-schema.json", tmp_path / "x")
