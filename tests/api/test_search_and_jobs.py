"""Search and heavy work (issue 9, Deliver 7), on SQLite and PostgreSQL.

One certificate search (trade offices and the public registry call the same function); large
CBAM reports and long Monte Carlo runs become jobs in the database (202 + status URL), run by a
worker that is not a request worker; above the hard limit, 413; small inputs stay synchronous.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.usecases.engine import EngineDomain
from api.usecases.jobs import Worker
from tests.api.conftest import Actors
from tests.api.helpers import apply, certified, compute, step, upload_bom
from tests.api.standin import StandInDomain, sample_bom
from tests.api.test_cbam_route import LINE

JSON = {"Accept": "application/json"}


def _product_with_cn(client, headers, name: str, cn_code: str) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/products", json={"name": name, "category": "lighting", "cn_code": cn_code}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def queue_monte_carlo(client, exporter: dict[str, str]) -> dict:  # type: ignore[no-untyped-def]
    """A product, its BOM and a 100-iteration Monte Carlo footprint request: queued (202)."""
    product = client.post("/v1/products", json={"name": "Lamp"}, headers=exporter).json()
    bom_id = upload_bom(client, exporter, product["id"])["id"]
    answer = client.post(
        f"/v1/products/{product['id']}/footprints", json={"bom_id": bom_id, "monte_carlo": 100}, headers=exporter
    )
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_one_search_for_trade_offices_and_the_public_registry(client, actors) -> None:
    lamp_co = actors.add("lamp exporter", "exporter", "Foshan Lamp Works 佛山灯具厂")
    fan_co = actors.add("fan exporter", "exporter", "Fan Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    lamp = certified(client, lamp_co, certifier, name="LED desk lamp")["number"]
    fan = certified(client, fan_co, certifier, name="Ceiling fan 50%")["number"]
    # a product with a CN code (the helper's have none): certify it too
    product = _product_with_cn(client, lamp_co, "Floor lamp", "94052040")
    footprint = compute(client, lamp_co, product["id"], upload_bom(client, lamp_co, product["id"], sample_bom("Floor lamp"))["id"])
    application = apply(client, lamp_co, product["id"], footprint["id"])
    step(client, lamp_co, application["id"], "submit")
    step(client, certifier, application["id"], "start-review")
    floor = step(client, certifier, application["id"], "approve").json()["number"]
    assert client.post(f"/v1/certificates/{fan}/suspend", json={"reason": "audit"}, headers=certifier).status_code == 200

    def numbers(path: str, headers: dict | None = None, **params: str) -> list[str]:
        answer = client.get(path, params=params, headers=headers or {})
        assert answer.status_code == 200, answer.text
        return [hit["number"] for hit in answer.json()]

    for path, headers in (("/v1/search/certificates", trade), ("/registry/certificates", None)):
        assert sorted(numbers(path, headers)) == sorted([lamp, fan, floor])
        assert sorted(numbers(path, headers, exporter="佛山")) == sorted([lamp, floor])
        assert numbers(path, headers, product="FAN") == [fan]
        assert numbers(path, headers, product="50%") == [fan]  # % is a character, not a wildcard
        assert numbers(path, headers, product="%") == [fan]
        assert numbers(path, headers, cn_code="9405") == [floor]
        assert numbers(path, headers, status="suspended") == [fan]
        assert sorted(numbers(path, headers, status="valid")) == sorted([lamp, floor])
        assert numbers(path, headers, number=lamp.lower()) == [lamp]  # typed in lower case
        assert len(numbers(path, headers, number="CL-")) == 3  # a prefix
        assert numbers(path, headers, scheme="no-such") == []
    hit = client.get("/registry/certificates", params={"number": floor}).json()[0]
    assert (hit["exporter"], hit["product"], hit["cn_code"], hit["status"]) == (
        "Foshan Lamp Works 佛山灯具厂", "Floor lamp", "94052040", "valid"
    )
    assert hit["total_kgco2e"] == "37.2"  # 2 x 8.6 + 0.5 x 40, from the signed document
    assert client.get("/v1/search/certificates").status_code == 401
    assert client.get("/registry/certificates", params={"status": "bogus"}).status_code == 422


@pytest.fixture
def limited(settings, database):  # type: ignore[no-untyped-def]
    """Small limits so a few lines make a job: CBAM inline <= 2 lines, hard limit 5; Monte Carlo
    inline <= 50 iterations, hard limit 500. No embedded worker: the test runs it."""
    application = create_app(
        replace(settings, cbam_inline_lines=2, cbam_max_lines=5, monte_carlo_inline_iterations=50,
                monte_carlo_max_iterations=500),
        domain=StandInDomain(),
        engine_connect_args=database.connect_args,
    )
    with TestClient(application) as client:
        yield application, client, Actors(application, client)
    application.state.service.engine.dispose()


def test_a_large_cbam_report_runs_as_a_job_and_matches_the_synchronous_answer(limited) -> None:
    application, client, actors = limited
    application.state.service.domain = EngineDomain()  # the real tariffs calculator
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    other = actors.add("other", "trade_office", "Macao Trade Office")
    lines = [{**LINE, "net_mass_t": mass} for mass in (100, 200, 300)]
    small = client.post("/v1/cbam/exposure", json={"lines": lines[:2]}, headers=trade)
    assert small.status_code == 200  # at or below the inline limit: answered at once, as before
    queued = client.post("/v1/cbam/exposure", json={"lines": lines}, headers=trade)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert queued.headers["location"] == job["status_url"] == f"/v1/jobs/{job['id']}"
    assert (job["status"], job["size"], job["result_url"]) == ("queued", 3, None)
    assert client.get(f"/v1/jobs/{job['id']}/result", headers=trade).status_code == 409
    assert client.get(job["status_url"], headers=other).status_code == 404  # another caller's job
    worker = Worker(application.state.service.sessions, application.state.service.domain)
    assert worker.run_once() is True
    assert worker.run_once() is False  # nothing left
    done = client.get(job["status_url"], headers=trade).json()
    assert done["status"] == "succeeded" and done["result_url"] == f"/v1/jobs/{job['id']}/result"
    result = client.get(done["result_url"], headers=trade).json()
    expected = EngineDomain().cbam_exposure(lines, importer=None, prior_mass_t=None, projection=False)
    assert result == expected.model_dump(mode="json")
    # 100 + 200 + 300 t at 3.187 t/t x 1.10 (see test_cbam_route) = 2103.42 t
    assert abs(sum(line["embedded_emissions_t"] for line in result["lines"]) - 2103.42) < 1e-6

    pdf_job = client.post("/v1/cbam/exposure", json={"lines": lines}, headers={**trade, "Accept": "application/pdf"})
    assert pdf_job.status_code == 202
    worker.run_once()
    pdf = client.get(f"/v1/jobs/{pdf_job.json()['id']}/result", headers=trade)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    too_many = client.post("/v1/cbam/exposure", json={"lines": [LINE] * 6}, headers=trade)
    assert too_many.status_code == 413 and "limit of 5" in too_many.json()["detail"]

    bad = client.post("/v1/cbam/exposure", json={"lines": [*lines, {**LINE, "cn_code": "7208"}]}, headers=trade)
    worker.run_once()
    failed = client.get(f"/v1/jobs/{bad.json()['id']}", headers=trade).json()
    assert failed["status"] == "failed" and failed["error"]["status_code"] == 422
    assert "line 4" in failed["error"]["detail"] and "cn_code" in failed["error"]["detail"]


def test_a_large_cbam_portfolio_runs_as_a_job_with_the_synchronous_numbers(limited) -> None:
    """A trade office's portfolio above the inline limit (2 lines here) is queued like an exposure
    report: 202 with a status URL, computed by the worker (never in the request), and its result
    equals the synchronous answer for the same lines; asked as PDF, the job's result is the PDF."""
    application, client, actors = limited
    application.state.service.domain = EngineDomain()
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    lines = [{**LINE, "net_mass_t": mass, "exporter_id": exporter}
             for mass, exporter in ((100, "Foshan Steel"), (200, "Foshan Steel"), (300, "Jiangmen Metal"))]
    queued = client.post("/v1/cbam/portfolio", json={"lines": lines}, headers=trade)
    assert queued.status_code == 202 and queued.headers["location"].startswith("/v1/jobs/")
    pdf_job = client.post("/v1/cbam/portfolio", json={"lines": lines},
                          headers={**trade, "Accept": "application/pdf"})
    assert pdf_job.status_code == 202
    worker = Worker(application.state.service.sessions, application.state.service.domain)
    assert worker.run_once() is True and worker.run_once() is True
    done = client.get(queued.json()["status_url"], headers=trade).json()
    assert done["status"] == "succeeded"
    result = client.get(done["result_url"], headers=trade).json()
    expected = EngineDomain().cbam_portfolio(lines, projection=False, obligations=False)
    assert result == expected.model_dump(mode="json")
    pdf = client.get(f"/v1/jobs/{pdf_job.json()['id']}/result", headers=trade)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    small = client.post("/v1/cbam/portfolio", json={"lines": lines[:2]}, headers=trade)
    assert small.status_code == 200  # within the inline limit: answered at once


