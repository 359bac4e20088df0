"""schemathesis with the PACT v3 OpenAPI (read from ../shared/data/pact) against our /3/ routes on
a running server, as a partner: no request makes it answer 5xx. A few dozen examples per
operation (--max-examples 30). Schemathesis writes .hypothesis/ in its working directory: run in tmp."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.pact.schema import V3_DIR
from tests.pact.service import exportable_bom, make_account, store_product_footprints

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_no_server_errors_on_the_pact_routes(app, client, live_server, tmp_path: Path, mini_snapshot, mini_bom) -> None:
    owner = make_account(app, "Foshan Stools Ltd", "stools")
    partner = make_account(app, "EU Buyer", "buyer", kind="partner")
    product, _ = store_product_footprints(app, owner, [exportable_bom(mini_bom)], mini_snapshot)
    owner_token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                              auth=(owner.client_id, owner.client_secret)).json()["access_token"]
    assert client.post("/v1/pact/shares", json={"product_id": product, "partner_id": partner.id},
                       headers={"Authorization": f"Bearer {owner_token}"}).status_code == 201
    token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                        auth=(partner.client_id, partner.client_secret)).json()["access_token"]
    # the spec's tokenUrl is relative ("/auth/token"), which schemathesis refuses as a URI: a
    # temporary copy (in tmp, never in the project) names ours absolutely
    spec = yaml.safe_load((V3_DIR / "openapi.yaml").read_text(encoding="utf-8"))
    spec["components"]["securitySchemes"]["BearerAuth"]["flows"]["clientCredentials"]["tokenUrl"] = \
        f"{live_server.url}/auth/token"
    # the event schemas put a "$ref" key inside `properties` (a property named "$ref"), which no
    # tool can read as a schema; the copy drops that key (each event still $refs BaseEvent)
    for schema in spec["components"]["schemas"].values():
        if isinstance(schema.get("properties"), dict):
            schema["properties"].pop("$ref", None)
    # RequestCreatedEvent's criteria $ref "#/components/parameters/X/schema" (a schema inside a
    # parameter object), which schemathesis cannot bundle: the copy inlines those schemas
    spec = _inline_parameter_schemas(spec, spec["components"]["parameters"])
    schema_file = tmp_path / "pact-v3-openapi.json"
    schema_file.write_text(json.dumps(spec), encoding="utf-8")
    st = Path(sys.executable).parent / "st"
    run = subprocess.run(
        [str(st), "run", str(schema_file), "--url", live_server.url,
         "--checks", "not_a_server_error", "--max-examples", "30", "--seed", "1", "--no-color",
         "--workers", "1", "--request-timeout", "60", "-H", f"Authorization:Bearer {token}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert tested and int(tested[1]) == 3, run.stdout[-3000:]  # the three operations were exercised
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{run.stderr[-2000:]}"


def _inline_parameter_schemas(node, parameters):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/parameters/") and ref.endswith("/schema"):
            return copy.deepcopy(parameters[ref.split("/")[3]]["schema"])
        return {k: _inline_parameter_schemas(v, parameters) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_parameter_schemas(v, parameters) for v in node]
    return node
