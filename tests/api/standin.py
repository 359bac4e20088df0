"""A stand-in for the footprint engine and the label rules, for the service's own workflow tests.

The service is tested against the real domain in test_e2e_http.py; here the numbers are small
enough to check by hand: the footprint is the sum over lines of quantity x supplier PCF.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from api.usecases.domain import BenchmarkSource, GradeOutcome
from api.usecases.engine import EngineDomain
from footprint.result import FootprintResult

SCHEME = "test-scheme"


def footprint_result(bom: dict[str, Any]) -> FootprintResult:
    product = bom["product"]
    total = 0.0
    lines = []
    for line in bom["lines"]:
        kg = line["quantity"] * line["supplier_pcf"]["kgco2e_per_unit"]
        total += kg
        lines.append(
            {
                "line_id": line["line_id"],
                "name": line["name"],
                "stage": line["stage"],
                "data_type": line["data_type"],
                "quantity": line["quantity"],
                "unit": line["unit"],
                "amount_per_declared_unit": line["quantity"],
                "source": "supplier_pcf",
                "kgco2e": kg,
                "share": 0.0,
            }
        )
    for entry in lines:
        entry["share"] = entry["kgco2e"] / total if total else 0.0
    return FootprintResult.model_validate(
        {
            "product_id": product["id"],
            "product_name": product["name"],
            "category": product["category"],
            "product_rule": product.get("product_rule"),
            "cn_code": product.get("cn_code"),
            "declared_unit": product["declared_unit"],
            "boundary": product["boundary"],
            "reference_period": product["reference_period"],
            "site_region": product["site_region"],
            "method": "AR6",
            "standard": "GB/T 24067-2024",
            "complete": True,
            "total_kgco2e": total,
            "pcf_excluding_biogenic_uptake": total,
            "pcf_including_biogenic_uptake": total,
            "fossil_kgco2e": total,
            "biogenic_kgco2e": 0.0,
            "biogenic_uptake_kgco2e": 0.0,
            "land_use_change_kgco2e": 0.0,
            "co2e_unsplit_kgco2e": total,
            "co2e_unsplit_share": 1.0,
            "by_gas": {"co2e_unsplit": total},
            "by_stage": {"raw_materials": total},
            "lines": lines,
            "factors": [],
            "hotspots": [],
            "sankey": {"nodes": [], "links": []},
            "exclusions": [],
            "exclusions_total_share": 0.0,
            "primary_data_share": 1.0,
            "unverified_share": 0.0,
            "electricity": {"method": "location", "site_region": product["site_region"]},
            "provenance": {
                "snapshot_name": "standin",
                "snapshot_hash": "0" * 64,
                "code_version": "test",
                "input_hash": "1" * 64,
            },
        }
    )


class StandInDomain(EngineDomain):
    """Real BOM reading; hand-checkable compute; a fixed T1 grade under one test scheme."""

    validity_days = 730
    surveillance_interval_days = 365

    def schemes(self) -> list[str]:
        return [SCHEME]

    def compute(
        self, bom: dict[str, Any], *, method: str, electricity: str, monte_carlo: int | None, seed: int | None
    ) -> FootprintResult:
        return footprint_result(bom)

    def benchmark_key(self, footprint: FootprintResult) -> str:
        unit = footprint.declared_unit
        return f"category:{footprint.category}|{unit.amount:g} {unit.unit}"

    def grade(
        self,
        footprint: FootprintResult,
        *,
        evidence: dict[str, Any],
        scheme: str,
        on: date,
        benchmarks: BenchmarkSource,
    ) -> GradeOutcome:
        if evidence.get("refuse"):
            return GradeOutcome(
                scheme=scheme,
                eligible=False,
                rule_set_version="test@1",
                validity_days=0,
                surveillance_interval_days=0,
                surveillance_grace_days=30,
                reasons=["G5: primary data missing"],
            )
        peers = benchmarks.members(self.benchmark_key(footprint), on)
        tier = evidence.get("tier", "T1")  # {"tier": "T3"}: a graded label (four eyes)
        return GradeOutcome(
            scheme=scheme,
            eligible=True,
            tier=tier,
            grade="A" if tier == "T3" else None,
            label={"zh-CN": "碳足迹标识", "zh-TW": "碳足跡標識", "en": "Footprint certified"},
            rule_set_version="test@1",
            validity_days=self.validity_days,
            surveillance_interval_days=self.surveillance_interval_days,
            surveillance_grace_days=30,
            explanation={"peers": [p.certificate_number for p in peers]},
        )


def sample_bom(name: str = "LED desk lamp", quantities: tuple[float, ...] = (2.0, 0.5)) -> dict[str, Any]:
    """Two supplier-PCF lines: 2 kg aluminium at 8.6 and 0.5 kg PCB at 40 -> 17.2 + 20 = 37.2 kg CO2e."""
    pcfs = (8.6, 40.0)
    return {
        "schema_version": "1",
        "product": {
            "id": "lamp-1",
            "name": name,
            "category": "lighting",
            "declared_unit": {"unit": "piece", "amount": 1},
            "boundary": "cradle-to-gate",
            "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
            "site_region": "CN-GD",
        },
        "lines": [
            {
                "line_id": f"l{i}",
                "name": f"part {i}",
                "quantity": q,
                "unit": "kg",
                "stage": "raw_materials",
                "data_type": "primary",
                "supplier_pcf": {"kgco2e_per_unit": pcf, "verified": True},
            }
            for i, (q, pcf) in enumerate(zip(quantities, pcfs, strict=True))
        ],
    }
