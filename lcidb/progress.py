"""Progress bars (tqdm) for the long commands: shown when the `carbonlabel` command line runs on a
terminal, never with --quiet or CARBONLABEL_QUIET=1, never for library use (the service, tests).

The switch is per call, never process-wide: tqdm stays usable for anything else in the process
(bw2data's own bars included, which lcidb.brightway keeps off stdout).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tqdm import tqdm

QUIET_ENV = "CARBONLABEL_QUIET"
_quiet = True  # until a command line asks for bars: library use (the service, tests) draws none


def set_quiet(quiet: bool) -> None:
    """Called by the `carbonlabel` command line: bars on a terminal unless --quiet."""
    global _quiet
    _quiet = quiet


def progress_enabled(quiet: bool = False) -> bool:
    if quiet or _quiet or os.environ.get(QUIET_ENV, "") not in ("", "0"):
        return False
    return sys.stderr.isatty()


def progress(total: int | None = None, *, desc: str, unit: str = "it", quiet: bool = False, **options: Any) -> tqdm:
    """A tqdm bar on stderr (stdout carries results), disabled unless stderr is a terminal."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not progress_enabled(quiet),
                dynamic_ncols=True, leave=False, **options)
