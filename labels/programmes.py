"""Carbon-credit programmes as data (data/ledger/programmes.yaml): names, eligibility lists and their sources."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from labels.errors import RuleSetInvalid
from labels.ledger import CreditLot
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


# --- eligibility of a lot (neutral-finance.md §5 feature 4) ---------------------------------------------------

@dataclass(frozen=True)
class Finding:
    lot: str
    check: str  # programme | methodology | verifier | permanence
    refused: bool  # False: unproven (the programme's list was not found), reported, not refused
    detail: str


def lot_eligibility(lot: CreditLot, accepted: list[str], programmes: dict[str, Programme] | None = None) -> list[Finding]:
    """What stands against one lot: refused findings (not accepted, off a list, permanence not declared) and
    unproven ones (no list in the data to check against)."""
    programmes = programmes if programmes is not None else load_programmes()
    ref = lot.ref()
    p = programmes.get(lot.programme)
    if p is None or lot.programme not in accepted:
        why = "not in data/ledger/programmes.yaml" if p is None else "not accepted by this rule-set version"
        return [Finding(ref, "programme", True, f"programme {lot.programme!r} {why} (accepted: {', '.join(accepted)})")]
    out = []
    if p.methodologies is None:
        out.append(Finding(ref, "methodology", False, f"{lot.programme} has no methodology list in the data; "
                                                      f"{lot.methodology!r} unproven"))
    elif lot.methodology not in p.methodologies.values:
        out.append(Finding(ref, "methodology", True, f"methodology {lot.methodology!r} is not on the {lot.programme} "
                                                     f"allow-list {p.methodologies.values}"))
    if p.approved_verifiers is None:
        out.append(Finding(ref, "verifier", False, f"{lot.programme} has no approved-verifier list in the data; "
                                                   f"{lot.verifier or 'no verifier named'} unproven"))
    elif lot.verifier not in p.approved_verifiers.values:
        out.append(Finding(ref, "verifier", True, f"verifier {lot.verifier!r} is not approved by {lot.programme}"))
    reversible = (lot.methodology in p.reversible_methodologies.values
                  or (lot.project_type is not None and lot.project_type in p.reversible_project_types.values))
    if reversible and not lot.removal:
        out.append(Finding(ref, "permanence", True,
                           f"{lot.methodology} / {lot.project_type or 'no project type'} credits are removals that can be "
                           "reversed: declare the lot `removal: true` so a later reversal is counted"))
    return out


def ccer_power_conflicts(certificates: Sequence[tuple[str, str | None, int | None, str | None]],
                         lots: list[CreditLot]) -> list[str]:
    """Green certificates (serial, project id, vintage, CCER project id) for power that also earned CCER: refused.

    国能综通新能〔2024〕124号 (neutral-finance.md §2.3): power of a CCER project may not also trade green
    certificates; a certificate naming a CCER project, or sharing project and vintage with a CCER lot, is refused."""
    out = []
    for serial, project_id, vintage, ccer_project_id in certificates:
        if ccer_project_id:
            out.append(f"green certificate {serial}: its power is registered as CCER project {ccer_project_id}")
            continue
        for lot in lots:
            if lot.programme == "CCER" and project_id and lot.project_id == project_id and lot.vintage == vintage:
                out.append(f"green certificate {serial}: project {project_id} vintage {vintage} also earned CCER "
                           f"{lot.ref()}")
    return out
