"""Property-based tests (hypothesis) over the evidence and CBAM line models: any JSON value is either
accepted as something storable and finite, or refused with a coded 4xx error, never a 500.

The BOM model has its own in tests/footprint/test_bom_plausibility.py.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.usecases.engine import EngineDomain
from api.errors import InvalidInput
from api.guards import STORED_LIMITS, check_stored
from footprint.strict_json import InvalidJSON, loads_strict

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10),
    st.sampled_from(["", " ", "\x00", "\ud800", "\u202e", "1e30", "NaN", "-1", "72083900", "2026-02-15"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=30)


def deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence=st.dictionaries(st.text(max_size=8), VALUES, max_size=5), depth=st.integers(0, 30))
def test_evidence_is_stored_only_when_it_can_be_read_back(evidence: dict[str, Any], depth: int) -> None:
    evidence = {**evidence, "nested": deep(depth)}
    try:
        check_stored("evidence", evidence)
    except InvalidInput as exc:
        assert exc.status_code == 422 and exc.code.startswith("document."), exc.code
        return
    # accepted: strict JSON round trip gives the same document, within the limits
    text = json.dumps(evidence, allow_nan=False)
    assert loads_strict(text, limits=STORED_LIMITS["evidence"]) == evidence


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_strict_reader_refuses_or_reads_any_text_with_a_code(text: str) -> None:
    try:
        loads_strict(text)
    except InvalidJSON as exc:
        assert exc.code.startswith("json."), exc.code


LINE = {"cn_code": "72083900", "country_of_origin": "CN", "net_mass_t": 100, "import_date": "2026-02-15"}
CBAM_FIELDS = ["cn_code", "country_of_origin", "net_mass_t", "import_date", "data_basis", "actual_see_t_per_t",
               "actual_sefa_t_per_t", "production_route", "carbon_price_paid_eur_per_t_good",
               "certificate_price_eur", "importer_id", "regime", "customs_value_gbp", "bom_ref"]
NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**40), 10**40),
                    st.sampled_from([1e30, 1e308, 1e-30, 0, -0.0, 5e-324]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(CBAM_FIELDS), value=st.one_of(NUMBERS, SCALARS))
def test_any_value_in_a_cbam_line_is_a_report_or_a_coded_422(field: str, value: Any) -> None:
    domain = EngineDomain()
    try:
        report = domain.cbam_exposure([{**LINE, field: value}], importer=None, prior_mass_t=None, projection=False)
    except InvalidInput as exc:
        assert exc.status_code == 422 and exc.code.startswith("cbam."), exc.code
        return
    for line in report.model_dump(mode="json")["lines"]:
        for key, number in line.items():
            if isinstance(number, float):
                assert math.isfinite(number), (key, number)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.dictionaries(st.sampled_from(["name", "category", "cn_code", "extra"]), VALUES, max_size=4),
                      VALUES),
       raw=st.sampled_from([None, '{"name": NaN}', '{"name": "a", "name": "b"}', '{"name": "\\ud800"}', "{",
                            '{"name": 1e400}', '{"name": "x", "category": "\\u202e"}', "[" * 600]))
def test_any_product_body_is_created_or_refused_with_a_code_never_500(client, actors, body, raw) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.credentials and actors.headers("exporter") if actors.credentials else actors.add(
        "exporter", "exporter", "Lamp Co")
    content = raw if raw is not None else json.dumps(body, allow_nan=True)
    answer = client.post("/v1/products", content=content, headers={**exporter, "Content-Type": "application/json"})
    assert answer.status_code in (201, 413, 422), (answer.status_code, answer.text)
    if answer.status_code != 201:
        assert "code" in answer.json()
    else:
        created = answer.json()
        assert created["name"].strip() and json.dumps(created, allow_nan=False)
