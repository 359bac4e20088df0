"""The CLI reads evidence, footprint and certificate files as strictly as the service reads bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.labels.factory import default_evidence, footprint

runner = CliRunner()


@pytest.mark.parametrize(("edit", "code"), [
    (lambda text: text.replace('{"', '{"label_use": "b2c", "', 1), "json.duplicate_key"),
    (lambda text: text.replace('"b2b"', '"b2b\\u0000"'), "json.nul_character"),
    (lambda text: text[:-1] + ', "n": NaN}', "json.non_finite"),
])
def test_grade_refuses_an_evidence_file_that_is_not_strict_json(tmp_path: Path, edit, code) -> None:  # type: ignore[no-untyped-def]
    fp = tmp_path / "fp.json"
    fp.write_text(json.dumps(footprint(total_kgco2e=80.0)), encoding="utf-8")
    ev = tmp_path / "ev.json"
    ev.write_text(edit(json.dumps(default_evidence())), encoding="utf-8")
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "gd-carbon-label", "--evidence", str(ev)])
    assert result.exit_code == 2, result.output
    assert code in result.output and str(ev) in result.output
