"""Signed webhooks over real HTTP (issue 16), SQLite and PostgreSQL: a subscriber that is down gets the event
after the service restarts; the body verifies with the published key (GET /v1/keys); suspend, revoke and expiry
each send one event, once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.http.app import create_app
from api.storage.models import Certificate, WebhookDelivery, utcnow
from api.usecases import webhooks
from api.documents.signing import b64url_decode
from tests.api.conftest import LiveServer
from tests.api.helpers import certified


class Subscriber:
    """A real HTTP endpoint on 127.0.0.1 that records what it receives; `up=False` answers 503."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.up = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.up:
                    outer.received.append((body, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200 if outer.up else 503)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_events_are_signed_stored_and_redelivered_after_a_restart(app, client, actors, settings, database) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    subscriber = Subscriber()
    try:
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
            certificate = certified(http, exporter, certifier)
            number = certificate["number"]
            assert http.post("/v1/webhooks", json={"url": subscriber.url}, headers=exporter).status_code == 201
            assert http.post(f"/v1/certificates/{number}/suspend", json={"reason": "surveillance refused"},
                             headers=certifier).status_code == 200
            with app.state.service.sessions() as s:  # the subscriber is down: the attempt fails, the row stays
                assert webhooks.deliver_due(s, post=webhooks.httpx_poster(allow_loopback=True)) == (0, 1)
                s.commit()
            keys = http.get("/v1/keys").json()["keys"]
        app.state.service.engine.dispose()

        # a new instance on the same database (a restart); the subscriber is back; the retry is due later
        restarted = create_app(settings, domain=app.state.service.domain, engine_connect_args=database.connect_args)
        subscriber.up = True
        with restarted.state.service.sessions() as s:
            assert webhooks.deliver_due(s, post=webhooks.httpx_poster(allow_loopback=True)) == (0, 0)  # backoff: not yet due
            assert webhooks.deliver_due(s, post=webhooks.httpx_poster(allow_loopback=True), now=utcnow() + timedelta(minutes=2)) == (1, 0)
            s.commit()
        [(body, headers)] = subscriber.received
        key = {k["kid"]: k for k in keys}[headers["carbonlabel-key-id"]]
        Ed25519PublicKey.from_public_bytes(b64url_decode(key["x"])).verify(
            b64url_decode(headers["carbonlabel-signature"]), body)  # raises if the signature is wrong
        event = json.loads(body)
        assert (event["event"], event["certificate_number"], event["reason"]) == ("suspended", number,
                                                                                 "surveillance refused")
        with LiveServer(restarted) as server, httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.post(f"/v1/certificates/{number}/revoke", json={"reason": "fraud"},
                             headers=certifier).status_code == 200
        with restarted.state.service.sessions() as s:
            valid_until = s.query(Certificate).filter_by(number=number).one().valid_until
            assert webhooks.enqueue_expiries(s, now=valid_until + timedelta(seconds=1)) == 1
            assert webhooks.enqueue_expiries(s, now=valid_until + timedelta(seconds=1)) == 0  # once
            assert webhooks.deliver_due(s, post=webhooks.httpx_poster(allow_loopback=True), now=valid_until + timedelta(seconds=2)) == (2, 0)
            s.commit()
            assert s.query(WebhookDelivery).filter(WebhookDelivery.delivered_at.is_(None)).count() == 0
        assert [json.loads(b)["event"] for b, _ in subscriber.received] == ["suspended", "revoked", "expired"]
        restarted.state.service.engine.dispose()
    finally:
        subscriber.server.shutdown()


def test_a_renewal_tells_the_subscribers_of_the_old_certificate_its_successor(app, client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    subscriber = Subscriber()
    subscriber.up = True
    try:
        number = certified(client, exporter, certifier)["number"]
        assert client.post("/v1/webhooks", json={"url": subscriber.url}, headers=exporter).status_code == 201
        renewed = client.post(f"/v1/certificates/{number}/renew", json={"reason": "new cycle"}, headers=certifier)
        assert renewed.status_code == 201, renewed.text
        with app.state.service.sessions() as s:
            assert webhooks.deliver_due(s, post=webhooks.httpx_poster(allow_loopback=True)) == (1, 0)
            s.commit()
        [(body, _)] = subscriber.received
        event = json.loads(body)
        assert (event["event"], event["certificate_number"], event["superseded_by"]) == (
            "renewed", number, renewed.json()["number"])
    finally:
        subscriber.server.shutdown()


def test_the_job_worker_delivers_due_webhooks(app, client, actors) -> None:
    from api.usecases.jobs import Worker

    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    subscriber = Subscriber()
    subscriber.up = True
    try:
        number = certified(client, exporter, certifier)["number"]
        assert client.post("/v1/webhooks", json={"url": subscriber.url}, headers=exporter).status_code == 201
        assert client.post(f"/v1/certificates/{number}/revoke", json={"reason": "fraud"},
                           headers=certifier).status_code == 200
        worker = Worker(app.state.service.sessions, app.state.service.domain, webhook_allow_loopback=True)
        assert worker.deliver_webhooks() == (0, 1, 0)
        assert worker.deliver_webhooks() == (0, 0, 0)  # delivered once
        assert [json.loads(b)["event"] for b, _ in subscriber.received] == ["revoked"]
    finally:
        subscriber.server.shutdown()
