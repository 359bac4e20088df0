"""CN code -> CBAM sector, by longest prefix over the dated `scope` parameter (Annexes I and II)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tariffs.errors import UnknownCNCode


@dataclass(frozen=True)
class ScopeEntry:
    prefix: str
    sector: str
    emissions: str  # "direct" (Annex II goods) or "direct_and_indirect"


def classify(code: str, scope_rows: list[dict[str, Any]], line_no: int | None = None) -> ScopeEntry | None:
    """The scope entry of `code`, or None if out of scope (not listed, or an "except" line)."""
    finer = [str(r["prefix"]) for r in scope_rows if len(str(r["prefix"])) > len(code) and str(r["prefix"]).startswith(code)]
    if finer and not any(r.get("excluded") for r in scope_rows if str(r["prefix"]) in finer):
        # e.g. 2507 00 80: only TARIC 2507 00 80 80 (calcined clay) is in scope
        raise UnknownCNCode(
            line_no, "cn_code", code,
            f"only part of this code is in the CBAM scope; declare the 10-digit TARIC code ({', '.join(finer)})",
        )
    best: dict[str, Any] | None = None
    for row in scope_rows:
        prefix = str(row["prefix"])
        if code.startswith(prefix) and (best is None or len(prefix) > len(str(best["prefix"]))):
            best = row
    if best is None or best.get("excluded"):
        return None
    return ScopeEntry(prefix=str(best["prefix"]), sector=str(best["sector"]), emissions=str(best["emissions"]))
