"""Carbon-credit programmes as data (data/ledger/programmes.yaml): names, eligibility lists and their sources."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from labels.errors import RuleSetInvalid
from labels.ruledata import load_yaml_strict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourcedList(_Strict):
    values: list[str]
    source: str | None = None
    proposal: str | None = None


class SourcedValue(_Strict):
    value: str
    source: str | None = None
    proposal: str | None = None


class Programme(_Strict):
    names: dict[str, str]
    registry: str
    source: str
    tco2e_per_unit: SourcedValue
    methodologies: SourcedList | None  # None: no allow-list found, the check is reported as unproven
    approved_verifiers: SourcedList | None
    reversible_methodologies: SourcedList
    reversible_project_types: SourcedList
    power_project_types: SourcedList
    gaps: list[str] = []

    @property
    def unit_tco2e(self) -> Decimal:
        return Decimal(self.tco2e_per_unit.value)


def programmes_file() -> Path:
    from lcidb.home import shipped_data_dir

    return shipped_data_dir() / "ledger" / "programmes.yaml"


@lru_cache(maxsize=4)
def load_programmes(path: Path | None = None) -> dict[str, Programme]:
    path = path or programmes_file()
    data: Any = load_yaml_strict(path)
    out = {}
    for pid, raw in (data or {}).get("programmes", {}).items():
        try:
            out[str(pid)] = Programme.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RuleSetInvalid(f"{path}: programmes.{pid}.{'.'.join(str(p) for p in first['loc'])}: "
                                 f"{first['msg']}") from None
    return out


def programme_names() -> dict[str, dict[str, str]]:
    return {pid: p.names for pid, p in load_programmes().items()}
