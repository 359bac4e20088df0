"""The BOM model: valid BOMs, graph helpers and every kind of bad input (errors name the line)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from footprint.bom import BOM, MAX_DEPTH, MAX_LINES, bom_json_schema, validate_bom, validate_bom_json
from footprint.bom_io import read_bom_json_text
from footprint.errors import BOMError, BOMTooDeep, BOMTooLarge, CyclicBOM, FootprintError, UnitMismatch

REPO = Path(__file__).resolve().parents[2]


def product() -> dict[str, Any]:
    return {
        "id": "p1", "name": "Test lamp", "category": "lighting",
        "declared_unit": {"unit": "piece", "amount": 1},
        "boundary": "cradle-to-gate",
        "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "site_region": "CN-GD",
    }


def line(line_id: str, parent: str | None = None, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"line_id": line_id, "name": f"line {line_id}", "quantity": 1.0, "unit": "kg",
                            "stage": "raw_materials", "data_type": "secondary"}
    if parent is not None:
        base["parent_id"] = parent
    if not ({"factor_id", "supplier_pcf", "transport"} & kw.keys()) and not kw.pop("assembly", False):
        base["factor_id"] = "mat_steel"
    base.update(kw)
    return base


def bom(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"product": product(), "lines": list(lines), **extra}


def tree() -> dict[str, Any]:
    # lamp (assembly) -> driver (assembly) -> pcb, chip; lamp -> housing; top-level truck leg
    return bom(
        line("lamp", unit="piece", assembly=True),
        line("driver", "lamp", unit="piece", assembly=True),
        line("pcb", "driver", quantity=0.012),
        line("housing", "lamp", quantity=0.02, factor_id="mat_pp"),
        line("chip", "driver", quantity=12, unit="piece",
             supplier_pcf={"kgco2e_per_unit": 0.0035, "verified": True}),
        line("truck", unit="piece", stage="transport",
             transport={"mode": "truck", "distance_km": 120, "mass_kg": 0.065}),
    )


def test_valid_tree_helpers() -> None:
    b = validate_bom(tree())
    assert [x.line_id for x in b.roots()] == ["lamp", "truck"]
    assert [x.line_id for x in b.children_of("driver")] == ["pcb", "chip"]
    assert b.children_of("pcb") == []
    order = [x.line_id for x in b.topological_order()]
    # pre-order, file order among siblings
    assert order == ["lamp", "driver", "pcb", "chip", "housing", "truck"]
    pos = {lid: k for k, lid in enumerate(order)}
    for x in b.lines:
        if x.parent_id is not None:
            assert pos[x.parent_id] < pos[x.line_id]
    assert (b.depth_of("lamp"), b.depth_of("driver"), b.depth_of("chip")) == (1, 2, 3)
    assert {x.line_id: x.kind for x in b.lines} == {
        "lamp": "children", "driver": "children", "pcb": "factor", "housing": "factor",
        "chip": "supplier_pcf", "truck": "transport"}
    # 0.065 kg over 120 km = 0.065 / 1000 * 120 = 0.0078 t·km
    assert b.line("truck").transport.tkm == pytest.approx(0.0078)  # type: ignore[union-attr]
    assert [x.line_id for x in b.iter_leaves()] == ["pcb", "chip", "housing", "truck"]


def test_json_fast_path_equals_python_path() -> None:
    data = tree()
    a = validate_bom(data)
    b = validate_bom_json(json.dumps(data))
    c = BOM.model_validate_json(json.dumps(data))
    assert a == b == c
    assert [x.line_id for x in c.topological_order()] == [x.line_id for x in a.topological_order()]


def test_model_copy_rebuilds_graph() -> None:
    b = validate_bom(tree())
    copied = BOM.model_construct(**dict(b))
    assert [x.line_id for x in copied.roots()] == ["lamp", "truck"]


def test_cycle_shows_path() -> None:
    data = bom(line("a", "c", assembly=True), line("b", "a", assembly=True), line("c", "b", assembly=True),
               line("top", unit="kg"))
    with pytest.raises(CyclicBOM) as info:
        validate_bom(data)
    # a's parent is c, c's parent is b, b's parent is a
    assert info.value.cycle == ["a", "c", "b", "a"]
    assert "a -> c -> b -> a" in str(info.value)
    assert info.value.line == 0 and "lines[0]" in str(info.value)


def test_self_parent_is_a_cycle() -> None:
    with pytest.raises(CyclicBOM) as info:
        validate_bom(bom(line("ok"), line("x", "x", assembly=True)))
    assert info.value.cycle == ["x", "x"]
    assert info.value.line == 1


def chain(levels: int) -> dict[str, Any]:
    lines = [line("l1", unit="piece", assembly=True)]
    for k in range(2, levels):
        lines.append(line(f"l{k}", f"l{k - 1}", unit="piece", assembly=True))
    lines.append(line(f"l{levels}", f"l{levels - 1}"))
    return bom(*lines)


def test_depth_limit() -> None:
    assert MAX_DEPTH == 50
    assert validate_bom(chain(50)).depth_of("l50") == 50
    with pytest.raises(BOMTooDeep) as info:
        validate_bom(chain(51))
    assert info.value.line_id == "l51" and info.value.line == 50
    assert "51 levels deep" in str(info.value)


def test_line_count_limit() -> None:
    assert MAX_LINES == 100_000
    one = line("x")
    data = bom(*[{**one, "line_id": f"x{k}"} for k in range(MAX_LINES + 1)])
    with pytest.raises(BOMTooLarge) as info:
        validate_bom(data)
    assert "100001 lines" in str(info.value)


@pytest.mark.parametrize("unit", ["kgs", "furlong", ""])
def test_unknown_unit(unit: str) -> None:
    with pytest.raises(UnitMismatch) as info:
        validate_bom(bom(line("a"), line("b", unit=unit)))
    assert info.value.field == "unit" and info.value.line == 1


def test_transport_leg_must_be_counted_in_pieces() -> None:
    with pytest.raises(UnitMismatch) as info:
        validate_bom(bom(line("t", unit="kg", transport={"mode": "truck", "distance_km": 10, "mass_kg": 1})))
    assert info.value.line_id == "t" and "count" in info.value.reason


def test_unknown_declared_unit() -> None:
    data = bom(line("a"))
    data["product"]["declared_unit"]["unit"] = "crate"
    with pytest.raises(UnitMismatch) as info:
        validate_bom(data)
    assert info.value.field == "product.declared_unit.unit"


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_inf_rejected_from_json_text(text: str) -> None:
    raw = json.dumps(bom(line("a"), line("b")))
    # put the bad literal into lines[1].quantity (the last "quantity" in the document)
    head, _, tail = raw.rpartition('"quantity": 1.0')
    raw = head + f'"quantity": {text}' + tail
    with pytest.raises(BOMError) as info:
        read_bom_json_text(raw, source="x.json")
    err = info.value
    assert (err.source, err.line, err.field) == ("x.json", 1, "quantity")
    assert "finite" in err.reason


def test_nan_in_nested_fields_rejected() -> None:
    bad = line("s", supplier_pcf={"kgco2e_per_unit": float("nan")})
    with pytest.raises(BOMError) as info:
        validate_bom(bom(bad))
    assert info.value.field == "supplier_pcf.kgco2e_per_unit"
    with pytest.raises(BOMError):
        validate_bom(bom(line("t", unit="piece", transport={"mode": "sea", "distance_km": float("inf"),
                                                             "mass_kg": 1})))


def test_negative_quantity_needs_credit() -> None:
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a"), line("scrap", quantity=-0.05)))
    assert (info.value.line, info.value.field, info.value.value) == (1, "quantity", -0.05)
    ok = validate_bom(bom(line("a"), line("scrap", quantity=-0.05, credit=True)))
    assert ok.line("scrap").credit
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a"), line("scrap", quantity=0.05, credit=True)))
    assert "must have a negative quantity" in info.value.reason


def test_duplicate_line_id() -> None:
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a"), line("b"), line("a")))
    assert (info.value.line, info.value.field, info.value.value) == (2, "line_id", "a")
    assert "first at lines[0]" in info.value.reason


@pytest.mark.parametrize("value", [None, ""])
def test_missing_line_id(value: str | None) -> None:
    bad = line("b")
    if value is None:
        del bad["line_id"]
    else:
        bad["line_id"] = value
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a"), bad))
    assert (info.value.line, info.value.field) == (1, "line_id")


def test_missing_parent() -> None:
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a"), line("b", "nope")))
    assert (info.value.line, info.value.field, info.value.value) == (1, "parent_id", "nope")
    assert info.value.line_id == "b"


def test_exactly_one_source() -> None:
    with pytest.raises(BOMError, match="none of factor_id"):
        validate_bom(bom(line("a", assembly=True)))
    with pytest.raises(BOMError, match="more than one of factor_id, supplier_pcf"):
        validate_bom(bom(line("a", factor_id="x", supplier_pcf={"kgco2e_per_unit": 1})))
    with pytest.raises(BOMError, match="more than one of factor_id, child lines") as info:
        validate_bom(bom(line("a", factor_id="x"), line("b", "a")))
    assert info.value.line_id == "a"


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a", qty=3)))
    assert (info.value.line, info.value.field, info.value.reason) == (0, "qty", "unknown field")
    data = bom(line("a"))
    data["product"]["colour"] = "red"
    with pytest.raises(BOMError) as info:
        validate_bom(data)
    assert info.value.field == "product.colour"


@pytest.mark.parametrize("role,ok", [
    ("direct_fuel", True), ("process", True), ("electricity", True), ("excluded", True),
    ("precursor:7208", True), ("precursor:720851", True), ("precursor:72085120", True),
    ("precursor:2523100010", True), ("precursor:252310001", False), ("precursor:252310001000", False),
    ("precursor:", False), ("precursor:72x8", False), ("precursor:7208512", False), ("fuel", False),
])
def test_cbam_role(role: str, ok: bool) -> None:
    data = bom(line("a", cbam_role=role))
    if ok:
        assert validate_bom(data).lines[0].cbam_role == role
    else:
        with pytest.raises(BOMError) as info:
            validate_bom(data)
        assert info.value.field == "cbam_role"


def test_dqr_scale_and_sigma() -> None:
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a", dqr={"technological": 0, "temporal": 2, "geographical": 2})))
    assert info.value.field == "dqr.technological"
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a", uncertainty_sigma=0)))
    assert info.value.field == "uncertainty_sigma"


def test_product_checks() -> None:
    data = bom(line("a"))
    data["product"]["reference_period"] = {"start": "2025-12-31", "end": "2025-01-01"}
    with pytest.raises(BOMError, match="ends before it starts"):
        validate_bom(data)
    data = bom(line("a"))
    data["product"]["electricity_instruments"] = [{"mwh": 10, "technology": "pv", "region": "CN-GD",
                                                   "vintage": 2025}]
    with pytest.raises(BOMError, match="need site_electricity_mwh and production_volume"):
        validate_bom(data)
    data["product"].update(site_electricity_mwh=8, production_volume=1000)
    with pytest.raises(BOMError, match="double claim"):
        validate_bom(data)
    data["product"]["site_electricity_mwh"] = 10  # exactly covered is fine
    assert validate_bom(data).product.electricity_instruments[0].mwh == 10


def test_empty_bom() -> None:
    with pytest.raises(BOMError, match="no lines"):
        validate_bom(bom())


def test_all_errors_reported_together() -> None:
    with pytest.raises(BOMError) as info:
        validate_bom(bom(line("a", quantity=-1), line("b", unit="kgs"), line("c", assembly=True)))
    err = info.value
    found = [(e.line, e.field) for e in [err, *err.others]]
    assert found == [(0, "quantity"), (1, "unit"), (2, None)]
    assert "and 2 more errors" in str(err)


def test_errors_are_footprint_errors() -> None:
    for cls in (BOMError, CyclicBOM, BOMTooDeep, BOMTooLarge, UnitMismatch):
        assert issubclass(cls, FootprintError)


def test_equality_ignores_source() -> None:
    data = tree()
    a = read_bom_json_text(json.dumps(data), source="a.json")
    b = read_bom_json_text(json.dumps(data), source="b.json")
    assert a == b and a.locator.source != b.locator.source
    data["lines"][2]["quantity"] = 0.013
    assert read_bom_json_text(json.dumps(data)) != a


def test_committed_schema_is_current() -> None:
    committed = json.loads((REPO / "docs" / "schemas" / "bom.schema.json").read_text(encoding="utf-8"))
    assert committed == bom_json_schema(), "regenerate: python -m footprint.bom docs/schemas/bom.schema.json"


def test_schema_forbids_extra_keys() -> None:
    schema = bom_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["BOMLine"]["additionalProperties"] is False


def test_deepcopy_safe() -> None:
    data = tree()
    before = copy.deepcopy(data)
    validate_bom(data)
    assert data == before  # validation never mutates the input


def test_model_copy_with_new_lines_rebuilds_graph() -> None:
    b = validate_bom(tree())
    fewer = b.model_copy(update={"lines": [x for x in b.lines if x.line_id != "truck"]})
    assert [x.line_id for x in fewer.roots()] == ["lamp"]
    assert [x.line_id for x in b.roots()] == ["lamp", "truck"]
