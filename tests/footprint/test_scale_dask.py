"""Scale-out on Dask: the same bytes and the same Monte Carlo numbers with 2 workers on a
LocalCluster (127.0.0.1, dashboard off), or 2 forked processes, as in one process.

Work is cut into fixed units (chunks of JSONL lines, blocks of 64 draws seeded by
SeedSequence(seed, spawn_key=(block,))) and gathered in order, so the number of workers cannot
change a result; here the batch is cut into chunks of 4 lines so that both workers get some."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from footprint.batch import run_batch
from footprint.engine import compute
from footprint.montecarlo import DRAW_BLOCK, SAMPLING_SCHEME

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def cluster_address():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        yield cluster.scheduler_address


def test_batch_on_two_workers_gives_the_same_bytes(cluster_address: str, mini_snapshot, tmp_path: Path) -> None:
    valid = (FIXTURES / "valid_boms.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = {case["case"]: case["text"] for case in map(json.loads, (FIXTURES / "invalid_boms.jsonl").open())}
    invalid = [corpus[name] for name in ("cycle", "quantity NaN", "unknown unit", "not JSON", "duplicate line_id",
                                         "missing product")]
    source = tmp_path / "boms.jsonl"
    source.write_text("\n".join(valid + invalid + valid) + "\n", encoding="utf-8")
    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    alone = run_batch(source, here, mini_snapshot, jobs=1)
    spread = run_batch(source, there, mini_snapshot, scheduler=cluster_address, chunk_lines=4)
    assert (alone.total, alone.failed) == (spread.total, spread.failed) == (16, 6)
    assert there.read_bytes() == here.read_bytes()
    forked = tmp_path / "forked.jsonl"  # no scheduler: chunks on two forked processes of this machine
    run_batch(source, forked, mini_snapshot, jobs=2, chunk_lines=3)
    assert forked.read_bytes() == here.read_bytes()
    rows = [json.loads(line) for line in here.read_text().splitlines()[1:]]
    assert [row["line"] for row in rows] == list(range(1, 17))


def test_cli_batch_accepts_a_scheduler_address(cluster_address: str, mini_snapshot_and_home, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONLABEL_HOME", str(mini_snapshot_and_home[1]))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["footprint-batch", str(FIXTURES / "valid_boms.jsonl"), "--out", str(out),
                                      "--snapshot", "mini", "--scheduler", cluster_address, "--quiet"])
    assert result.exit_code == 0, result.output
    assert "5 of 5 BOMs computed" in result.output


def test_monte_carlo_on_two_workers_gives_the_same_numbers(cluster_address: str, mini_snapshot, mini_bom) -> None:
    iterations = 2 * DRAW_BLOCK + 22  # three blocks, the last one short
    alone = compute(mini_bom, mini_snapshot, monte_carlo=iterations, seed=3, hotspots=False).uncertainty
    spread = compute(mini_bom, mini_snapshot, monte_carlo=iterations, seed=3, hotspots=False,
                     scheduler=cluster_address).uncertainty
    assert alone is not None and spread is not None
    assert spread.model_dump() == alone.model_dump()
    assert alone.sampling_scheme == SAMPLING_SCHEME and alone.iterations == iterations


def test_unreachable_scheduler_is_a_clear_error(mini_snapshot_and_home, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONLABEL_HOME", str(mini_snapshot_and_home[1]))
    result = CliRunner().invoke(app, ["footprint-batch", str(FIXTURES / "valid_boms.jsonl"), "--out",
                                      str(tmp_path / "o.jsonl"), "--snapshot", "mini",
                                      "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.output and not (tmp_path / "o.jsonl").exists()
