"""The columnar batch path agrees with the ordinary one: the same error records for the batch-only
invalid BOMs (fixtures/invalid_boms, made by make_corpus.py: bytes that are not UTF-8, lines that do
not link), the same bytes for valid BOMs. The shared corpus of invalid BOMs (fixtures/invalid_boms.jsonl)
is run through the batch as one of the READERS of test_invalid_bom_corpus.py (same code, line, field).

Agreement is by construction (the fast path only accepts; anything it doubts goes whole to
validate_bom_json + summarize), so what these tests check is that the fast path *hands over*
every invalid case instead of computing it -- including the ones the ordinary model may still
accept, so that a stricter ordinary model is followed by the batch without a change here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprint.batch import ordinary_record, run_batch
from footprint.columnar import ColumnarBatch
from footprint.engine import engine_for
from lcidb.snapshot import Snapshot

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = sorted((FIXTURES / "invalid_boms").glob("*.jsonl"))
VALID = FIXTURES / "valid_boms.jsonl"


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[1:]]


@pytest.mark.parametrize("case", CORPUS, ids=[p.stem for p in CORPUS])
def test_invalid_bom_is_handed_to_the_ordinary_path(case: Path, mini_snapshot: Snapshot, tmp_path: Path) -> None:
    raw = case.read_bytes().rstrip(b"\n")
    engine = engine_for(mini_snapshot)
    fast = ColumnarBatch(engine, "AR6").run([raw], [1])
    assert fast.records == [None] and fast.delegated == [0]
    out = tmp_path / "out.jsonl"
    run_batch(case, out, mini_snapshot)
    (written,) = _records(out)
    expected = json.loads(json.dumps(ordinary_record(raw, 1, engine, "AR6", False, case.name)))
    assert written == expected


def test_valid_boms_give_the_ordinary_bytes(mini_snapshot: Snapshot, tmp_path: Path) -> None:
    """Bit for bit, after the JSON round trip: the roll-up keeps the ordinary summation order."""
    engine = engine_for(mini_snapshot)
    raws = VALID.read_bytes().splitlines()
    fast = ColumnarBatch(engine, "AR6").run(raws, list(range(1, len(raws) + 1)))
    # simple, non-ASCII and nested BOMs are computed columnar; transport and supplier lines hand over
    assert fast.delegated == [3, 4]
    out = tmp_path / "out.jsonl"
    outcome = run_batch(VALID, out, mini_snapshot)
    assert (outcome.total, outcome.failed) == (5, 0)
    expected = [json.loads(json.dumps(ordinary_record(raw, k, engine, "AR6", False, VALID.name)))
                for k, raw in enumerate(raws, start=1)]
    assert _records(out) == expected


def test_hand_computed_nested_bom(mini_snapshot: Snapshot) -> None:
    """Frame (2 pieces) of 0.3 kg steel each, a 0.05 kg steel credit, 0.5 kg wood. Under cut-off
    (the batch's default, as footprint.engine) the credit line books nothing:
    total = 2 x 0.3 x y_steel + 0.5 x y_wood, with y the snapshot's cradle-to-gate vector (cut-off
    system); netted (engine_for(..., cutoff=False)) it is (2 x 0.3 - 0.05) x y_steel + 0.5 x y_wood."""
    raw = VALID.read_bytes().splitlines()[2]
    for cutoff, credit_kg in ((True, 0.0), (False, -0.05)):
        engine = engine_for(mini_snapshot, None, cutoff)
        y = engine.vectors("AR6").scores
        steel, wood = y[mini_snapshot.index["steel"]], y[mini_snapshot.index["wood"]]
        (record,) = ColumnarBatch(engine, "AR6").run([raw], [1]).records
        assert record is not None
        assert record["total_kgco2e"] == pytest.approx((2 * 0.3 + credit_kg) * steel + 0.5 * wood, rel=1e-12)
        assert record["lines"]["f"] == pytest.approx(0.6 * steel, rel=1e-12)
        assert record["lines"]["r"] == pytest.approx(credit_kg * steel, rel=1e-12, abs=0.0)
    assert record["by_stage"] == {"raw_materials": pytest.approx(record["total_kgco2e"], rel=1e-12)}


@pytest.mark.parametrize("chunk_lines", [1, 2, 3, 100])
def test_byte_ranges_keep_file_line_numbers(mini_snapshot: Snapshot, tmp_path: Path, chunk_lines: int) -> None:
    """Forked workers read their own byte ranges (footprint.batch.range_chunk): blank lines, CRLF
    endings and a last line without a newline keep their file line numbers, whatever the chunking."""
    raws = VALID.read_bytes().splitlines()
    text = b"\n" + raws[0] + b"\r\n \n" + raws[1] + b"\n\n" + raws[2] + b"\r\n" + b"{not json\n" + raws[0]
    source = tmp_path / "in.jsonl"
    source.write_bytes(text)
    out = tmp_path / "out.jsonl"
    outcome = run_batch(source, out, mini_snapshot, jobs=2, chunk_lines=chunk_lines)
    records = _records(out)
    assert [r["line"] for r in records] == [2, 4, 6, 7, 8]
    assert (outcome.total, outcome.failed) == (5, 1) and "error" in records[3]
    engine = engine_for(mini_snapshot)
    for record, raw, number in zip(records[:3] + records[4:], raws[:3] + raws[:1], [2, 4, 6, 8]):
        assert record == json.loads(json.dumps(ordinary_record(raw, number, engine, "AR6", False, source.name)))


def test_duplicate_keys_in_a_chunk_of_valid_boms(mini_snapshot: Snapshot) -> None:
    """The duplicate-key check compares the chunk's `":` pairs with the keys the structs received,
    in total first, then BOM by BOM: only the BOMs with a duplicate are handed over, and BOMs with
    the optional line keys (credit, uncertainty, CBAM role, DQR) count right, so are computed."""
    from tests.footprint.fixtures.make_invalid_boms import WOOD, raw_bom, raw_line

    engine = engine_for(mini_snapshot)
    optional = raw_bom(raw_line(extra=', "factor_id": "steel", "uncertainty_sigma": 0.1, "cbam_role": "process", '
                                      '"dqr": {"technological": 2, "temporal": 1, "geographical": 3}, "parent_id": null'),
                       raw_line("r", quantity="-0.05", extra=', "factor_id": "steel", "credit": true, "dqr": null'), WOOD)
    duplicate_line = raw_bom(raw_line().replace('"quantity": 0.3', '"quantity": 0.3, "quantity": 700'), WOOD)
    duplicate_dqr = optional.replace('"temporal": 1', '"temporal": 1, "temporal": 5')
    raws = [r.encode() for r in (optional, duplicate_line, optional, duplicate_dqr, optional)]
    done = ColumnarBatch(engine, "AR6").run(raws, [1, 2, 3, 4, 5])
    assert done.delegated == [1, 3]
    assert ColumnarBatch(engine, "AR6").run([raws[0]], [1]).delegated == []  # totals agree at once
    expected = json.loads(json.dumps(ordinary_record(raws[0], 1, engine, "AR6", False, "x")))
    assert json.loads(json.dumps(done.records[0])) == expected
    assert [json.loads(json.dumps(done.records[k]))["total_kgco2e"] for k in (2, 4)] == [expected["total_kgco2e"]] * 2
    # the ordinary path names the duplicates
    for k, field in ((1, "quantity"), (3, "dqr.temporal")):
        record = ordinary_record(raws[k], k + 1, engine, "AR6", False, "x")
        assert (record["code"], record["field"]) == ("bom.duplicate_key", field)


def test_passes_give_the_same_bytes_as_one(mini_snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """batch_chunk runs the columnar path PASS_LINES lines at a time: passes of 2 lines (mixing
    computed, handed-over and failing BOMs) give the bytes and the failure count of one pass."""
    import footprint.batch as batch

    raws = VALID.read_bytes().splitlines() + [b"{not json"] + VALID.read_bytes().splitlines()[:2]
    numbers = list(range(1, len(raws) + 1))
    args = (str(mini_snapshot.path), mini_snapshot.hash, "AR6", False, "x.jsonl")
    monkeypatch.setattr(batch, "PASS_LINES", 100)
    whole = batch.batch_chunk(raws, numbers, *args)
    monkeypatch.setattr(batch, "PASS_LINES", 2)
    assert batch.batch_chunk(raws, numbers, *args) == whole
    assert whole[1] == 1 and whole[0].count(b"\n") == len(raws)
