"""A certificate's state on a given instant, derived from its history and dates (never stored).

Precedence: revoked > superseded > expired > suspended > valid. Suspended is either explicit (a
`suspend` action not followed by `lift`) or derived: annual surveillance more than the rule set's
grace period overdue. Each state comes with the date it took effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api.storage.models import Certificate, HistoryEntry


@dataclass(frozen=True)
class StatusView:
    status: str  # valid | suspended | revoked | expired | superseded
    since: datetime
    reason: str | None
    explicitly_suspended: bool
    last_surveillance: datetime | None
    surveillance_due: datetime
    surveillance_overdue_suspension_from: datetime


def derive_status(
    certificate: Certificate,
    events: list[HistoryEntry],
    *,
    now: datetime,
    grace_days: int,
    superseded_at: datetime | None = None,
) -> StatusView:
    events = sorted(events, key=lambda e: e.seq)  # the chain order, never the clock
    revoked = next((e for e in events if e.action == "revoke" and e.at <= now), None)
    last_surveillance: datetime | None = None
    suspended_event: HistoryEntry | None = None
    for event in events:
        if event.at > now:
            continue
        if event.action == "surveillance":
            last_surveillance = event.at
        elif event.action == "suspend":
            suspended_event = event
        elif event.action == "lift_suspension":
            suspended_event = None
    interval = timedelta(days=certificate.surveillance_interval_days)
    due = (last_surveillance or certificate.valid_from) + interval
    overdue_from = due + timedelta(days=grace_days)

    def view(status: str, since: datetime, reason: str | None) -> StatusView:
        return StatusView(status, since, reason, suspended_event is not None, last_surveillance, due, overdue_from)

    if revoked is not None:
        return view("revoked", revoked.at, revoked.reason)
    if superseded_at is not None and superseded_at <= now:
        return view("superseded", superseded_at, "renewed: a new certificate supersedes this one")
    if now > certificate.valid_until:
        return view("expired", certificate.valid_until, "validity period ended")
    if suspended_event is not None:
        return view("suspended", suspended_event.at, suspended_event.reason)
    if now > overdue_from:
        return view(
            "suspended",
            overdue_from,
            f"annual surveillance due {due.date().isoformat()} is more than {grace_days} days overdue",
        )
    return view("valid", certificate.valid_from, None)
