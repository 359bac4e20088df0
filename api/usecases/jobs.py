"""Heavy work as jobs stored in the database, run by a worker that is never a request worker.

A route that gets a large input (a CBAM report of thousands of lines, its PDF, a Monte Carlo
footprint of many iterations) stores a `queued` job and answers 202 with its status URL. A
worker (`carbonlabel worker`, or a thread of the embedded/demo server) claims the oldest queued
job (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several workers never take the same one; SQLite:
its one writer at a time), runs it outside any transaction, and stores the result or the error.
A worker starting up queues again the jobs left `running` for over an hour (their worker was
killed). With a Dask scheduler configured (`CARBONLABEL_DASK_SCHEDULER`), the domain work of each
job runs on the Dask cluster (DaskExecutor) while the claiming worker keeps the database side.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.usecases.domain import Domain
from api.errors import NotFound, ServiceError
from api.storage.models import BomUpload, Job, Product, User, utcnow

log = logging.getLogger("carbonlabel.jobs")

JOB_KINDS = ("cbam_exposure", "cbam_portfolio", "footprint")
# a job `running` longer than this when a worker starts lost its worker (killed): it is queued again
STALE_AFTER_SECONDS = 3600.0


def submit(session: Session, *, user: User, kind: str, params: dict[str, Any], size: int) -> Job:
    """Queue a job (the caller commits)."""
    assert kind in JOB_KINDS, kind
    job = Job(
        kind=kind,
        status="queued",
        user_id=user.id,
        organisation_id=user.organisation_id,
        params=params,
        size=size,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def get_visible(session: Session, job_id: str, user: User) -> Job:
    """The caller's own job (an administrator sees every job); another's answers 404."""
    job = session.get(Job, job_id)
    if job is None or (user.role != "admin" and job.user_id != user.id):
        raise NotFound(f"job {job_id} not found")
    return job


@dataclass(frozen=True)
class JobOutput:
    result: Any = None
    data: bytes | None = None
    media_type: str = "application/json"


# A job's domain work is a pure function of the domain and plain parameters (so it can run on a
# Dask worker); reading its inputs and storing its outcome stay with the claiming worker.
Compute = Callable[[Domain, dict[str, Any]], Any]
Executor = Callable[[Compute, dict[str, Any]], Any]


def _cbam_compute(domain: Domain, params: dict[str, Any]) -> JobOutput:
    prior = params.get("prior_mass_t")
    report = domain.cbam_exposure(
        params["lines"],
        importer=params.get("importer"),
        prior_mass_t=Decimal(prior) if prior is not None else None,
        projection=bool(params.get("projection")),
        obligations=bool(params.get("obligations")),
    )
    if params.get("pdf"):
        return JobOutput(data=domain.cbam_pdf(report), media_type="application/pdf")
    return JobOutput(result=report.model_dump(mode="json"))


def _cbam(session: Session, job: Job, run: Executor) -> JobOutput:
    return run(_cbam_compute, job.params)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _portfolio_compute(domain: Domain, params: dict[str, Any]) -> JobOutput:
    from api.usecases.cbam_files import portfolio_of_job

    book = portfolio_of_job(domain, params)
    if params.get("format") == "pdf":
        return JobOutput(data=domain.cbam_portfolio_pdf(book), media_type="application/pdf")
    if params.get("format") == "xlsx":
        return JobOutput(data=domain.cbam_xlsx(book.exposure, book), media_type=XLSX)
    return JobOutput(result=book.model_dump(mode="json"))


def _portfolio(session: Session, job: Job, run: Executor) -> JobOutput:
    return run(_portfolio_compute, job.params)


def _footprint_compute(domain: Domain, params: dict[str, Any]) -> Any:
    return domain.compute(
        params["bom"],
        method=params["method"],
        electricity=params["electricity"],
        monte_carlo=params.get("monte_carlo"),
        seed=params.get("seed"),
    )


def _footprint(session: Session, job: Job, run: Executor) -> JobOutput:
    from api.http.schemas import FootprintPublic
    from api.usecases import products

    params = job.params
    user = session.get(User, job.user_id)
    product = session.get(Product, params["product_id"])
    upload = session.get(BomUpload, params["bom_id"])
    assert user is not None and product is not None and upload is not None
    session.commit()  # hold no transaction while the engine works
    result = run(_footprint_compute, {**params, "bom": upload.bom})
    row = products.store_footprint(session, actor=user, product=product, bom=upload, result=result)
    return JobOutput(result=FootprintPublic.model_validate(row).model_dump(mode="json"))


HANDLERS: dict[str, Callable[[Session, Job, Executor], JobOutput]] = {
    "cbam_exposure": _cbam, "cbam_portfolio": _portfolio, "footprint": _footprint,
}


class LocalExecutor:
    """Run a job's domain work in this worker's own thread."""

    def __init__(self, domain: Domain):
        self.domain = domain

    def __call__(self, compute: Compute, params: dict[str, Any]) -> Any:
        return compute(self.domain, params)


# one domain per Dask worker process and factory (a snapshot is loaded once, not per task)
_DASK_DOMAINS: dict[Any, Domain] = {}


def run_on_dask(factory: Callable[[], Domain], compute: Compute, params: dict[str, Any]) -> Any:
    """What a Dask worker runs: the domain work only (no database)."""
    domain = _DASK_DOMAINS.get(factory)
    if domain is None:
        domain = _DASK_DOMAINS.setdefault(factory, factory())
    return compute(domain, params)


class DaskExecutor:
    """Run a job's domain work on a Dask cluster (`CARBONLABEL_DASK_SCHEDULER`); the worker that
    claimed the job waits for it and stores the outcome. `factory` makes the domain on the Dask
    worker (a class, or any picklable callable)."""

    def __init__(self, client: Any, factory: Callable[[], Domain]):
        self.client, self.factory = client, factory

    def __call__(self, compute: Compute, params: dict[str, Any]) -> Any:
        return self.client.submit(run_on_dask, self.factory, compute, params, pure=False).result()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_next(sessions: sessionmaker[Session], worker: str) -> str | None:
    """Mark the oldest queued job running and return its id (None when there is none)."""
    with sessions() as session:
        job_id = session.scalar(
            select(Job.id)
            .where(Job.status == "queued")
            .order_by(Job.created_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job_id is None:
            session.commit()
            return None
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", started_at=utcnow(), worker=worker[:100])
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # an UPDATE answers a CursorResult
        session.commit()
        return job_id if claimed == 1 else None


def requeue_stale(sessions: sessionmaker[Session], *, older_than_seconds: float) -> int:
    """Put back in the queue the jobs that have been `running` longer than the limit (their worker
    was killed); returns how many."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    with sessions() as session:
        count = session.execute(
            update(Job)
            .where(Job.status == "running", Job.started_at < cutoff)
            .values(status="queued", started_at=None, worker=None)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # an UPDATE answers a CursorResult
        session.commit()
    if count:
        log.warning("job worker: %d jobs running for more than %s s were queued again", count, older_than_seconds)
    return count or 0


def run_job(sessions: sessionmaker[Session], run: Executor, job_id: str) -> None:
    """Run one claimed job; store its output or its error (a service error's message and extras)."""
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        kind = job.kind
        try:
            output = HANDLERS[kind](session, job, run)
        except ServiceError as exc:
            session.rollback()
            _finish(session, job_id, status="failed", error={"detail": exc.message, "status_code": exc.status_code,
                                                              **exc.extra})
            return
        except Exception as exc:  # noqa: BLE001 - a job's crash must not kill the worker
            log.exception("job %s (%s) failed", job_id, kind)
            session.rollback()
            _finish(session, job_id, status="failed", error={"detail": f"internal error: {type(exc).__name__}",
                                                              "status_code": 500})
            return
        _finish(session, job_id, status="succeeded", result=output.result, data=output.data,
                media_type=output.media_type)


def _finish(session: Session, job_id: str, **values: Any) -> None:
    job = session.get(Job, job_id)
    assert job is not None
    job.status = values["status"]
    job.result = values.get("result")
    job.result_bytes = values.get("data")
    job.media_type = values.get("media_type")
    job.error = values.get("error")
    job.finished_at = utcnow()
    session.commit()


WEBHOOK_EVERY_SECONDS = 60.0  # the worker's webhook pass (expiries, due deliveries) when idle


class Worker:
    """Claims and runs jobs until stopped; `run_once` for tests and the CLI's --once."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        domain: Domain,
        *,
        poll_seconds: float = 0.5,
        stale_after_seconds: float = STALE_AFTER_SECONDS,
        executor: Executor | None = None,
        webhook_allow_loopback: bool = False,
    ):
        self.sessions, self.domain, self.poll_seconds = sessions, domain, poll_seconds
        self.webhook_allow_loopback = webhook_allow_loopback
        self.executor: Executor = executor or LocalExecutor(domain)
        self.stale_after_seconds = stale_after_seconds
        self.webhook_every_seconds = WEBHOOK_EVERY_SECONDS
        self._webhooks_due_at = 0.0  # time.monotonic() of the next webhook pass
        self.stop = threading.Event()
        self.name = worker_name()

    def run_once(self) -> bool:
        job_id = claim_next(self.sessions, self.name)
        if job_id is None:
            return False
        run_job(self.sessions, self.executor, job_id)
        return True

    def deliver_webhooks(self) -> tuple[int, int, int]:
        """Issue 16: enqueue expiry events and POST every webhook delivery that is due; (expired, sent, failed)."""
        from api.usecases import webhooks

        with self.sessions() as session:
            expired = webhooks.enqueue_expiries(session)
            poster = webhooks.httpx_poster(allow_loopback=self.webhook_allow_loopback)
            delivered, failed = webhooks.deliver_due(session, post=poster)
            session.commit()
        return expired, delivered, failed

    def _webhooks_if_due(self) -> None:
        if time.monotonic() < self._webhooks_due_at:
            return
        self._webhooks_due_at = time.monotonic() + self.webhook_every_seconds
        try:
            self.deliver_webhooks()
        except Exception:  # noqa: BLE001 - a failed pass is retried on the next one; the rows stay
            log.exception("job worker: webhook delivery failed")

    def run_forever(self) -> None:
        try:
            requeue_stale(self.sessions, older_than_seconds=self.stale_after_seconds)
        except Exception:  # noqa: BLE001 - the database may not be up yet; polling retries below
            log.exception("job worker: could not requeue stale jobs")
        while not self.stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - keep polling (e.g. the database restarted)
                log.exception("job worker: claiming failed")
                busy = False
            if not busy:
                self._webhooks_if_due()
                self.stop.wait(self.poll_seconds)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="carbonlabel-job-worker", daemon=True)
        thread.start()
        return thread


def engine_worker(sessions: sessionmaker[Session], *, poll_seconds: float, dask_address: str = "",
                  webhook_allow_loopback: bool = False) -> Worker:
    """A job worker on the real engine; with `dask_address`, each job's computation runs on that Dask cluster."""
    from api.usecases.engine import EngineDomain

    executor = None
    if dask_address:
        from distributed import Client

        executor = DaskExecutor(Client(dask_address), EngineDomain)
    return Worker(sessions, EngineDomain(), poll_seconds=poll_seconds, executor=executor,
                  webhook_allow_loopback=webhook_allow_loopback)
