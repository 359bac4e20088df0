"""One roll-up (footprint.rollup) behind compute, summarize, totals and the columnar batch: the
batch gives exactly compute's numbers under every electricity method and scenario, and the
roll-up itself matches a hand calculation."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from footprint.batch import run_batch, totals
from footprint.bom import BOM, validate_bom
from footprint.columnar import ColumnarBatch
from footprint.engine import compute, engine_for
from footprint.errors import FootprintError
from footprint.result import FootprintResult
from footprint.rollup import Bookings, roll_up
from lcidb.snapshot import Snapshot

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.bom.json"))


def _flat_lines(tree: list[Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for node in tree:
        out[node.line_id] = node.kgco2e
        out.update(_flat_lines(node.children))
    return out


def _expected(result: FootprintResult) -> dict[str, Any]:
    return {"product_id": result.product_id, "total_kgco2e": result.total_kgco2e, "by_gas": result.by_gas,
            "by_stage": result.by_stage, "lines": _flat_lines(result.lines)}


def _boms() -> list[BOM]:
    return [validate_bom(json.loads(path.read_text(encoding="utf-8"))) for path in EXAMPLES]


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rollup") / "examples.jsonl"
    path.write_text("".join(json.dumps(json.loads(p.read_text(encoding="utf-8"))) + "\n" for p in EXAMPLES),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("electricity", ["location", "market"])
@pytest.mark.parametrize("scenario", [None, "gd-2030-targets"])
def test_batch_equals_compute(default_snapshot: Snapshot, jsonl: Path, tmp_path: Path, electricity: str,
                              scenario: str | None) -> None:
    """Every number footprint-batch writes is compute()'s, bit for bit; a BOM compute refuses
    (market-based without site consumption) is an error record with compute's error code."""
    out = tmp_path / "out.jsonl"
    outcome = run_batch(jsonl, out, default_snapshot, electricity=electricity, scenario=scenario,  # type: ignore[arg-type]
                        jobs=1)
    header, *records = (json.loads(row) for row in out.read_text(encoding="utf-8").splitlines())
    assert (header["header"]["electricity"], header["header"]["scenario"]) == (electricity, scenario)
    assert len(records) == len(EXAMPLES) == outcome.total
    for record, bom in zip(records, _boms()):
        try:
            result = compute(bom, default_snapshot, electricity=electricity, scenario=scenario,  # type: ignore[arg-type]
                             hotspots=False)
        except FootprintError as exc:
            assert record["code"] == getattr(exc, "code", type(exc).__name__), record
            continue
        record.pop("line")
        assert record == _expected(result)
    computed = sum(1 for r in records if "error" not in r)
    assert computed == outcome.total - outcome.failed and computed >= 1
    assert outcome.failed == (4 if electricity == "market" else 0)  # only the LED lamp has site data


def test_the_options_change_the_answer(default_snapshot: Snapshot, jsonl: Path, tmp_path: Path) -> None:
    """The comparison above could not pass by ignoring the options: the LED lamp's total moves with
    the electricity method (PV certificates for 400 of 1,450 MWh) and every total with the scenario."""
    found = {}
    for key in (("location", None), ("market", None), ("location", "gd-2030-targets")):
        out = tmp_path / f"{key}.jsonl"
        run_batch(jsonl, out, default_snapshot, electricity=key[0], scenario=key[1], jobs=1)  # type: ignore[arg-type]
        rows = [json.loads(row) for row in out.read_text(encoding="utf-8").splitlines()[1:]]
        found[key] = {r["line"]: r.get("total_kgco2e") for r in rows}  # market: None where it failed
    lamp = next(k for k, b in enumerate(_boms(), start=1) if b.product.electricity_instruments)
    assert found[("market", None)][lamp] != found[("location", None)][lamp]
    assert all(found[("location", "gd-2030-targets")][p] != v for p, v in found[("location", None)].items())


def _factor_lines_only(data: dict[str, Any]) -> dict[str, Any]:
    """An example without what the columnar path hands over (supplier footprints, transport legs,
    electricity instruments): its factor lines and the assemblies still holding some."""
    lines = [line for line in data["lines"] if "supplier_pcf" not in line and "transport" not in line]
    while True:
        parents = {line.get("parent_id") for line in lines}
        kept = [line for line in lines if line.get("factor_id") or line["line_id"] in parents]
        if len(kept) == len(lines):
            break
        lines = kept
    data["product"].pop("electricity_instruments", None)
    return {**data, "lines": lines}