def test_a_long_monte_carlo_footprint_runs_as_a_job(limited) -> None:
    application, client, actors = limited
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = client.post("/v1/products", json={"name": "Lamp"}, headers=exporter).json()
    bom_id = upload_bom(client, exporter, product["id"])["id"]
    path = f"/v1/products/{product['id']}/footprints"
    assert client.post(path, json={"bom_id": bom_id, "monte_carlo": 20, "seed": 1}, headers=exporter).status_code == 201
    assert client.post(path, json={"bom_id": bom_id, "monte_carlo": 501}, headers=exporter).status_code == 413
    queued = client.post(path, json={"bom_id": bom_id, "monte_carlo": 100, "seed": 3}, headers=exporter)
    assert queued.status_code == 202
    Worker(application.state.service.sessions, application.state.service.domain).run_once()
    job = client.get(queued.json()["status_url"], headers=exporter).json()
    assert job["status"] == "succeeded"
    footprint = client.get(job["result_url"], headers=exporter).json()
    assert abs(footprint["total_kgco2e"] - 37.2) < 1e-9  # 2 x 8.6 + 0.5 x 40
    assert client.get(f"/v1/footprints/{footprint['id']}", headers=exporter).status_code == 200
    audit = client.get("/v1/audit", params={"entity_id": footprint["id"]}, headers=exporter).json()
    assert [(r["action"], r["actor_role"]) for r in audit] == [("compute", "exporter")]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_embedded_mode_runs_the_worker_in_process(settings, database) -> None:
    application = create_app(
        replace(settings, embedded_worker=True, monte_carlo_inline_iterations=50),
        domain=StandInDomain(),
        engine_connect_args=database.connect_args,
    )
    try:
        with TestClient(application) as client:  # the lifespan starts the worker thread
            actors = Actors(application, client)
            exporter = actors.add("exporter", "exporter", "Lamp Co")
            queued = queue_monte_carlo(client, exporter)
            status = queued["status"]
            deadline = time.monotonic() + 60  # a bound on waiting, not a timing assertion
            while status in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.05)
                status = client.get(queued["status_url"], headers=exporter).json()["status"]
            assert status == "succeeded"
    finally:
        application.state.service.engine.dispose()


