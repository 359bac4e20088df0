"""GET /v1/admin/factor-impact and `carbonlabel db impact`: issued certificates whose footprints move
when the factor database goes from OLD to NEW (the snapshots of tests/lcidb/test_diff.py: factor b
goes from 2.5 to 2.7 kg CO2e/kg, +8 %)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app as cli
from api.storage.models import BomUpload
from tests.api.helpers import certified
from tests.lcidb.test_diff import bom, build_pair


def _certificate_on_factor_b(app, client, actors) -> str:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Fastener Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    # the stand-in domain computes supplier-PCF BOMs only; the stored BOM is what impact recomputes
    with app.state.service.sessions() as session:
        upload = session.scalars(select(BomUpload)).one()
        upload.bom = bom("b", 2.0)
        session.commit()
    return number  # type: ignore[no-any-return]


def test_admin_route_lists_the_certificates_to_recheck(app, client, actors, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    number = _certificate_on_factor_b(app, client, actors)
    admin = actors.add("admin", "admin", "Operator")
    old, new = build_pair(tmp_path)
    answer = client.get("/v1/admin/factor-impact", params={"old": old.ref, "new": new.ref, "threshold": 0.05},
                        headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["certificates"], body["to_recheck"]) == (1, 1)
    move = body["moves"][0]
    assert move["certificate_number"] == number and move["exceeds"]
    assert abs(move["old_kgco2e"] - 5.0) < 1e-12 and abs(move["new_kgco2e"] - 5.4) < 1e-12  # 2 kg x 2.5 / 2.7
    assert abs(move["relative_change"] - 0.08) < 1e-12 and move["detail"]["status"] == "valid"
    quiet = client.get("/v1/admin/factor-impact", params={"old": old.ref, "new": new.ref, "threshold": 0.1},
                       headers=admin).json()
    assert quiet["to_recheck"] == 0
    exporter = actors.headers("exporter")
    assert client.get("/v1/admin/factor-impact", params={"old": old.ref, "new": new.ref},
                      headers=exporter).status_code == 403
    missing = client.get("/v1/admin/factor-impact", params={"old": old.ref, "new": "nothing"}, headers=admin)
    assert missing.status_code == 422 and "nothing" in missing.json()["detail"]


def test_db_impact_command(app, client, actors, settings, home: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not settings.is_sqlite:
        pytest.skip("the test PostgreSQL schema is per worker (set on the app's engine); the route test covers it")
    number = _certificate_on_factor_b(app, client, actors)
    old, new = build_pair(tmp_path)
    monkeypatch.setenv("CARBONLABEL_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    shown = runner.invoke(cli, ["db", "impact", old.ref, new.ref, "--threshold", "0.05"])
    assert shown.exit_code == 0, shown.output
    assert "1 of 1 certificates move by more than 5.00%" in shown.output
    assert f"{number}  5 -> 5.4 kg CO2e (+8.00%)" in shown.output
    as_json = json.loads(runner.invoke(cli, ["db", "impact", old.ref, new.ref, "--json"]).output)
    assert as_json["to_recheck"] == 1 and as_json["moves"][0]["key"] == number
