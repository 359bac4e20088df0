"""Filtering, events and the retry schedule of PACT v3 (footprint.pact_exchange)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, UTC

import pytest

from footprint.errors import InvalidPactDocument
from footprint.pact import read_pact_document
from footprint.pact_exchange import (FootprintQuery, RetryPolicy, event_target, fulfilled_event, parse_event,
                                     published_event, rejected_event, request_created_event)
from tests.pact.schema import example, schema_errors

UTC = UTC


def _pfs():
    return [read_pact_document(example(f"example-{i}.json")).footprints[0] for i in (1, 2, 3, 4)]


def _ids(query: FootprintQuery) -> list[str]:
    return [pf.product_name_company for pf in _pfs() if query.matches(pf)]


def test_or_within_and_across_case_insensitive() -> None:
    pfs = _pfs()
    first_product = pfs[0].product_ids[0]
    assert _ids(FootprintQuery.from_query([("productId", first_product.upper())])) == ["Product 1"]
    both = FootprintQuery.from_query([("productId", first_product), ("productid", pfs[1].product_ids[0])])
    assert _ids(both) == ["Product 1", "Product 2"]
    # AND across criteria: product 1's footprint is not in product 2's company
    across = FootprintQuery.from_query([("productId", first_product), ("companyId", pfs[1].company_ids[0])])
    assert _ids(across) == []


def test_geography_matches_subdivision_and_its_country() -> None:
    assert _ids(FootprintQuery.from_query([("geography", "us-tx")])) == ["Product 1"]
    assert "Product 1" in _ids(FootprintQuery.from_query([("geography", "US")]))
    assert _ids(FootprintQuery.from_query([("geography", "FR"), ("geography", "ZZ")])) == [
        pf.product_name_company for pf in _pfs()
        if "FR" in (pf.pcf.geography_country, (pf.pcf.geography_country_subdivision or "")[:2])]


def test_validity_criteria_follow_the_spec_inequalities() -> None:
    """example-1 is valid 2024-12-31 .. 2027-12-31: validOn inclusive at both ends,
    validAfter strict (start > after), validBefore strict (end < before)."""
    def q(name, when):
        return "Product 1" in _ids(FootprintQuery.from_query([(name, when)]))
    assert q("validOn", "2024-12-31T00:00:00Z") and q("validOn", "2027-12-31T00:00:00Z")
    assert not q("validOn", "2028-01-01T00:00:00Z")
    assert q("validAfter", "2024-12-30T23:59:59Z") and not q("validAfter", "2024-12-31T00:00:00Z")
    assert q("validBefore", "2027-12-31T00:00:01Z") and not q("validBefore", "2027-12-31T00:00:00Z")
    assert q("status", "active") and not q("status", "Deprecated")


@pytest.mark.parametrize("items, message", [
    ([("colour", "red")], "unknown query parameter 'colour'"),
    ([("validOn", "yesterday")], "query parameter 'validOn'"),
    ([("status", "Gone")], "query parameter 'status'"),
    ([("validOn", "2025-01-01T00:00:00Z"), ("validOn", "2025-02-01T00:00:00Z")], "given twice"),
])
def test_bad_criteria_are_named(items, message) -> None:
    with pytest.raises(ValueError, match=message):
        FootprintQuery.from_query(items)


def test_extension_and_paging_parameters_are_not_criteria() -> None:
    assert FootprintQuery.from_query([("limit", "2"), ("offset", "4"), ("x-atq-invoice-id", "1")]) == FootprintQuery()


def test_events_we_write_validate_against_the_spec_schemas() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    pfs = _pfs()
    created = request_created_event("//customer.example/3/events",
                                    FootprintQuery.from_query([("productId", "urn:gtin:1"), ("status", "Active")]),
                                    "for our 2026 BOM", now=now)
    fulfilled = fulfilled_event("//supplier.example/3/events", created.id, pfs[:2], now=now)
    rejected = rejected_event("//supplier.example/3/events", created.id, "NotFound", "no such product", now=now)
    published = published_event("//supplier.example/3/events", [pf.id for pf in pfs], now=now)
    for event, schema in ((created, "RequestCreatedEvent"), (fulfilled, "RequestFulfilledEvent"),
                          (rejected, "RequestRejectedEvent"), (published, "PublishedEvent")):
        wire = event.wire()
        assert schema_errors(wire, schema) == [], schema
        assert wire["time"] == "2026-03-01T00:00:00Z" and wire["specversion"] == "1.0"
        assert parse_event(wire).event.id == event.id
    assert parse_event(created.wire()).query.product_ids == ["urn:gtin:1"]
    assert parse_event(created.wire()).comment == "for our 2026 BOM"
    assert [pf.id for pf in parse_event(fulfilled.wire()).footprints] == [pfs[0].id, pfs[1].id]
    assert parse_event(rejected.wire()).error == {"code": "NotFound", "message": "no such product"}
    assert parse_event(published.wire()).pf_ids == tuple(pf.id for pf in pfs)
    with pytest.raises(ValueError, match="send a rejected event instead"):
        fulfilled_event("//s.example", created.id, [])


def test_the_spec_fulfilled_event_example_is_accepted() -> None:
    parsed = parse_event(example("pf-response-event.json"))
    assert parsed.request_event_id == "848dcf00-2c18-400d-bcb8-11e45bbf7ebd"
    assert len(parsed.footprints) == 1


@pytest.mark.parametrize("change, path", [
    (lambda e: e.update(type="org.wbcsd.pathfinder.ProductFootprint.Published.v1"), "$.type"),
    (lambda e: e.pop("source"), "$.source"),
    (lambda e: e.update(source="mailto:x@y"), "$.source"),
    (lambda e: e.update(source="http://customer.example/3/events"), "$.source"),
    (lambda e: e.update(time="2025-13-01"), "$.time"),
    (lambda e: e["data"].update(pfs=[]), "$.data.pfs"),
    (lambda e: e["data"].pop("requestEventId"), "$.data.requestEventId"),
    (lambda e: e["data"]["pfs"][0].update(updated="2025-01-01T00:00:00Z"), "$.data.pfs[0].updated"),
])
def test_invalid_events_are_refused_with_the_path(change, path) -> None:
    event = copy.deepcopy(example("pf-response-event.json"))
    change(event)
    with pytest.raises(InvalidPactDocument) as caught:
        parse_event(event, "POST /3/events")
    assert caught.value.path == path, str(caught.value)


def test_event_target_from_the_source() -> None:
    assert event_target("//api.example.com/3/events") == "https://api.example.com/3/events"
    assert event_target("//api.example.com/events") == "https://api.example.com/events/3/events"
    assert event_target("https://127.0.0.1:8443") == "https://127.0.0.1:8443/3/events"
    assert event_target("http://127.0.0.1:8000/3/events", allow_http=True) == "http://127.0.0.1:8000/3/events"


def test_retry_schedule_doubles_and_gives_up_after_72_hours() -> None:
    """30 s, 60 s, 120 s, ... capped at 6 h; the 72-hour period counts from the first attempt.

    Attempts 2..11 follow the first after 30 x (2^k - 1) s; attempt 11 at 30 x 1023 = 30690 s
    (8 h 31 min 30 s). Then every 6 h: attempt 11 + m at 8.525 + 6 m h <= 72 -> m <= 10, so the
    last is attempt 21 at 68 h 31 min 30 s; the next (74.5 h) is beyond the period."""
    policy = RetryPolicy()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert policy.next_attempt(start, 1, start) == start + timedelta(seconds=30)
    assert policy.next_attempt(start, 3, start) == start + timedelta(seconds=120)
    assert policy.next_attempt(start, 20, start) == start + timedelta(hours=6)
    late = start + timedelta(hours=70)
    assert policy.next_attempt(start, 20, late) is None  # 70 h + 6 h is beyond 72 h
    assert policy.next_attempt(start, 1, late) == late + timedelta(seconds=30)
    # the whole schedule: attempts until the period ends
    attempts, now = 1, start
    while (nxt := policy.next_attempt(start, attempts, now)) is not None:
        attempts, now = attempts + 1, nxt
    assert attempts == 21 and now == start + timedelta(hours=68, minutes=31, seconds=30)
