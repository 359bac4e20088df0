"""Plausibility at the BOM door: every refusal has a stable code, a line and a field (issue 9).

Each case of the issue's "What was seen" that concerns a BOM is here: a supplier PCF of -1000,
quantity 1e300 / 1e308, `quantity: true`, duplicate keys, whitespace-only and bidi-override
names, lone surrogates and NUL. Property-based tests (hypothesis) check that any JSON value in
any line field gives a BOM or a BOMError, never another exception.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint.bom import (
    MAX_AMOUNT_PER_DECLARED_UNIT,
    MAX_PCF_PER_UNIT,
    MAX_QUANTITY,
    validate_bom,
    validate_bom_json,
)
from footprint.bom_io import read_bom_csv, write_bom_csv
from footprint.engine import compute
from footprint.errors import BOMError
from lcidb.snapshot import Snapshot
from tests.footprint.test_bom_model import bom, line


def refused(data: Any, code: str) -> BOMError:
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(BOMError) as info:
        validate_bom_json(text)
    codes = [info.value.code, *(o.code for o in info.value.others)]
    assert code in codes, (codes, str(info.value))
    return info.value


def pcf_line(line_id: str, **pcf: Any) -> dict[str, Any]:
    return line(line_id, unit="piece", supplier_pcf={"kgco2e_per_unit": 1.0, **pcf})


# ------------------------------------------------------------------ What was seen 1: negative PCF
def test_negative_supplier_emissions_are_refused_with_line_and_field() -> None:
    err = refused(bom(line("a"), pcf_line("pcf", kgco2e_per_unit=-1000)), "bom.negative_emissions")
    assert (err.line, err.field, err.value) == (1, "supplier_pcf.kgco2e_per_unit", -1000)


def test_uptake_and_removals_must_be_negative_or_zero() -> None:
    err = refused(bom(pcf_line("p", biogenic_uptake=2.0)), "bom.positive_removal")
    assert err.field == "supplier_pcf.biogenic_uptake"
    refused(bom(pcf_line("p", removals=0.5)), "bom.positive_removal")
    refused(bom(pcf_line("p", fossil=-0.1)), "bom.out_of_range")
    # fossil + biogenic split the emissions; more than the whole is impossible
    err = refused(bom(pcf_line("p", fossil=0.8, biogenic=0.4)), "bom.pcf_parts_exceed_emissions")
    assert err.line == 0


def test_uptake_and_removals_reach_the_result_in_their_own_fields(mini_snapshot: Snapshot) -> None:
    """Hand calculation: 2 pieces x (emissions 3.0 - uptake 1.0 - removals 0.5) = 3.0 kg CO2e;
    uptake 2 x -1.0 = -2.0; removals 2 x -0.5 = -1.0; fossil 2 x 2.5 = 5.0; unsplit 2 x 0.5 = 1.0."""
    data = bom(line("p", quantity=2, unit="piece", data_type="primary",
                    supplier_pcf={"kgco2e_per_unit": 3.0, "fossil": 2.5, "biogenic_uptake": -1.0, "removals": -0.5}))
    result = compute(validate_bom(data), mini_snapshot, hotspots=False)
    assert math.isclose(result.total_kgco2e, 3.0)
    assert math.isclose(result.biogenic_uptake_kgco2e, -2.0)
    assert math.isclose(result.removals_kgco2e, -1.0)
    assert math.isclose(result.fossil_kgco2e, 5.0)
    assert math.isclose(result.co2e_unsplit_kgco2e, 1.0)
    assert math.isclose(result.pcf_excluding_biogenic_uptake, 5.0)


def test_uptake_and_removals_round_trip_through_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bom(pcf_line("p", biogenic_uptake=-0.25, removals=-0.125))
    original = validate_bom(data)
    write_bom_csv(original, tmp_path / "b.csv", tmp_path / "p.json")
    again = read_bom_csv(tmp_path / "b.csv", tmp_path / "p.json")
    assert again == original
    assert again.lines[0].supplier_pcf.biogenic_uptake == -0.25  # type: ignore[union-attr]


# ------------------------------------------------------------------ magnitudes (issue 11 item 6)
@pytest.mark.parametrize("value", [1e300, 1e308, -1e300, MAX_QUANTITY * 1.01])
def test_absurd_quantities_name_the_limit(value: float) -> None:
    extra = {"credit": True} if value < 0 else {}
    err = refused(bom(line("a", quantity=value, **extra)), "bom.too_large")
    assert (err.line, err.field) == (0, "quantity")
    assert f"limit of {MAX_QUANTITY:g}" in str(err), str(err)


def test_quantities_multiplied_down_the_tree_are_bounded() -> None:
    """1e6 x 1e6 x 10 = 1e13 units per declared unit > MAX_AMOUNT_PER_DECLARED_UNIT (1e12)."""
    data = bom(line("a", quantity=1e6, unit="piece", assembly=True),
               line("b", "a", quantity=1e6, unit="piece", assembly=True),
               line("c", "b", quantity=10))
    err = refused(data, "bom.too_large")
    assert err.line == 2 and f"{MAX_AMOUNT_PER_DECLARED_UNIT:g}" in str(err)


def test_supplier_pcf_magnitude_is_bounded() -> None:
    refused(bom(pcf_line("p", kgco2e_per_unit=MAX_PCF_PER_UNIT * 10)), "bom.too_large")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_have_their_code_line_and_field(literal: str) -> None:
    head, _, tail = json.dumps(bom(line("a"), line("b"))).rpartition('"quantity": 1.0')
    text = head + f'"quantity": {literal}' + tail
    err = refused(text, "bom.non_finite")
    assert (err.line, err.field) == (1, "quantity")


def test_negative_quantity_outside_a_credit_line() -> None:
    err = refused(bom(line("a", quantity=-2)), "bom.negative_quantity")
    assert (err.line, err.field, err.value) == (0, "quantity", -2)
    refused(bom(line("a", quantity=2, credit=True)), "bom.credit_not_negative")


# ------------------------------------------------------------------ booleans, duplicate keys
def test_a_boolean_is_not_a_number() -> None:
    err = refused(bom(line("a", quantity=True)), "bom.boolean_as_number")
    assert (err.line, err.field) == (0, "quantity")
    refused(bom(line("a", credit=1)), "bom.not_a_boolean")


def test_duplicate_keys_are_refused_naming_where() -> None:
    head, _, tail = json.dumps(bom(line("a"), line("b"))).rpartition('"quantity": 1.0')
    text = head + '"quantity": 1.0, "quantity": 5' + tail
    err = refused(text, "bom.duplicate_key")
    assert (err.line, err.field) == (1, "quantity")
    err = refused('{"product": {}, "product": {}, "lines": []}', "bom.duplicate_key")
    assert err.field == "product"


# ------------------------------------------------------------------ names
@pytest.mark.parametrize(("name", "code"), [
    ("   ", "bom.blank_text"),
    ("\u3000", "bom.blank_text"),
    ("", "bom.blank_text"),
    ("bolt\u202etxt.exe", "bom.bidi_control"),
    ("bolt\u2066x", "bom.bidi_control"),
    ("bolt\x00", "bom.nul_character"),  # the strict JSON reader refuses NUL before the model sees it
    ("bolt\nnut", "bom.control_character"),
    ("bolt\x1b[31m", "bom.control_character"),
])
def test_names_refuse_blank_control_and_bidi_characters(name: str, code: str) -> None:
    err = refused(bom(line("a", name=name)), code)
    assert (err.line, err.field) == (0, "name")
    with pytest.raises(BOMError) as info:  # the model itself (CSV, XLSX, Python callers)
        validate_bom(bom(line("a", name=name)))
    assert info.value.code == code.replace("nul_character", "control_character")
    data = bom(line("a"))
    data["product"]["name"] = name
    err = refused(data, code)
    assert err.field == "product.name"


def test_nul_and_lone_surrogates_in_json_text_are_refused_before_validation() -> None:
    # as JSON escapes, which a parser turns into the characters themselves
    text = json.dumps(bom(line("a", name="NAME"))).replace("NAME", "bolt\\ud800")
    err = refused(text, "bom.lone_surrogate")
    assert (err.line, err.field) == (0, "name")
    text = json.dumps(bom(line("a", name="NAME"))).replace("NAME", "bolt\\u0000")
    refused(text, "bom.nul_character")


def test_a_valid_surrogate_pair_and_chinese_names_pass() -> None:
    data = bom(line("a", name="螺栓 M10 \U0001F529"))
    assert validate_bom_json(json.dumps(data)).lines[0].name == "螺栓 M10 \U0001F529"


# ------------------------------------------------------------------ property-based
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)
LINE_FIELDS = ["line_id", "parent_id", "name", "quantity", "unit", "stage", "data_type", "factor_id",
               "supplier_pcf", "transport", "credit", "uncertainty_sigma", "dqr", "cbam_role"]
PCF_FIELDS = ["kgco2e_per_unit", "fossil", "biogenic", "biogenic_uptake", "removals", "verified"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(LINE_FIELDS), value=JSON_VALUES)
def test_any_value_in_any_line_field_is_a_bom_or_a_coded_bom_error(field: str, value: Any) -> None:
    data = bom(line("a"), line("b", unit="piece", factor_id=None,
                                supplier_pcf={"kgco2e_per_unit": 1.0}) | {"factor_id": None})
    data["lines"][1].pop("factor_id")
    data["lines"][1][field] = copy.deepcopy(value)
    for run in (lambda: validate_bom(data), lambda: validate_bom_json(json.dumps(data))):
        try:
            result = run()
        except BOMError as exc:
            assert exc.code.startswith("bom.") and exc.code != "bom.invalid", (exc.code, str(exc))
            continue
        # whatever passed is finite, bounded and has no forbidden text
        for parsed in result.lines:
            assert math.isfinite(parsed.quantity) and abs(parsed.quantity) <= MAX_QUANTITY
            assert parsed.name.strip()


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(PCF_FIELDS), value=JSON_VALUES)
def test_any_value_in_a_supplier_pcf_is_coded(field: str, value: Any) -> None:
    data = bom(pcf_line("p"))
    data["lines"][0]["supplier_pcf"][field] = value
    try:
        parsed = validate_bom(data)
    except BOMError as exc:
        assert exc.code.startswith("bom.") and exc.code != "bom.invalid", (exc.code, str(exc))
        return
    pcf = parsed.lines[0].supplier_pcf
    assert pcf is not None and pcf.kgco2e_per_unit >= 0
    assert (pcf.biogenic_uptake or 0) <= 0 and (pcf.removals or 0) <= 0
