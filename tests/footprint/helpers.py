"""A BOM for tests: one product (1 piece, cradle-to-gate, 2025, Guangdong) and the given lines."""

from __future__ import annotations

from typing import Any

from footprint.bom import BOM, validate_bom


def factor_line(line_id: str, factor_id: str, quantity: float, unit: str = "kg", stage: str = "raw_materials",
                **extra: Any) -> dict[str, Any]:
    return {"line_id": line_id, "name": line_id, "quantity": quantity, "unit": unit, "stage": stage,
            "data_type": "secondary", "factor_id": factor_id, **extra}


def bom_dict(lines: list[dict[str, Any]], product_id: str = "test") -> dict[str, Any]:
    return {"product": {"id": product_id, "name": product_id, "category": "test",
                        "declared_unit": {"unit": "piece", "amount": 1}, "boundary": "cradle-to-gate",
                        "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": "CN-GD"},
            "lines": lines}


def product_bom(lines: list[dict[str, Any]], product_id: str = "test") -> BOM:
    return validate_bom(bom_dict(lines, product_id))
