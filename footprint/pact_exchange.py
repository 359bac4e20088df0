"""PACT v3 exchange rules that need no HTTP: the filter criteria of ListFootprints and of the
RequestCreatedEvent, the four events (CloudEvents, structured mode) and where an answer goes, and
the retry schedule of deliveries (docs/pact.md, "Hosting"). The HTTP doors (api/http/routes/pact.py)
and the delivery worker use these; the rules live here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from typing import Any, Literal
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from footprint.errors import InvalidPactDocument
from footprint.pact import ProductFootprint, parse_product_footprint

__all__ = [
    "FootprintQuery", "QUERY_PARAMETERS", "EVENT_TYPES", "PactEvent", "parse_event", "event_target",
    "fulfilled_event", "rejected_event", "published_event", "request_created_event", "RetryPolicy",
]

EVENT_PREFIX = "org.wbcsd.pact.ProductFootprint."
REQUEST_CREATED = EVENT_PREFIX + "RequestCreatedEvent.3"
REQUEST_FULFILLED = EVENT_PREFIX + "RequestFulfilledEvent.3"
REQUEST_REJECTED = EVENT_PREFIX + "RequestRejectedEvent.3"
PUBLISHED = EVENT_PREFIX + "PublishedEvent.3"
EVENT_TYPES = (REQUEST_CREATED, REQUEST_FULFILLED, REQUEST_REJECTED, PUBLISHED)
CLOUDEVENTS_SPEC_VERSION = "1.0"
CLOUDEVENTS_MEDIA_TYPE = "application/cloudevents+json"
ErrorCode = Literal["BadRequest", "AccessDenied", "TokenExpired", "NotFound", "InternalError", "NotImplemented"]


# --------------------------------------------------------------------------- filtering

# query parameter -> field of FootprintQuery (the names are the spec's; matching of the names is
# exact, of the values case-insensitive)
QUERY_PARAMETERS = {
    "productId": "product_ids", "companyId": "company_ids", "geography": "geographies",
    "classification": "classifications", "validOn": "valid_on", "validAfter": "valid_after",
    "validBefore": "valid_before", "status": "status",
}


class FootprintQuery(BaseModel):
    """The criteria of ListFootprints and of RequestCreatedEvent.data: OR within a criterion,
    AND across criteria, values matched case-insensitively (openapi /3/footprints get)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    product_ids: list[str] = Field(default_factory=list, alias="productId")
    company_ids: list[str] = Field(default_factory=list, alias="companyId")
    geographies: list[str] = Field(default_factory=list, alias="geography")
    classifications: list[str] = Field(default_factory=list, alias="classification")
    valid_on: datetime | None = Field(default=None, alias="validOn")
    valid_after: datetime | None = Field(default=None, alias="validAfter")
    valid_before: datetime | None = Field(default=None, alias="validBefore")
    status: Literal["Active", "Deprecated"] | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status_any_case(cls, value: object) -> object:
        if isinstance(value, str):
            return {"active": "Active", "deprecated": "Deprecated"}.get(value.lower(), value)
        return value

    @field_validator("valid_on", "valid_after", "valid_before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # a date-time without offset is read as UTC (the spec's example omits the seconds and
        # nothing else; an offset-less value is more likely UTC than local time of the host)
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @classmethod
    def from_query(cls, items: Iterable[tuple[str, str]]) -> FootprintQuery:
        """From the query string's (name, value) pairs; names matched case-insensitively as in the
        spec's own example (`productid=y`); `x-…` extension parameters and `limit`/`offset` are
        not criteria. Raises ValueError naming an unknown parameter or a bad value."""
        lists: dict[str, list[str]] = {}
        single: dict[str, str] = {}
        by_lower = {name.lower(): name for name in QUERY_PARAMETERS}
        for raw_name, value in items:
            lowered = raw_name.lower()
            if lowered in ("limit", "offset") or lowered.startswith("x-"):
                continue
            name = by_lower.get(lowered)
            if name is None:
                raise ValueError(f"unknown query parameter {raw_name!r}; the criteria are "
                                 f"{', '.join(QUERY_PARAMETERS)}")
            if name in ("productId", "companyId", "geography", "classification"):
                # explode: true: one parameter per value (a URN may itself contain a comma)
                lists.setdefault(name, []).append(value)
            elif name in single:
                raise ValueError(f"query parameter {name!r} given twice")
            else:
                single[name] = value
        try:
            return cls.model_validate({**lists, **single})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise ValueError(f"query parameter {first['loc'][0]!r}: {first['msg']} "
                             f"(value: {first.get('input')!r})") from None

    def matches(self, pf: ProductFootprint) -> bool:
        def any_of(wanted: Sequence[str], have: Iterable[str]) -> bool:
            if not wanted:
                return True
            have_lower = {h.lower() for h in have}
            return any(w.lower() in have_lower for w in wanted)

        if not any_of(self.product_ids, pf.product_ids):
            return False
        if not any_of(self.company_ids, pf.company_ids):
            return False
        if not any_of(self.classifications, pf.product_classifications or []):
            return False
        if self.geographies and not any(_within(g, pf) for g in self.geographies):
            return False
        if self.status is not None and pf.status != self.status:
            return False
        start, end = pf.valid_from(), pf.valid_until()
        if self.valid_on is not None and not start <= self.valid_on <= end:
            return False
        if self.valid_after is not None and not start > self.valid_after:
            return False
        if self.valid_before is not None and not end < self.valid_before:
            return False
        return True

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def _within(geography: str, pf: ProductFootprint) -> bool:
    """A footprint of CN-GD is within CN and within CN-GD; a region matches its own name only
    (country-to-region membership would need the UN M49 table, which the project does not ship)."""
    g = geography.strip().lower()
    cf = pf.pcf
    if cf.geography_region_or_subregion and cf.geography_region_or_subregion.lower() == g:
        return True
    if cf.geography_country and cf.geography_country.lower() == g:
        return True
    sub = cf.geography_country_subdivision
    return sub is not None and (sub.lower() == g or sub.lower().split("-")[0] == g)


# --------------------------------------------------------------------------- events


class PactEvent(BaseModel):
    """A PACT v3 event in CloudEvents structured mode (openapi BaseEvent and the four events)."""

    model_config = ConfigDict(extra="allow")  # CloudEvents allows extension attributes

    type: Literal[
        "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
        "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    ]
    specversion: str = Field(min_length=1)
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    time: datetime
    data: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        out["time"] = self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return out


@dataclass(frozen=True)
class ParsedEvent:
    event: PactEvent
    query: FootprintQuery | None = None  # RequestCreated
    comment: str | None = None  # RequestCreated
    request_event_id: str | None = None  # Fulfilled / Rejected
    footprints: tuple[ProductFootprint, ...] = ()  # Fulfilled
    error: dict[str, str] | None = None  # Rejected
    pf_ids: tuple[UUID, ...] = ()  # Published


class _ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: ErrorCode
    message: str


def parse_event(body: object, source: str = "event") -> ParsedEvent:
    """Validate an event as the spec asks before accepting it; InvalidPactDocument (-> 400) names
    the path and the reason. Unknown event types are refused (the spec lists four)."""
    if not isinstance(body, dict):
        raise InvalidPactDocument(source, "$", None, "an event is a JSON object (CloudEvents structured mode)")
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidPactDocument(source, "$.type", kind, "not a PACT v3 event type; expected one of "
                                  + ", ".join(EVENT_TYPES))
    try:
        event = PactEvent.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        reason = "required field is missing" if first["type"] == "missing" else first["msg"]
        raise InvalidPactDocument(source, where, first.get("input") if first["type"] != "missing" else None,
                                  reason) from None
    if event.time.tzinfo is None:
        raise InvalidPactDocument(source, "$.time", body.get("time"), "a date-time with its offset is required")
    event_target(event.source, source)  # the answer must be deliverable: refuse a bad source now
    data = event.data
    if kind == REQUEST_CREATED:
        criteria = {k: v for k, v in data.items() if k != "comment"}
        comment = data.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise InvalidPactDocument(source, "$.data.comment", comment, "a comment is a string")
        try:
            query = FootprintQuery.model_validate(criteria)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise InvalidPactDocument(source, "$.data." + ".".join(map(str, first["loc"])),
                                      first.get("input"), first["msg"]) from None
        return ParsedEvent(event=event, query=query, comment=comment)
    if kind in (REQUEST_FULFILLED, REQUEST_REJECTED):
        request_id = data.get("requestEventId")
        if not isinstance(request_id, str) or not request_id:
            raise InvalidPactDocument(source, "$.data.requestEventId", request_id, "required field is missing")
        if kind == REQUEST_REJECTED:
            try:
                error = _ErrorBody.model_validate(data.get("error"))
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                raise InvalidPactDocument(source, "$.data.error" + "".join(f".{p}" for p in first["loc"]),
                                          first.get("input"), first["msg"]) from None
            return ParsedEvent(event=event, request_event_id=request_id, error=error.model_dump())
        pfs = data.get("pfs")
        if not isinstance(pfs, list) or not pfs:
            raise InvalidPactDocument(source, "$.data.pfs", None, "a fulfilled request carries at least one footprint")
        footprints = tuple(parse_product_footprint(pf, source, f"$.data.pfs[{i}]") for i, pf in enumerate(pfs))
        return ParsedEvent(event=event, request_event_id=request_id, footprints=footprints)
    ids = data.get("pfIds")
    if not isinstance(ids, list) or not ids:
        raise InvalidPactDocument(source, "$.data.pfIds", ids, "a published event lists the footprint ids")
    try:
        pf_ids = tuple(UUID(str(x)) for x in ids)
    except ValueError:
        raise InvalidPactDocument(source, "$.data.pfIds", ids, "every pfId is a UUID") from None
    return ParsedEvent(event=event, pf_ids=pf_ids)


def event_target(event_source: str, where: str = "event", *, allow_http: bool = False) -> str:
    """The URL an answer to an event goes to: the event's `source` is "the domain and endpoint
    of the application from which the event originates" (openapi BaseEvent), e.g.
    `//api.example.com/3/events`; a network-path reference is completed with https. Only https
    (the spec: HTTPS only); `allow_http` is for nothing but a development instance."""
    text = event_source.strip()
    url = "https:" + text if text.startswith("//") else text
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise InvalidPactDocument(where, "$.source", event_source,
                                  "the source must name the sender's host and endpoint, e.g. "
                                  "//api.example.com/3/events (answers are sent there over HTTPS)")
    if parts.username or parts.password or parts.fragment:
        raise InvalidPactDocument(where, "$.source", event_source, "the source may not carry credentials or a fragment")
    path = parts.path or "/"
    if not re.search(r"/3/events/?$", path):
        path = path.rstrip("/") + "/3/events"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _event(kind: str, source: str, data: dict[str, Any], now: datetime | None) -> PactEvent:
    return PactEvent(type=kind, specversion=CLOUDEVENTS_SPEC_VERSION, id=str(uuid4()), source=source,
                     time=now or datetime.now(UTC), data=data)


def request_created_event(source: str, query: FootprintQuery, comment: str | None = None,
                          now: datetime | None = None) -> PactEvent:
    data = query.wire()
    if comment:
        data["comment"] = comment
    return _event(REQUEST_CREATED, source, data, now)


def fulfilled_event(source: str, request_event_id: str, footprints: Sequence[ProductFootprint],
                    now: datetime | None = None) -> PactEvent:
    if not footprints:
        raise ValueError("a fulfilled event carries at least one footprint; send a rejected event instead")
    return _event(REQUEST_FULFILLED, source,
                  {"requestEventId": request_event_id, "pfs": [pf.wire() for pf in footprints]}, now)


def rejected_event(source: str, request_event_id: str, code: ErrorCode, message: str,
                   now: datetime | None = None) -> PactEvent:
    return _event(REQUEST_REJECTED, source,
                  {"requestEventId": request_event_id, "error": {"code": code, "message": message}}, now)


def published_event(source: str, pf_ids: Sequence[UUID], now: datetime | None = None) -> PactEvent:
    return _event(PUBLISHED, source, {"pfIds": [str(i) for i in pf_ids]}, now)


# --------------------------------------------------------------------------- retries


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off of event deliveries: attempt n (1-based) failed -> wait
    `first_delay * factor**(n-1)`, at most `max_delay`; after `give_up_after` from the first
    attempt, stop. The spec: retry with exponential back-off and give up after 72 hours
    (openapi /3/events and the event descriptions)."""

    first_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=6)
    give_up_after: timedelta = timedelta(hours=72)

    def next_attempt(self, first_attempt_at: datetime, failed_attempts: int, now: datetime) -> datetime | None:
        """When to try again after `failed_attempts` failures, or None once the period is over."""
        delay = self.first_delay * (self.factor ** max(failed_attempts - 1, 0))
        when = now + min(delay, self.max_delay)
        if when > first_attempt_at + self.give_up_after:
            return None
        return when