def test_a_job_whose_worker_was_killed_is_queued_again(limited, monkeypatch) -> None:
    """A job left `running` (its worker died) for longer than the limit goes back to the queue."""
    from api.usecases import jobs

    application, client, actors = limited
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    queued = queue_monte_carlo(client, exporter)
    sessions = application.state.service.sessions
    assert jobs.claim_next(sessions, "killed-worker") == queued["id"]  # ... and then the worker died
    assert jobs.requeue_stale(sessions, older_than_seconds=3600) == 0  # not stale yet
    later = jobs.utcnow() + timedelta(seconds=3601)
    monkeypatch.setattr(jobs, "utcnow", lambda: later)
    assert jobs.requeue_stale(sessions, older_than_seconds=3600) == 1
    assert client.get(queued["status_url"], headers=exporter).json()["status"] == "queued"
    assert Worker(sessions, application.state.service.domain).run_once() is True
    assert client.get(queued["status_url"], headers=exporter).json()["status"] == "succeeded"


def test_with_a_dask_cluster_the_computation_runs_there(limited, monkeypatch) -> None:
    """An in-process Dask cluster: the job's domain work runs as a Dask task (the cluster's task
    stream lists it, and the Dask side made its own domain), the claiming worker stores the footprint."""
    distributed = pytest.importorskip("distributed")
    from api.usecases import jobs

    application, client, actors = limited
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    queued = queue_monte_carlo(client, exporter)
    monkeypatch.setattr(jobs, "_DASK_DOMAINS", {})
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as dask_client, distributed.get_task_stream(dask_client) as stream:
            worker = Worker(
                application.state.service.sessions,
                application.state.service.domain,
                executor=jobs.DaskExecutor(dask_client, StandInDomain),
            )
            assert worker.run_once() is True
    assert [task["key"].split("-")[0] for task in stream.data] == ["run_on_dask"]
    assert list(jobs._DASK_DOMAINS) == [StandInDomain]
    job = client.get(queued["status_url"], headers=exporter).json()
    assert job["status"] == "succeeded", job
    assert abs(client.get(job["result_url"], headers=exporter).json()["total_kgco2e"] - 37.2) < 1e-9
