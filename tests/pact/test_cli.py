"""`carbonlabel pact export | import | use` on files: single footprints and lists, every v3
example of the specification, the invalid one refused, v2 read with a report."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from footprint.engine import compute
from tests.footprint.test_engine import LINES, NETTED, TOTAL
from tests.pact.schema import V3_EXAMPLES, example_paths, schema_errors
from tests.pact.test_reading import V2_FOOTPRINT

runner = CliRunner()
COMPANY = ["--company-name", "Foshan Stools Ltd", "--company-id", "urn:pact:carbonlabel.example:company:org-1",
           "--id-domain", "carbonlabel.example"]


@pytest.fixture
def files(tmp_path: Path, mini_snapshot, mini_bom) -> dict[str, Path]:
    data = json.loads(mini_bom.model_dump_json())
    data["product"]["mass_kg"] = 4.2
    data["product"]["pact"] = {"fossil_carbon_content_kgc": 0.0}
    bom = mini_bom.model_validate(data)
    (tmp_path / "bom.json").write_text(bom.model_dump_json(), encoding="utf-8")
    (tmp_path / "bare.bom.json").write_text(mini_bom.model_dump_json(), encoding="utf-8")
    # netted so the export can be checked against the hand total TOTAL (the default, cut-off, leaves the
    # fixture's recycling credits out of the total: tests/footprint/test_credits_and_pools.py)
    (tmp_path / "fp.json").write_text(compute(bom, mini_snapshot, net_credits_rule=NETTED).model_dump_json(),
                                      encoding="utf-8")
    return {"bom": tmp_path / "bom.json", "bare": tmp_path / "bare.bom.json", "fp": tmp_path / "fp.json",
            "dir": tmp_path}


def test_export_one_then_a_list_and_read_them_back(files) -> None:
    one = runner.invoke(app, ["pact", "export", "--footprint", str(files["fp"]), "--bom", str(files["bom"]),
                              *COMPANY, "--created", "2026-03-01T08:30:00Z"])
    assert one.exit_code == 0, one.output
    pf = json.loads(one.stdout)
    assert schema_errors(pf, "ProductFootprint") == []
    assert math.isclose(float(pf["pcf"]["pcfIncludingBiogenicUptake"]), TOTAL, rel_tol=1e-12)
    # the derived id is stable: the same computation gives the same id
    again = runner.invoke(app, ["pact", "export", "--footprint", str(files["fp"]), "--bom", str(files["bom"]), *COMPANY])
    assert json.loads(again.stdout)["id"] == pf["id"]

    out = files["dir"] / "list.json"
    many = runner.invoke(app, ["pact", "export", "--footprint", str(files["fp"]), "--bom", str(files["bom"]),
                               "--footprint", str(files["fp"]), "--bom", str(files["bom"]),
                               "--id", "5b2f1c1e-9d7a-4c3e-8f10-2a4b6c8d0e12",
                               "--id", "0f6a8e4c-1b2d-4e3f-9a5b-7c8d9e0f1a2b", *COMPANY, "--out", str(out)])
    assert many.exit_code == 0, many.output
    listed = json.loads(out.read_text())["data"]
    assert [p["id"] for p in listed] == ["5b2f1c1e-9d7a-4c3e-8f10-2a4b6c8d0e12", "0f6a8e4c-1b2d-4e3f-9a5b-7c8d9e0f1a2b"]
    read = runner.invoke(app, ["pact", "import", str(out), "--json"])
    assert read.exit_code == 0, read.output
    assert json.loads(read.stdout)["footprints"] == listed


def test_export_without_fossil_carbon_content_is_refused_naming_field_and_files(files) -> None:
    result = runner.invoke(app, ["pact", "export", "--footprint", str(files["fp"]), "--bom", str(files["bare"]), *COMPANY])
    assert result.exit_code == 2
    assert f"footprint {files['fp']} with BOM {files['bare']}" in result.stderr
    assert "PACT field 'fossilCarbonContent': mandatory in PACT v3" in result.stderr
    assert result.stdout == ""
    bad_company = runner.invoke(app, ["pact", "export", "--footprint", str(files["fp"]), "--bom", str(files["bom"]),
                                      "--company-name", "X", "--company-id", "ACME-1", "--id-domain", "x.example"])
    assert bad_company.exit_code == 2 and "company_ids.0" in bad_company.stderr and "'ACME-1'" in bad_company.stderr


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_every_v3_example_through_import(path: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["pact", "import", str(path)])
    if path.name == "invalid-response-all-properties.json":
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: {path}, $.data[0].updated: 'updated' is a v2 lifecycle field")
    elif path.name == "error-response-access-denied.json":
        assert result.exit_code == 2 and "a PACT error response" in result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{path}: 1 footprint (")


def test_import_of_v2_says_what_was_converted(tmp_path: Path) -> None:
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"data": [V2_FOOTPRINT]}), encoding="utf-8")
    result = runner.invoke(app, ["pact", "import", str(path), "--out", str(tmp_path / "v3.json")])
    assert result.exit_code == 0, result.output
    assert "specVersion 2.3.0" in result.stdout
    assert "converted: $.data[0]: pCfIncludingBiogenic -> pcfIncludingBiogenicUptake" in result.stdout
    assert "converted: $.data[0]: dqi dropped" in result.stdout
    written = json.loads((tmp_path / "v3.json").read_text())["data"][0]
    assert written["specVersion"] == "3.0.3" and written["pcf"]["pcfExcludingBiogenicUptake"] == "7150"


def test_use_puts_a_supplier_footprint_into_a_bom_line(files, mini_snapshot, mini_bom) -> None:
    """example-1 (-1.23 kg CO2e per kg) on the seat line (500 g): -0.615 instead of 0.5 W."""
    from footprint.bom_io import read_bom

    supplier = files["dir"] / "supplier.json"
    shutil.copy(V3_EXAMPLES / "example-1.json", supplier)
    out = files["dir"] / "with-supplier.bom.json"
    result = runner.invoke(app, ["pact", "use", str(supplier), "--bom", str(files["bare"]), "--line", "seat",
                                 "--on", "2026-06-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "line 'seat' books footprint 12345678-9abc-def0-1234-567812345678" in result.stderr
    total = compute(read_bom(out), mini_snapshot, net_credits_rule=NETTED).total_kgco2e  # TOTAL is netted
    assert math.isclose(total, TOTAL - LINES["seat"] - 0.615, rel_tol=1e-12)
    late = runner.invoke(app, ["pact", "use", str(supplier), "--bom", str(files["bare"]), "--line", "seat",
                               "--on", "2028-06-01"])
    assert late.exit_code == 2 and "line_id 'seat': PACT footprint 12345678" in late.stderr
    assert "not valid on 2028-06-01" in late.stderr
