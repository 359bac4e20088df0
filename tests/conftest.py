"""Shared fixtures: every test gets its own CARBONLABEL_HOME so runs never share state."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
SHARED_DATA = SHARED_DIR / "data"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty CARBONLABEL_HOME for this test."""
    target = tmp_path / "home"
    target.mkdir()
    monkeypatch.setenv("CARBONLABEL_HOME", str(target))
    return target
