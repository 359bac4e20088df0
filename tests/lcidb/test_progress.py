"""Progress bars: for the command line on a terminal only, never with --quiet or for library use,
and tqdm is not switched off process-wide by importing the project (issue 12)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from lcidb import progress as bars


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bars.QUIET_ENV, raising=False)
    monkeypatch.setattr(bars, "_quiet", True)  # as imported: library use draws no bars
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert not bars.progress_enabled()
    bars.set_quiet(False)  # what `carbonlabel` without --quiet does
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not bars.progress_enabled()  # not a terminal
    monkeypatch.setattr(sys, "stderr", terminal)
    assert bars.progress_enabled()
    for _ in bars.progress(desc="work", unit="item", iterable=range(3)):
        pass
    assert "work:" in terminal.getvalue() and "0/3" in terminal.getvalue()  # drawn, then cleared (leave=False)
    assert not bars.progress_enabled(quiet=True)
    bars.set_quiet(True)
    assert not bars.progress_enabled()
    bars.set_quiet(False)
    monkeypatch.setenv(bars.QUIET_ENV, "1")
    assert not bars.progress_enabled()


def test_importing_the_project_leaves_tqdm_alone() -> None:
    code = ("import os, lcidb.brightway, lcidb.build, footprint.batch, api.cli; "
            "print(os.environ.get('TQDM_DISABLE'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={k: v for k, v in __import__("os").environ.items() if k != "TQDM_DISABLE"})
    assert done.stdout.strip() == "None"
