"""Where all state lives: CARBONLABEL_HOME (default: the per-user data directory)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "CARBONLABEL_HOME"


def carbonlabel_home() -> Path:
    """The state directory, created on first use."""
    raw = os.environ.get(HOME_ENV)
    home = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("carbonlabel"))
    home.mkdir(parents=True, exist_ok=True)
    return home.resolve()


def project_root() -> Path:
    """The checkout (pyproject.toml lives here): the shipped `data/` folder is beside the packages."""
    return Path(__file__).resolve().parent.parent


def shipped_data_dir() -> Path:
    return project_root() / "data"
