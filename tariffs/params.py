"""Dated tariff parameters read from YAML (`values: {2026-01-01: ..., ...}`), OpenFisca style.

A parameter file holds one regime (EU CBAM, UK CBAM). Each parameter has a unit, a legal source
and dated values; a value is in force from its date until the next one (or `valid_until`).
A value may be wrapped as `{value: X, status: assumption, note: ...}`: values not yet published
are assumptions, and reading one adds the parameter's `assumption_flag` to the caller's flags.
Numbers are read as Decimal (never float) so that 0.975 stays 0.975.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from lcidb.home import shipped_data_dir
from tariffs.errors import ParameterFileError, ParameterMissing

STATUSES = ("published", "corroborated", "assumption")
REGIME_FILES = {"EU": "eu_cbam.yaml", "UK": "uk_cbam.yaml", "SCENARIOS": "scenarios.yaml"}


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader that reads YAML floats and ints as Decimal (keys stay as YAML made them)."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.nodes.ScalarNode) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _construct_decimal)


def tariffs_data_dir() -> Path:
    return shipped_data_dir() / "tariffs"


@dataclass(frozen=True)
class DatedValue:
    start: date
    value: Any
    status: str
    note: str | None
    source: str


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    source: str
    assumption_flag: str | None
    valid_until: date | None
    values: tuple[DatedValue, ...]

    def at(self, when: date) -> DatedValue:
        if self.valid_until is not None and when > self.valid_until:
            raise ParameterMissing(
                f"parameter {self.name!r} has no value at {when.isoformat()} "
                f"(values end {self.valid_until.isoformat()})"
            )
        current: DatedValue | None = None
        for dated in self.values:  # sorted by start
            if dated.start <= when:
                current = dated
        if current is None:
            first = self.values[0].start.isoformat() if self.values else "never"
            raise ParameterMissing(
                f"parameter {self.name!r} has no value at {when.isoformat()} (first value from {first})"
            )
        return current


@dataclass(frozen=True)
class ParameterSet:
    regime: str
    version: str
    file: Path
    sha256: str
    parameters: dict[str, Parameter]

    def at(self, when: date) -> ParameterView:
        return ParameterView(self, when)

    def version_id(self) -> str:
        return f"{self.version}#{self.sha256[:12]}"


@dataclass
class ParameterView:
    """The parameters in force at one date. Records the assumption flags of what it has read."""

    parameter_set: ParameterSet
    when: date
    flags: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def dated(self, name: str) -> DatedValue:
        try:
            parameter = self.parameter_set.parameters[name]
        except KeyError:
            raise ParameterMissing(
                f"{self.parameter_set.file.name}: no parameter {name!r} (regime {self.parameter_set.regime})"
            ) from None
        dated = parameter.at(self.when)
        if dated.status == "assumption":
            if parameter.assumption_flag:
                self.flags.add(parameter.assumption_flag)
            note = f"{name} from {dated.start.isoformat()} is an assumption"
            if dated.note:
                note += f": {dated.note}"
            if note not in self.notes:
                self.notes.append(note)
        return dated

    def value(self, name: str) -> Any:
        return self.dated(name).value

    def __getitem__(self, name: str) -> Any:
        return self.value(name)


def _parse_date(raw: object, file: Path, name: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ParameterFileError(f"{file}: parameter {name!r}: bad date key {raw!r}") from None


def _parse_parameter(name: str, body: object, file: Path) -> Parameter:
    if not isinstance(body, dict):
        raise ParameterFileError(f"{file}: parameter {name!r} must be a mapping")
    for required in ("unit", "source", "values"):
        if required not in body:
            raise ParameterFileError(f"{file}: parameter {name!r} lacks {required!r}")
    raw_values = body["values"]
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterFileError(f"{file}: parameter {name!r}: 'values' must be a non-empty mapping")
    dated_values: list[DatedValue] = []
    for raw_start, entry in raw_values.items():
        start = _parse_date(raw_start, file, name)
        if isinstance(entry, dict) and "value" in entry:
            status = str(entry.get("status", "published"))
            if status not in STATUSES:
                raise ParameterFileError(
                    f"{file}: parameter {name!r} at {start}: status {status!r} not in {STATUSES}"
                )
            dated_values.append(
                DatedValue(start, entry["value"], status, entry.get("note"), str(entry.get("source", body["source"])))
            )
        else:
            dated_values.append(DatedValue(start, entry, "published", None, str(body["source"])))
    dated_values.sort(key=lambda d: d.start)
    valid_until = body.get("valid_until")
    return Parameter(
        name=name,
        description=str(body.get("description", "")),
        unit=str(body["unit"]),
        source=str(body["source"]),
        assumption_flag=body.get("assumption_flag"),
        valid_until=_parse_date(valid_until, file, name) if valid_until is not None else None,
        values=tuple(dated_values),
    )


def load_parameter_file(path: Path) -> ParameterSet:
    raw_bytes = path.read_bytes()
    try:
        document = yaml.load(raw_bytes.decode("utf-8"), Loader=_DecimalLoader)
    except yaml.YAMLError as exc:
        raise ParameterFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict) or "parameters" not in document:
        raise ParameterFileError(f"{path}: expected a mapping with 'regime', 'version' and 'parameters'")
    parameters = {
        str(name): _parse_parameter(str(name), body, path) for name, body in document["parameters"].items()
    }
    return ParameterSet(
        regime=str(document.get("regime", "")),
        version=str(document.get("version", "")),
        file=path,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        parameters=parameters,
    )


@lru_cache(maxsize=8)
def shipped_parameters(regime: str = "EU") -> ParameterSet:
    try:
        file_name = REGIME_FILES[regime]
    except KeyError:
        raise ParameterMissing(f"no parameter file for regime {regime!r} (known: {sorted(REGIME_FILES)})") from None
    return load_parameter_file(tariffs_data_dir() / file_name)


def params(at: date, regime: str = "EU") -> ParameterView:
    """The shipped parameters of `regime` in force at date `at`."""
    return shipped_parameters(regime).at(at)
