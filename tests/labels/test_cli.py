"""The label commands through the CLI: JSON files in, decision / outcome out, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.labels.factory import BENCHMARK_KEY, default_certificate, default_evidence, footprint

runner = CliRunner()


def _write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_grade_json_reports_tier_grade_and_rule_set_version(tmp_path: Path) -> None:
    fp = _write(tmp_path, "fp.json", footprint(total_kgco2e=80.0))
    ev = _write(tmp_path, "ev.json", default_evidence())
    members = [{"certificate_id": f"R{i}", "total_kgco2e": "100", "issued": "2025-01-01", "valid_until": "2027-12-31"}
               for i in range(5)]
    reg = _write(tmp_path, "reg.json", {BENCHMARK_KEY: members})
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "gd-carbon-label", "--evidence", str(ev),
                                 "--on", "2026-06-01", "--registry", str(reg), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # benchmark 100: 80 > 70 (A) and 80 <= 85 -> grade B
    assert (out["tier"], out["grade"]) == ("T3", "B")
    assert out["rule_set_version"]["version"] == "2025.1"
    assert len(out["rule_set_version"]["sha256"]) == 64
    assert out["total_kgco2e"] == "80.0"  # Decimals travel as strings
    assert out["benchmark"]["value"] == "100"
    assert "低碳标识 二级" in out["label"]["zh-Hans"]


def test_grade_text_output_names_failed_rule(tmp_path: Path) -> None:
    fp = _write(tmp_path, "fp.json", footprint(unverified_share=0.2))
    ev = _write(tmp_path, "ev.json", default_evidence())
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "gd-carbon-label", "--evidence", str(ev), "--on", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "FAIL  G13.unverified_share" in result.output
    assert "no label" in result.output


def test_grade_bad_evidence_is_an_error_naming_the_field(tmp_path: Path) -> None:
    ev_doc = default_evidence()
    del ev_doc["verifier"]["accreditation_body"]
    fp = _write(tmp_path, "fp.json", footprint())
    ev = _write(tmp_path, "ev.json", ev_doc)
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "gd-carbon-label", "--evidence", str(ev), "--on", "2026-06-01"])
    assert result.exit_code == 2
    assert f"evidence {ev}: field 'verifier.accreditation_body': Field required" in result.output


def test_grade_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    fp = tmp_path / "fp.json"
    fp.write_text('{\n  "product_id": \n}', encoding="utf-8")
    ev = _write(tmp_path, "ev.json", default_evidence())
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "gd-carbon-label", "--evidence", str(ev)])
    assert result.exit_code == 2
    assert "fp.json" in result.output and "line 3" in result.output


def test_grade_unknown_scheme(tmp_path: Path) -> None:
    fp = _write(tmp_path, "fp.json", footprint())
    ev = _write(tmp_path, "ev.json", default_evidence())
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "nope", "--evidence", str(ev), "--on", "2026-06-01"])
    assert result.exit_code == 2
    assert "unknown scheme 'nope'" in result.output


def test_grade_with_an_unpublished_catalogue_snapshot_is_an_error(tmp_path: Path, home: Path) -> None:
    fp = _write(tmp_path, "fp.json", footprint())
    ev = _write(tmp_path, "ev.json", default_evidence())
    result = runner.invoke(app, ["grade", str(fp), "--scheme", "gd-carbon-label", "--evidence", str(ev),
                                 "--on", "2026-06-01", "--snapshot", "nope"])
    assert result.exit_code == 2
    assert "--snapshot" in result.output and "no snapshot named 'nope'" in result.output


def test_recognise_json(tmp_path: Path) -> None:
    cert = _write(tmp_path, "cert.json", default_certificate())
    result = runner.invoke(app, ["recognise", str(cert), "--target", "mo-display", "--on", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["outcome"] == "accepted"
    assert out["valid_until"] == "2027-05-31"  # min(source 2027-05-31, 2026-06-01 + 24 months - 1 day = 2028-05-31)


def test_schemes_lists_every_scheme_with_version_in_force() -> None:
    result = runner.invoke(app, ["schemes", "--on", "2025-06-01", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"gd-carbon-label", "gba-carbon-footprint", "cn-national-pcf", "hk-label", "carbon-trust",
                         "kr-keiti", "jp-sumpo", "epd-international", "ceea", "self-declared", "mo-display"}
    assert rows["gd-carbon-label"]["version"] == "2025.1"
    assert rows["mo-display"]["version"] is None  # starts 2025-08-27
