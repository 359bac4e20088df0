"""Snapshots built once per test session (each in its own CARBONLABEL_HOME)."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.bom import BOM, validate_bom
from lcidb.build import build_snapshot
from lcidb.snapshot import Snapshot, load_snapshot

FIXTURES = Path(__file__).parent / "fixtures"


def _build(tmp_path_factory: pytest.TempPathFactory, sources: list[Path], name: str | None) -> tuple[Snapshot, Path]:
    home = tmp_path_factory.mktemp(f"home-{name or 'default'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARBONLABEL_HOME", str(home))
        build_snapshot(sources, name=name)
        return load_snapshot(name or "default"), home


@pytest.fixture(scope="session")
def mini_snapshot_and_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Path]:
    return _build(tmp_path_factory, [FIXTURES / "mini"], "mini")


@pytest.fixture(scope="session")
def mini_snapshot(mini_snapshot_and_home: tuple[Snapshot, Path]) -> Snapshot:
    return mini_snapshot_and_home[0]


@pytest.fixture(scope="session")
def default_snapshot_and_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Path]:
    return _build(tmp_path_factory, [], None)


@pytest.fixture(scope="session")
def default_snapshot(default_snapshot_and_home: tuple[Snapshot, Path]) -> Snapshot:
    return default_snapshot_and_home[0]


@pytest.fixture
def mini_bom() -> BOM:
    import json

    return validate_bom(json.loads((FIXTURES / "mini_bom.json").read_text()))
