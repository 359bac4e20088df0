"""The README's command-line tour names only example files that exist (every command runs as written; the
commands themselves are exercised by the area tests, e.g. tests/labels/test_engine_to_grade.py for the grading path)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _tour() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## A tour of the command line", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines() if line.startswith(".venv/bin/")]


def test_every_example_file_the_tour_names_exists() -> None:
    named = sorted({token for line in _tour() for token in re.findall(r"\bexamples/\S+", line.split("#", 1)[0])})
    assert "examples/labels/steel_fastener.mill-pcf.bom.json" in named
    for token in named:
        assert list(REPO.glob(token)), f"README tour names {token}, which does not exist"


def test_every_file_the_tour_reads_is_made_earlier_in_the_tour_or_shipped() -> None:
    made: set[str] = set()
    for line in _tour():
        command = line.split(" #", 1)[0]
        written = re.findall(r"(?:>|--out)\s+(\S+)", command)
        for token in re.findall(r"\s([\w./-]+\.(?:json|jsonl))(?=\s|$)", command):
            if token in written or token.startswith("examples/"):
                continue
            assert token in made, f"README tour reads {token} before any command writes it: {line}"
        made.update(w.rstrip("/") for w in written)
