"""The corpus of invalid BOMs of issue 9 (fixtures/invalid_boms.jsonl, written by make_invalid_boms.py):
every BOM reader must report the same code, line and field for each. A fast batch reader (issue 12)
adds itself to READERS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from footprint.bom import validate_bom_json
from footprint.errors import BOMError

CORPUS = Path(__file__).parent / "fixtures" / "invalid_boms.jsonl"
CASES = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _batch_reader(text: str) -> Any:
    """`footprint-batch` on one JSONL line: the columnar fast path (footprint.columnar) must hand
    the BOM over, and the batch's error record must carry the ordinary code, line and field."""
    from footprint.batch import batch_chunk
    from footprint.columnar import ColumnarBatch
    from footprint.engine import engine_for
    from lcidb.snapshot import Snapshot

    snapshot: Snapshot = _BATCH_SNAPSHOT[0]
    raw = text.encode("utf-8")
    fast = ColumnarBatch(engine_for(snapshot), "AR6").run([raw], [1])
    assert fast.records == [None] and fast.delegated == [0], "the fast path computed an invalid BOM"
    encoded, failed = batch_chunk([raw], [1], str(snapshot.path), snapshot.hash, "AR6", False, "corpus.jsonl")
    record = json.loads(encoded)
    assert failed == 1 and "error" in record, record
    raise BOMError("corpus.jsonl", record["bom_line"], record["field"], None, record["error"], code=record["code"])


_BATCH_SNAPSHOT: list[Any] = []
READERS: dict[str, Callable[[str], Any]] = {"validate_bom_json": validate_bom_json,
                                            "footprint-batch (columnar)": _batch_reader}


def test_the_corpus_is_what_the_script_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_invalid_boms", CORPUS.with_name("make_invalid_boms.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path / "corpus.jsonl"
    module.main()
    assert module.OUT.read_text(encoding="utf-8") == CORPUS.read_text(encoding="utf-8")


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_every_reader_gives_the_same_code_line_and_field(reader: str, case: dict[str, Any],
                                                        request: pytest.FixtureRequest) -> None:
    if reader.startswith("footprint-batch") and not _BATCH_SNAPSHOT:
        _BATCH_SNAPSHOT.append(request.getfixturevalue("mini_snapshot"))
    with pytest.raises(BOMError) as info:
        READERS[reader](case["text"])
    err = info.value
    assert (err.code, err.line, err.field) == (case["code"], case["line"], case["field"]), str(err)
