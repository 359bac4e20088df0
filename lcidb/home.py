"""Where all state lives: CARBONLABEL_HOME (default: the per-user data directory)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

from lcidb.errors import LcidbError

HOME_ENV = "CARBONLABEL_HOME"


def carbonlabel_home() -> Path:
    """The state directory, created on first use."""
    raw = os.environ.get(HOME_ENV)
    home = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("carbonlabel"))
    home.mkdir(parents=True, exist_ok=True)
    return home.resolve()


DATA_PACKAGE = "carbonlabel_data"  # the repository's data/ folder, as installed (setup.py)


def project_root() -> Path:
    """Where the packages sit: the checkout (with pyproject.toml), or site-packages when installed."""
    return Path(__file__).resolve().parent.parent


def package_path(package: str, *parts: str) -> Path:
    """A folder or file shipped inside `package`, as a path on disk (importlib.resources)."""
    root = resources.files(package).joinpath(*parts)
    if not isinstance(root, Path):
        raise LcidbError(f"package {package!r} is not installed as files on disk ({root}); install it unzipped")
    return root


def shipped_data_dir() -> Path:
    """The shipped data: the checkout's data/ folder when running from a checkout (so a working
    tree reads its own data), else the installed package carbonlabel_data."""
    root = project_root()
    if (root / "pyproject.toml").is_file() and (root / "data" / "lcidb").is_dir():
        return root / "data"
    return package_path(DATA_PACKAGE)
