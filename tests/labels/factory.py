"""Valid test inputs with defaults, so each golden case states only what differs.

The default footprint (100 kg CO2e per piece) is built so hand calculations stay simple:
  leaf lines: steel 40 % (DQR 2,2,2), electricity 30 % (1,1,1), plastic 25 % (3,3,3), transport 5 % (4,4,4)
  emission-weighted DQR per indicator = 0.40*2 + 0.30*1 + 0.25*3 + 0.05*4 = 2.05  (limit 3.0)
  primary data share 0.35, one exclusion of 0.005, unverified share 0.
  Monte Carlo 95 % interval 99.0 .. 101.0 kg, half-width 1.0 kg (T2: a cut must exceed it).
The default evidence names an applicant (G11) whose data procedure runs since 2022-01-01 and a reduction plan (both before every case date).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from footprint.result import FootprintResult
from labels.benchmarks import BenchmarkMember, StaticBenchmarkProvider, benchmark_key

SNAPSHOT = "a" * 64
DEFAULT_ON = "2026-06-01"
BENCHMARK_KEY = benchmark_key("PR-TEST-001", "room_air_conditioner", 1.0, "piece")


def _line(line_id: str, name: str, data_type: str, factor: str, kg: float, dqr: float | None) -> dict:
    return {
        "line_id": line_id, "parent_id": None, "name": name, "stage": "raw_materials", "data_type": data_type,
        "quantity": 1.0, "unit": "kg", "amount_per_declared_unit": 1.0, "source": "factor", "factor_id": factor,
        "kgco2e": kg, "share": kg / 100.0,
        "dqr": None if dqr is None else {"technological": dqr, "temporal": dqr, "geographical": dqr},
    }


def _factor(fid: str, source: str, year: int, published: str, kg: float, status: str = "verified",
            category: str = "material") -> dict:
    return {"id": fid, "name": fid, "unit": "kg", "geography": "CN", "category": category, "source": source,
            "licence": "test", "year": year, "published": published, "status": status, "kgco2e": kg}


def default_footprint() -> dict[str, Any]:
    return {
        "product_id": "P-001", "product_name": "Split air conditioner (test)", "category": "room_air_conditioner",
        "product_rule": "PR-TEST-001", "declared_unit": {"unit": "piece", "amount": 1.0},
        "boundary": "cradle-to-gate", "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "site_region": "CN-GD", "method": "AR6", "standard": "GB/T 24067-2024", "complete": True,
        "total_kgco2e": 100.0, "pcf_excluding_biogenic_uptake": 100.0, "pcf_including_biogenic_uptake": 100.0,
        "fossil_kgco2e": 100.0, "biogenic_kgco2e": 0.0, "biogenic_uptake_kgco2e": 0.0, "land_use_change_kgco2e": 0.0,
        "co2e_unsplit_kgco2e": 0.0, "co2e_unsplit_share": 0.0, "by_gas": {"co2_fossil": 100.0},
        "by_stage": {"raw_materials": 100.0},
        "lines": [
            _line("steel", "Steel sheet", "secondary", "steel_sheet", 40.0, 2),
            _line("power", "Electricity", "primary", "elec_cn_gd_grid", 30.0, 1),
            _line("plastic", "ABS housing", "secondary", "abs", 25.0, 3),
            _line("truck", "Road freight", "secondary", "truck", 5.0, 4),
        ],
        "factors": [
            _factor("steel_sheet", "Dataset S", 2024, "2024-06-30", 40.0),
            _factor("elec_cn_gd_grid", "Project GD grid model", 2024, "2024-06-30", 30.0, category="electricity"),
            _factor("abs", "Dataset S", 2024, "2024-06-30", 25.0),
            _factor("truck", "Dataset T", 2023, "2023-06-20", 5.0),
        ],
        "hotspots": [], "sankey": {"nodes": [], "links": []},
        "exclusions": [{"name": "office supplies", "estimated_share": 0.005, "reason": "immaterial"}],
        "exclusions_total_share": 0.005, "primary_data_share": 0.35,
        "dqr": {"technological": 2.05, "temporal": 2.05, "geographical": 2.05},
        "unverified_share": 0.0,
        "uncertainty": {"iterations": 1000, "seed": 1, "mean": 100.0, "median": 100.0, "std": 0.5,
                        "p2_5": 99.0, "p97_5": 101.0},
        "electricity": {"method": "location", "site_region": "CN-GD", "grid_activity_id": "elec_cn_gd_grid", "kgco2e": 30.0},
        "provenance": {"snapshot_name": "default", "snapshot_hash": SNAPSHOT, "code_version": "0.1.0", "input_hash": "b" * 64},
    }


def default_evidence() -> dict[str, Any]:
    return {
        "product_id": "P-001", "declared_unit": {"unit": "piece", "amount": 1.0},
        "product_rule": {"id": "PR-TEST-001", "kind": "gd_group"}, "label_use": "b2b",
        "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "verifier": {"name": "Example Verification Co.", "accreditation_body": "CNAS", "accreditation_standard": "ISO 14065",
                     "accreditation_valid_until": "2028-12-31", "cnca_approved": False, "on_site_inspection": True,
                     "statement_id": "VS-1"},
        "offsets": {"netted_in_footprint": False, "retired": []},
        "electricity_instruments": [],
        "applicant": {"legal_entity_name": "Example Appliances Co., Ltd.", "registration_id": "91440000EXAMPLE001",
                      "data_procedure_since": "2022-01-01",
                      "reduction_plan": {"reference": "RP-2022-01", "adopted_on": "2022-01-01"}},
    }


def default_certificate() -> dict[str, Any]:
    return {
        "certificate_id": "CERT-1", "scheme": "cn-national-pcf", "tier": "T1", "issued": "2025-06-01",
        "valid_until": "2027-05-31", "product_id": "P-001", "category": "room_air_conditioner",
        "product_rule": {"id": "PR-TEST-001", "kind": "national"},
        "declared_unit": {"unit": "piece", "amount": 1.0}, "boundary": "cradle-to-gate", "standard": "GB/T 24067-2024",
        "total_kgco2e": "100", "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "electricity_method": "location", "offsets_netted": False,
        "verifier": default_evidence()["verifier"] | {"cnca_approved": True},
    }


def merge(base: Any, override: Any) -> Any:
    """Deep merge: mappings merge key by key, anything else (lists too) replaces; None deletes a key."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            if v is None:
                out[k] = None
            elif k in out:
                out[k] = merge(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
        return out
    return copy.deepcopy(override)


def remove(doc: dict, dotted: str) -> dict:
    doc = copy.deepcopy(doc)
    *parents, last = dotted.split(".")
    node = doc
    for p in parents:
        node = node[p]
    del node[last]
    return doc


def footprint(**override: Any) -> dict:
    doc = merge(default_footprint(), override)
    FootprintResult.model_validate(doc)  # the fixture itself must be a valid engine result
    return doc


def registry(values: list[Any], key: str = BENCHMARK_KEY) -> StaticBenchmarkProvider:
    """Members from a list of decimal strings (or full member dicts)."""
    members = []
    for i, v in enumerate(values, start=1):
        if isinstance(v, dict):
            members.append(BenchmarkMember.model_validate(v))
        else:
            members.append(BenchmarkMember(certificate_id=f"R{i}", total_kgco2e=str(v),
                                           issued=date(2025, 1, 1), valid_until=date(2027, 12, 31)))
    return StaticBenchmarkProvider({key: members})
