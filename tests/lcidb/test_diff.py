"""`db diff` and the footprint moves behind `db impact`, on two small snapshots written here.

OLD: a emits 1.0 kg CO2; b consumes 2 kg a and emits 0.5 (b = 2.5); c emits 3.0; e emits 1.0.
NEW: a emits 1.1 (a +10 %); b unchanged itself, so b = 2 x 1.1 + 0.5 = 2.7 (+8 %); c removed;
     d added (0.2); e re-sourced with the same number (a provenance change only).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from footprint.impact import StoredFootprint, footprint_moves
from lcidb.build import build_snapshot
from lcidb.diff import diff_snapshots
from lcidb.snapshot import Snapshot, load_snapshot
from tests.footprint.helpers import bom_dict, factor_line

HEADER = "activity_id,name,unit,geography,year,category,source,licence,status\n"
EXCHANGE_HEADER = "activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type\n"
OLD_ACTIVITIES = HEADER + """a,a,kg,CN,2024,material,s1,test,verified
b,b,kg,CN,2024,material,s1,test,verified
c,c,kg,CN,2024,material,s1,test,verified
e,e,kg,CN,2024,material,old source,test,verified
"""
OLD_EXCHANGES = EXCHANGE_HEADER + """a,co2_fossil,1.0,kg,biosphere,,,
b,a,2,kg,technosphere,,,
b,co2_fossil,0.5,kg,biosphere,,,
c,co2_fossil,3.0,kg,biosphere,,,
e,co2_fossil,1.0,kg,biosphere,,,
"""
NEW_ACTIVITIES = HEADER + """a,a,kg,CN,2025,material,s2,test,verified
b,b,kg,CN,2024,material,s1,test,verified
d,d,kg,CN,2025,material,s2,test,verified
e,e,kg,CN,2024,material,new source,test,verified
"""
NEW_EXCHANGES = EXCHANGE_HEADER + """a,co2_fossil,1.1,kg,biosphere,,,
b,a,2,kg,technosphere,,,
b,co2_fossil,0.5,kg,biosphere,,,
d,co2_fossil,0.2,kg,biosphere,,,
e,co2_fossil,1.0,kg,biosphere,,,
"""


def write(folder: Path, activities: str, exchanges: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "activities.csv").write_text(activities, encoding="utf-8")
    (folder / "exchanges.csv").write_text(exchanges, encoding="utf-8")
    return folder


def build_pair(root: Path) -> tuple[Snapshot, Snapshot]:
    build_snapshot([write(root / "old", OLD_ACTIVITIES, OLD_EXCHANGES)], name="factors")
    old = load_snapshot("factors")
    build_snapshot([write(root / "new", NEW_ACTIVITIES, NEW_EXCHANGES)], name="factors")
    return old, load_snapshot("factors")


def bom(factor: str, quantity: float = 1.0) -> dict:
    return bom_dict([factor_line("l", factor, quantity)], f"p-{factor}")


def test_diff_lists_changed_added_and_removed_with_sizes(home: Path, tmp_path: Path) -> None:
    old, new = build_pair(tmp_path)
    result = diff_snapshots(old, new)
    assert result.counts() == {"added": 1, "removed": 1, "changed": 3}
    by_id = {c.activity_id: c for c in result.changes}
    a, b, e = by_id["a"], by_id["b"], by_id["e"]
    assert (a.old_kgco2e, a.new_kgco2e) == pytest.approx((1.0, 1.1)) and a.relative_change == pytest.approx(0.1)
    assert a.own_exchanges_changed and a.fields_changed == {"year": [2024, 2025], "source": ["s1", "s2"]}
    assert b.relative_change == pytest.approx(0.2 / 2.5) and not b.own_exchanges_changed and not b.fields_changed
    assert e.delta_kgco2e == 0.0 and e.fields_changed == {"source": ["old source", "new source"]}
    assert (by_id["c"].change, by_id["c"].old_kgco2e) == ("removed", pytest.approx(3.0))
    assert (by_id["d"].change, by_id["d"].new_kgco2e) == ("added", pytest.approx(0.2))
    assert [c.activity_id for c in result.changes] == ["a", "b", "e", "c", "d"]  # largest moves first


def test_db_diff_command(home: Path, tmp_path: Path) -> None:
    old, new = build_pair(tmp_path)
    runner = CliRunner()
    shown = runner.invoke(app, ["db", "diff", old.ref, new.ref])
    assert shown.exit_code == 0, shown.output
    assert "3 changed, 1 added, 1 removed" in shown.output
    assert "1 -> 1.1 kg CO2e/kg (+10.00%)" in shown.output
    as_json = json.loads(runner.invoke(app, ["db", "diff", old.ref, new.ref, "--json"]).output)
    assert as_json["counts"]["changed"] == 3
    missing = runner.invoke(app, ["db", "diff", old.ref, "nothing"])
    assert missing.exit_code == 2 and "no snapshot named 'nothing'" in missing.output


def test_footprint_moves_flag_what_moves_beyond_the_threshold(home: Path, tmp_path: Path) -> None:
    """b: 2.5 -> 2.7 (+8 %) exceeds 5 %; e: unchanged; c: removed, cannot be recomputed; no BOM."""
    old, new = build_pair(tmp_path)
    items = [StoredFootprint("CERT-B", bom("b"), 2.5), StoredFootprint("CERT-E", bom("e"), 1.0),
             StoredFootprint("CERT-C", bom("c"), 3.0), StoredFootprint("CERT-X", None, 9.0)]
    moves = {m.key: m for m in footprint_moves(items, old, new, threshold=0.05)}
    assert moves["CERT-B"].exceeds and moves["CERT-B"].relative_change == pytest.approx(0.08)
    assert moves["CERT-B"].old_kgco2e == pytest.approx(2.5) and moves["CERT-B"].new_kgco2e == pytest.approx(2.7)
    assert not moves["CERT-E"].exceeds and moves["CERT-E"].delta_kgco2e == 0.0
    assert moves["CERT-C"].exceeds and "c" in moves["CERT-C"].error and moves["CERT-C"].new_kgco2e is None
    assert moves["CERT-X"].exceeds and "no stored BOM" in moves["CERT-X"].error
    assert not {m.key: m for m in footprint_moves(items, old, new, threshold=0.1)}["CERT-B"].exceeds
