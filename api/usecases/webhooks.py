"""Signed webhooks for certificate events (issue 16): suspended, revoked, renewed, expired.

An event is enqueued in the transaction of the action that causes it (suspend, revoke, renewal), or by
`enqueue_expiries` for certificates whose validity has ended (a state computed from dates, never written),
one delivery row per subscription of the organisations that may know: the holder and every organisation
with a live read grant on the product. The body is RFC 8785 canonical JSON signed with the service key
(Ed25519, the key of GET /v1/keys) once, when enqueued; `deliver_due` POSTs it with the headers
`Carbonlabel-Key-Id` and `Carbonlabel-Signature` (base64url), marks it delivered on a 2xx answer, and
otherwise counts the attempt and retries later (1, 2, 4 ... minutes, at most 6 hours). Rows stay until
delivered, so a restart loses nothing. (`event_key` is unique per subscription: an event is sent once.)
Subscriber URLs are checked against server-side request forgery (`api.usecases.webhook_urls`) when subscribed
and again before each POST, which goes to the address that was checked (no second DNS answer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.storage.models import (
    Certificate,
    ReadGrant,
    User,
    WebhookDelivery,
    WebhookSubscription,
    utcnow,
)
from api.usecases import webhook_urls
from api.usecases.access import require_role
from api.usecases.history import SIGNING_KEY_INFO
from api.documents.signing import SigningKey, canonical_bytes

EVENTS = ("suspended", "revoked", "renewed", "expired")
MAX_BACKOFF = timedelta(hours=6)
Poster = Callable[[str, bytes, dict[str, str]], int]  # url, body, headers -> HTTP status


def subscribe(session: Session, *, actor: User, url: str, allow_loopback: bool = False,
              resolve: webhook_urls.Resolver = webhook_urls.system_resolver) -> WebhookSubscription:
    """Refuses (422) a URL that is not http(s), carries credentials or resolves to a non-public address."""
    require_role(actor, "exporter", "bank", "buyer")
    target = webhook_urls.check(url, allow_loopback=allow_loopback, resolve=resolve)
    row = WebhookSubscription(organisation_id=actor.organisation_id, url=target.url, created_by=actor.id)
    session.add(row)
    session.flush()
    return row


def enqueue(session: Session, *, certificate: Certificate, event: str, at: datetime,
            detail: dict[str, str | None] | None = None) -> int:
    """One signed delivery per subscription of the holder and of live grantees; returns how many."""
    orgs = {certificate.organisation_id} | set(session.scalars(select(ReadGrant.grantee_organisation_id).where(
        ReadGrant.product_id == certificate.product_id, ReadGrant.revoked_at.is_(None))))
    body = canonical_bytes({"event": event, "certificate_number": certificate.number, "at": at.isoformat(),
                            "verification": f"/verify/{certificate.number}", **(detail or {})})
    count = 0
    subscriptions = list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.organisation_id.in_(orgs))))
    key: SigningKey | None = session.info.get(SIGNING_KEY_INFO) if subscriptions else None
    if subscriptions and key is None:
        raise RuntimeError("no signing key on the session: webhooks cannot be signed")
    for sub in subscriptions:
        try:
            with session.begin_nested():
                session.add(WebhookDelivery(subscription_id=sub.id, event_key=f"{event}:{certificate.number}",
                                            body=body.decode("utf-8"), signature=key.sign(body), key_id=key.key_id,  # type: ignore[union-attr]
                                            next_attempt_at=at))
            count += 1
        except IntegrityError:
            continue  # this event was already enqueued for this subscription
    return count


def enqueue_expiries(session: Session, *, now: datetime | None = None) -> int:
    """`expired` events of certificates whose validity ended (each once per subscription)."""
    now = now or utcnow()
    return sum(enqueue(session, certificate=c, event="expired", at=c.valid_until)
               for c in session.scalars(select(Certificate).where(Certificate.valid_until < now)))


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(session: Session, *, post: Poster, now: datetime | None = None) -> tuple[int, int]:
    """POST every undelivered event that is due; (delivered, failed). The caller commits."""
    now = now or utcnow()
    due = session.scalars(select(WebhookDelivery).where(WebhookDelivery.delivered_at.is_(None),
                                                        WebhookDelivery.next_attempt_at <= now)
                          .order_by(WebhookDelivery.created_at, WebhookDelivery.id).with_for_update(skip_locked=True))
    delivered = failed = 0
    for row in list(due):
        sub = session.get(WebhookSubscription, row.subscription_id)
        headers = {"Content-Type": "application/json", "Carbonlabel-Key-Id": row.key_id,
                   "Carbonlabel-Signature": row.signature}
        row.attempts += 1
        try:
            status = post(sub.url, row.body.encode("utf-8"), headers)  # type: ignore[union-attr]
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt, retried later
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            row.delivered_at, row.last_error = now, None
            delivered += 1
        else:
            row.last_error, row.next_attempt_at = error[:500], now + _backoff(row.attempts)
            failed += 1
    return delivered, failed


def httpx_poster(timeout: float = 10.0, *, allow_loopback: bool = False,
                 resolve: webhook_urls.Resolver = webhook_urls.system_resolver) -> Poster:
    """POST to the address checked just now (DNS rebinding: the name may resolve elsewhere than at
    subscription); TLS still verifies the certificate against the URL's host name. Redirects are not followed."""
    import httpx

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        target = webhook_urls.check(url, allow_loopback=allow_loopback, resolve=resolve)
        asked = httpx.URL(target.url)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:  # no proxy detour
            request = client.build_request("POST", asked.copy_with(host=target.address), content=body,
                                           headers={**headers, "Host": asked.netloc.decode("ascii")},
                                           extensions=extensions)
            return client.send(request).status_code

    return post