@pytest.mark.parametrize("scenario", [None, "gd-2030-trend"])
def test_columnar_and_totals_follow_the_scenario(default_snapshot: Snapshot, scenario: str | None) -> None:
    plain = [_factor_lines_only(json.loads(p.read_text(encoding="utf-8"))) for p in EXAMPLES]
    boms = [validate_bom(data) for data in plain]
    raws = [json.dumps(data, ensure_ascii=False).encode() for data in plain]  # no escapes: those hand over
    fast = ColumnarBatch(engine_for(default_snapshot, scenario), "AR6").run(raws, list(range(1, len(raws) + 1)))
    assert fast.delegated == []  # all computed by the columnar path
    assert any(line.get("parent_id") for data in plain for line in data["lines"])  # nested ones too
    expected = [compute(b, default_snapshot, scenario=scenario, hotspots=False) for b in boms]
    for record, result in zip(fast.records, expected):
        if record is not None:
            record.pop("line")
            assert record == _expected(result)
    assert totals(boms, default_snapshot, scenario=scenario).tolist() == [r.total_kgco2e for r in expected]


def test_roll_up_by_hand() -> None:
    """Two BOMs on two activities with scores y = (2, 10) and gases (co2, ch4) = (1.5, 0.5) and
    (10, 0) per unit.
    BOM 0: assembly A (line 0) holding 3 x activity 0 (line 1) and 0.5 x activity 1 (line 2);
           line 3: a supplier footprint of 4 kg CO2e.  Lines 1, 2 raw_materials; line 3 transport.
    BOM 1: line 4, activity 1, 2 units, a credit under cut-off (not counted).
    BOM 0: line 1 = 3 x 2 = 6, line 2 = 0.5 x 10 = 5, A = 11, total = 11 + 4 = 15,
           co2 = 3 x 1.5 + 0.5 x 10 = 9.5, ch4 = 3 x 0.5 = 1.5, supplier 4,
           raw_materials 11, transport 4.  BOM 1: all zero, its stage still seen."""
    vectors = SimpleNamespace(scores=np.array([2.0, 10.0]), characterised=np.array([[1.5, 0.5], [10.0, 0.0]]))
    b = Bookings(
        starts=np.array([0, 4, 5]), parent=np.array([-1, 0, 0, -1, -1]), depth=np.array([1, 2, 2, 1, 1]),
        stage=np.array([0, 0, 0, 2, 4]), term_line=np.array([1, 2, 3, 4]), term_column=np.array([0, 1, -1, 1]),
        term_amount=np.array([3.0, 0.5, 4.0, 2.0]), term_counted=np.array([True, True, True, False]))
    r = roll_up(b, vectors)  # type: ignore[arg-type]
    assert r.line_kg.tolist() == [0.0, 6.0, 5.0, 4.0, 0.0]
    assert r.subtree.tolist() == [11.0, 6.0, 5.0, 4.0, 0.0]
    assert r.total.tolist() == [15.0, 0.0]
    assert r.gas.tolist() == [[9.5, 1.5], [0.0, 0.0]]
    assert r.supplier.tolist() == [4.0, 0.0]
    assert r.stage_kg[0, [0, 2]].tolist() == [11.0, 4.0] and r.stage_seen[1].tolist() == [
        False, False, False, False, True, False, False]


def test_totals_of_supplier_transport_and_market_boms(default_snapshot: Snapshot) -> None:
    """totals() books supplier footprints and transport legs with compile_bom's arithmetic (same
    bits as compute); market-based goes through compile_bom itself; a line that does not link raises."""
    from footprint.errors import UnlinkedLines

    boms = _boms()
    for scenario in (None, "gd-2030-high-import"):
        expected = [compute(b, default_snapshot, scenario=scenario, hotspots=False).total_kgco2e for b in boms]
        assert totals(boms, default_snapshot, scenario=scenario).tolist() == expected
    lamp = [b for b in boms if b.product.electricity_instruments]
    market = compute(lamp[0], default_snapshot, electricity="market", hotspots=False).total_kgco2e
    assert totals(lamp, default_snapshot, electricity="market").tolist() == [market]
    data = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    next(line for line in data["lines"] if line.get("factor_id"))["factor_id"] = "no-such-activity"
    with pytest.raises(UnlinkedLines):
        totals([validate_bom(data)], default_snapshot)
