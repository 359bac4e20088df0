"""The schemes the service knows, with the version in force on a date."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from labels.ruledata import scheme_ids, scheme_versions


class SchemeInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    status: str
    names: dict[str, str]
    version: str | None
    effective_from: date | None
    effective_until: date | None
    sha256: str | None
    versions: list[str]
    variants: dict[str, str | None] = {}  # variant name -> its version in force on the date (chosen as `id+variant`)


def list_schemes(on: date) -> list[SchemeInfo]:
    out = []
    for scheme in scheme_ids():
        every = scheme_versions(scheme)
        versions = [v for v in every if v.variant is None]
        current = next((v for v in versions if v.in_force(on)), None)
        shown = current or versions[-1]
        variants: dict[str, str | None] = {}
        for v in every:
            if v.variant is not None:
                variants.setdefault(v.variant, None)
                if v.in_force(on):
                    variants[v.variant] = v.version
        out.append(SchemeInfo(
            id=scheme, kind=shown.kind, status=shown.status, names=dict(shown.meta.get("names") or {}),
            version=current.version if current else None,
            effective_from=current.effective_from if current else None,
            effective_until=current.effective_until if current else None,
            sha256=current.sha256 if current else None,
            versions=[v.version for v in versions],
            variants=variants,
        ))
    return out
