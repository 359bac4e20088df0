"""The footprint page's additions: the CBAM estimate of a product with a CN code (real engine,
equal to the indicative exposure the domain computes for the same BOM and footprint), the
versions comparison and the histogram of the draws (hand-made results), the certifier's view of
the evidence files."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from api.http.app import create_app
from api.usecases.engine import EngineDomain
from api.storage.models import Footprint
from api.usecases import footprint_views
from tests.api.helpers import apply, compute, create_product, step, upload_bom
from tests.conftest import REPO_ROOT
from tests.web.test_auth import add_person, csrf_of, sign_in
from tests.web.test_exporter_journey import snapshot_built  # noqa: F401  (fixture)

STEEL_BOM = REPO_ROOT / "examples" / "steel_fastener.bom.json"


def test_cbam_estimate_for_a_product_with_a_cn_code(snapshot_built, settings, database, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setenv("CARBONLABEL_HOME", str(snapshot_built))
    application = create_app(settings, domain=EngineDomain(), engine_connect_args=database.connect_args)
    bom = json.loads(STEEL_BOM.read_text(encoding="utf-8"))
    cn_code = bom["product"]["cn_code"]
    try:
        with TestClient(application) as client:
            login = add_person(application, "exporter", "Foshan Fastener Co")
            assert sign_in(client, login).status_code == 303
            token = csrf_of(client.get("/app/products").text)
            made = client.post("/app/products", data={"csrf_token": token, "name": "M10 bolt", "category": "fasteners",
                                                      "cn_code": cn_code}, follow_redirects=False)
            product_url = made.headers["location"]
            token = csrf_of(client.get(product_url).text)
            answer = client.post(product_url + "/boms", data={"csrf_token": token},
                                 files={"file": ("bolt.json", STEEL_BOM.read_bytes(), "application/json")},
                                 follow_redirects=False)
            assert answer.status_code == 303 and "/app/footprints/" in answer.headers["location"], answer.text[:500]
            html = client.get(answer.headers["location"]).text
            with application.state.service.sessions() as session:
                row = session.get(Footprint, answer.headers["location"].rsplit("/", 1)[1])
                assert row is not None
                result = row.result
            expected = application.state.service.domain.cbam_indicative(bom, result, date.today())
            assert expected is not None and expected["status"] == "INDICATIVE_NOT_DECLARABLE"
            cost = re.search(r'id="cbam-cost">EUR ([\d,.]+)', html)
            assert cost is not None, html[html.find("cbam"):][:800]
            assert cost.group(1) == f"{float(expected['cost_eur_per_t']):,.2f}"
            assert "NOT declarable" in html
    finally:
        application.state.service.engine.dispose()


def _footprint(total: float, by_stage: dict[str, float], lines: list[dict[str, Any]], snapshot: str = "a" * 64,
               at: str = "1") -> Footprint:
    return Footprint(id=at * 32, total_kgco2e=total, snapshot_hash=snapshot,
                     result={"by_stage": by_stage, "by_gas": {"CO2": total}, "lines": lines})


def _line(line_id: str, quantity: float, kg: float, factor: str = "f1", children: list[Any] | None = None) -> dict[str, Any]:
    return {"line_id": line_id, "name": line_id, "quantity": quantity, "unit": "kg", "factor_id": factor,
            "kgco2e": kg, "children": children or []}


def test_versions_compared_line_by_line() -> None:
    older = _footprint(3.0, {"raw_materials": 2.0, "manufacturing": 1.0},
                       [_line("housing", 1.0, 2.0), _line("assembly", 1.0, 1.0, children=[_line("screw", 4, 0.1)])])
    newer = _footprint(3.5, {"raw_materials": 2.5, "manufacturing": 1.0, "transport": 0.0},
                       [_line("housing", 1.25, 2.5), _line("assembly", 1.0, 1.0), _line("box", 1, 0.0, "paper")], at="2")
    diff = footprint_views.compare(older, newer)
    assert diff["totals"] == (3.0, 3.5) and diff["same_snapshot"]
    assert diff["stages"] == [("raw_materials", 2.0, 2.5), ("manufacturing", 1.0, 1.0)]
    changes = {line["line_id"]: (line["change"], line["fields"]) for line in diff["lines"]}
    # the housing's quantity and kg changed; the screw (a child) was removed; the box was added
    assert changes == {"housing": ("changed", ["quantity", "kgco2e"]), "screw": ("removed", []),
                       "box": ("added", [])}


def test_histogram_counts_every_draw() -> None:
    samples = [1.0, 1.5, 2.0, 2.0, 2.5, 3.0, 9.0]
    histogram = footprint_views.histogram({"samples": samples})
    assert histogram is not None
    assert sum(histogram["counts"]) == len(samples)
    assert histogram["edges"][0] == 1.0 and histogram["edges"][-1] == 9.0
    assert len(histogram["edges"]) == footprint_views.HISTOGRAM_BINS + 1
    assert footprint_views.histogram({"samples": None}) is None and footprint_views.histogram(None) is None


def test_the_certifier_page_lists_the_evidence_files(client, actors, app) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    footprint = compute(client, exporter, product["id"], bom["id"])
    application = apply(client, exporter, product["id"], footprint["id"])
    raw = b"%PDF-1.4\n% audit report\n%%EOF\n"
    posted = client.post(f"/v1/applications/{application['id']}/evidence-files",
                         files={"file": ("audit report.pdf", raw, "application/pdf")}, headers=exporter)
    assert posted.status_code == 201
    assert step(client, exporter, application["id"], "submit").status_code == 200
    reviewer = add_person(app, "certifier", "GD Certification Centre", name="Dr Lee")
    client.cookies.clear()
    assert sign_in(client, reviewer).status_code == 303
    html = client.get(f"/app/applications/{application['id']}").text
    link = f"/app/applications/{application['id']}/evidence-files/{posted.json()['id']}"
    assert "audit report.pdf" in html and link in html
    download = client.get(link)
    assert download.status_code == 200 and download.content == raw
    # a person of another exporter organisation: 404 for the page and the file
    other = add_person(app, "exporter", "Other Co", name="Wang Wei")
    client.cookies.clear()
    assert sign_in(client, other).status_code == 303
    assert client.get(link).status_code == 404
    assert client.get(f"/app/my-applications/{application['id']}").status_code == 404


def test_the_exporter_answers_a_request_for_information(client, actors, app) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    footprint = compute(client, exporter, product["id"], bom["id"])
    application = apply(client, exporter, product["id"], footprint["id"])
    assert step(client, exporter, application["id"], "submit").status_code == 200
    assert step(client, certifier, application["id"], "start-review").status_code == 200
    asked = "请提供 2025 年电表读数 (meter readings)"
    assert step(client, certifier, application["id"], "request-information", asked).status_code == 200
    person = add_person(app, "exporter", "Lamp Co", name="Chen Jing")
    assert sign_in(client, person).status_code == 303
    url = f"/app/my-applications/{application['id']}"
    html = client.get(url, headers={"Accept-Language": "zh-CN"}).text
    assert "审核员要求补充信息" in html and asked in html
    token = csrf_of(html)
    attached = client.post(url + "/evidence-files", data={"csrf_token": token},
                           files={"file": ("meter.pdf", b"%PDF-1.7\n% meters\n%%EOF\n", "application/pdf")},
                           follow_redirects=False)
    assert attached.status_code == 303
    # an answer needs no new evidence JSON; without the CSRF token nothing happens
    refused = client.post(url + "/submit", data={"reason": "meter readings attached", "evidence": ""},
                          follow_redirects=False)
    assert refused.status_code == 403
    answered = client.post(url + "/submit", data={"csrf_token": token, "reason": "meter readings attached",
                                                  "evidence": ""}, follow_redirects=False)
    assert answered.status_code == 303
    detail = client.get(f"/v1/applications/{application['id']}", headers=exporter).json()
    assert detail["status"] == "submitted"
    assert [h["action"] for h in detail["history"]][-2:] == ["attach_evidence", "submit"]
    assert detail["history"][-1]["reason"] == "meter readings attached"
    html = client.get(url).text
    assert "meter.pdf" in html and 'id="submit-form"' not in html  # nothing to send while it is reviewed
