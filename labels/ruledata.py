"""Rule sets as dated data: strict YAML loading, version selection by date, parameter resolution.

Layout: `data/rules/<scheme>/<effective-from>.yaml`, one file per scheme version, plus
`data/rules/<scheme>/cases.yaml` (golden cases). Inside a version file every policy value is a
*dated leaf* (OpenFisca style)::

    single_max:
      unit: share of total PCF
      source: PAS 2050:2011 Annex B (labels.md §5) [V]      # or   proposal: "why"
      values:
        2022-06-28: "0.01"                                   # or   {value: "0.01", source: ...}

A *variant* (`variant: <name>` + `extends: <version>` in the header, e.g. `2025-12-01-t4.yaml`)
is a version a certification body chooses to offer: it takes every rule of the version it extends
and replaces the subtrees it states. It never takes part in the by-date choice of the default
versions; it is chosen as `<scheme>+<variant>` (the variant's version in force on the date) or
pinned as `<scheme>@<version>`. Its sha256 covers the base file's bytes and its own.

`params(on)` resolves every leaf to the value of the latest date on or before `on`. Dates stay
strings while parsing (no YAML timestamp magic), duplicate keys and float literals are rejected:
numbers that feed a rule are decimal strings so they reach `Decimal` unrounded.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from labels.errors import (
    NoValueOnDate,
    NoVersionInForce,
    RuleSetInvalid,
    UnknownScheme,
    UnknownVersion,
)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CASES_FILE = "cases.yaml"


def rules_dir() -> Path:
    from lcidb.home import shipped_data_dir

    return shipped_data_dir() / "rules"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings and refuses duplicate keys and floats."""


def _no_timestamp(loader: _StrictLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _no_float(loader: _StrictLoader, node: yaml.Node) -> Any:
    raise RuleSetInvalid(
        f"{loader.name}: line {node.start_mark.line + 1}: float literal {node.value!r}; "
        "write decimal numbers as quoted strings (e.g. \"0.70\") so they are read exactly"
    )


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise RuleSetInvalid(
                f"{loader.name}: line {key_node.start_mark.line + 1}: duplicate key {key!r} "
                f"(first on line {seen[key]})"
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamp)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _no_float)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def load_yaml_strict(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    loader = _StrictLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise RuleSetInvalid(f"{path}: {exc}") from exc
    finally:
        loader.dispose()


def _parse_date(raw: Any, where: str) -> date:
    if not isinstance(raw, str) or not _DATE_RE.match(raw):
        raise RuleSetInvalid(f"{where}: {raw!r} is not a YYYY-MM-DD date")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise RuleSetInvalid(f"{where}: {raw!r} is not a valid date ({exc})") from exc


@dataclass(frozen=True)
class Provenance:
    """Where a resolved value comes from: its parameter path, start date and source or proposal note."""

    path: str
    since: date
    source: str | None
    proposal: str | None

    def cite(self) -> str:
        basis = self.source if self.source else f"[P] proposal: {self.proposal}"
        return f"{self.path} (since {self.since.isoformat()}): {basis}"


@dataclass(frozen=True)
class _DatedEntry:
    since: date
    value: Any
    source: str | None
    proposal: str | None


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "values" in node


def _parse_leaf(node: dict, where: str) -> list[_DatedEntry]:
    allowed = {"values", "source", "proposal", "unit", "description", "note"}
    extra = set(node) - allowed
    if extra:
        raise RuleSetInvalid(f"{where}: unknown key(s) {sorted(extra)} in a dated value")
    values = node["values"]
    if not isinstance(values, dict) or not values:
        raise RuleSetInvalid(f"{where}.values: must be a non-empty mapping date -> value")
    entries = []
    for raw_date, raw in values.items():
        since = _parse_date(raw_date, f"{where}.values")
        source, proposal, value = node.get("source"), node.get("proposal"), raw
        if isinstance(raw, dict) and "value" in raw:
            extra = set(raw) - {"value", "source", "proposal", "note"}
            if extra:
                raise RuleSetInvalid(f"{where}.values.{raw_date}: unknown key(s) {sorted(extra)}")
            value = raw["value"]
            if "source" in raw or "proposal" in raw:
                source, proposal = raw.get("source"), raw.get("proposal")
        if not source and not proposal:
            raise RuleSetInvalid(
                f"{where}.values.{raw_date}: value has neither a source nor a proposal note"
            )
        entries.append(_DatedEntry(since, value, source, proposal))
    entries.sort(key=lambda e: e.since)
    return entries


@dataclass(frozen=True)
class DatedValue:
    """One dated leaf kept in a data file of its own (e.g. data/labels/unit_names.yaml), resolved like a rule."""

    path: Path
    name: str
    entries: tuple[_DatedEntry, ...]

    def on(self, day: date) -> tuple[Any, Provenance]:
        chosen = [e for e in self.entries if e.since <= day]
        if not chosen:
            raise NoValueOnDate(f"{self.path}: {self.name} has no value on or before {day.isoformat()} "
                                f"(first value from {self.entries[0].since.isoformat()})")
        entry = chosen[-1]
        return entry.value, Provenance(self.name, entry.since, entry.source, entry.proposal)


def load_dated_value(path: Path, name: str) -> DatedValue:
    """The dated leaf `name` at the top of a strict YAML file (same rules as a rule-set leaf)."""
    data = load_yaml_strict(path)
    if not isinstance(data, dict) or not _is_leaf(data.get(name)):
        raise RuleSetInvalid(f"{path}: expected a top-level dated value {name!r} (a mapping with `values:`)")
    return DatedValue(path, name, tuple(_parse_leaf(data[name], f"{path}: {name}")))


@dataclass
class RuleSet:
    """One version of one scheme's rules, as loaded from its YAML file."""

    scheme: str
    version: str
    kind: str
    path: Path
    sha256: str
    effective_from: date
    effective_until: date | None
    meta: dict[str, Any]
    variant: str | None = None  # None: a default version, chosen by date
    _leaves: dict[str, list[_DatedEntry]] = field(default_factory=dict)
    _tree: Any = None

    @property
    def version_ref(self) -> dict[str, str]:
        return {"scheme": self.scheme, "version": self.version, "sha256": self.sha256}

    @property
    def status(self) -> str:
        """`in_force` (published rules, with the project's proposals inside) or `proposal` (a modelled scheme)."""
        return str(self.meta.get("status", "in_force"))

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def params(self, on: date) -> tuple[dict[str, Any], dict[str, Provenance]]:
        """Every dated leaf resolved on `on`: a plain tree of values and a path -> provenance map."""
        provenance: dict[str, Provenance] = {}

        def resolve(node: Any, path: str) -> Any:
            if _is_leaf(node):
                entries = self._leaves[path]
                chosen = [e for e in entries if e.since <= on]
                if not chosen:
                    raise NoValueOnDate(
                        f"{self.path}: {path} has no value on or before {on.isoformat()} "
                        f"(first value from {entries[0].since.isoformat()})"
                    )
                entry = chosen[-1]
                provenance[path] = Provenance(path, entry.since, entry.source, entry.proposal)
                return entry.value
            if isinstance(node, dict):
                return {k: resolve(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()}
            return node

        return resolve(self._tree, ""), provenance


_HEADER_KEYS = {"scheme", "version", "kind", "status", "effective_from", "effective_until", "names", "description", "sources",
                "variant", "extends"}
_STATUSES = ("in_force", "proposal")  # `status: proposal` = a scheme modelled by the project, not published rules


def _overlay(base: Any, override: Any) -> Any:
    """A variant's rules over its base: mappings merge key by key; a dated leaf (or anything else) replaces."""
    if isinstance(base, dict) and isinstance(override, dict) and not _is_leaf(override):
        out = dict(base)
        for k, v in override.items():
            out[k] = _overlay(base[k], v) if k in base else v
        return out
    return override


def _base_of(path: Path, data: dict) -> tuple[dict, bytes]:
    """The YAML of the version a variant extends (a sibling file with that `version`), and its bytes."""
    wanted = str(data["extends"])
    for sibling in _version_files(path.parent):
        if sibling == path:
            continue
        other = load_yaml_strict(sibling)
        if isinstance(other, dict) and str(other.get("version")) == wanted:
            if other.get("extends") is not None:
                raise RuleSetInvalid(f"{path}: extends {wanted!r}, itself a variant ({sibling}); extend a default version")
            return other, sibling.read_bytes()
    raise RuleSetInvalid(f"{path}: extends version {wanted!r}, which no file in {path.parent} declares")


def parse_rule_set(path: Path) -> RuleSet:
    raw_bytes = path.read_bytes()
    data = load_yaml_strict(path)
    if not isinstance(data, dict):
        raise RuleSetInvalid(f"{path}: top level must be a mapping")
    if (data.get("variant") is None) != (data.get("extends") is None):
        raise RuleSetInvalid(f"{path}: a variant needs both `variant` and `extends` (got variant="
                             f"{data.get('variant')!r}, extends={data.get('extends')!r})")
    if data.get("extends") is not None:
        base, base_bytes = _base_of(path, data)
        for key in ("kind", "names", "description", "sources", "status"):
            if key in base:
                data.setdefault(key, base[key])
        data["rules"] = _overlay(base.get("rules", {}), data.get("rules", {}))
        raw_bytes = hashlib.sha256(base_bytes).hexdigest().encode() + b"\n" + raw_bytes
    for key in ("scheme", "version", "kind", "effective_from", "rules"):
        if key not in data:
            raise RuleSetInvalid(f"{path}: missing top-level field {key!r}")
    extra = set(data) - _HEADER_KEYS - {"rules"}
    if extra:
        raise RuleSetInvalid(f"{path}: unknown top-level field(s) {sorted(extra)}")
    if data["kind"] not in ("graded", "recognition_only", "display_only"):
        raise RuleSetInvalid(f"{path}: kind {data['kind']!r} is not graded, recognition_only or display_only")
    status = data.get("status", "in_force")
    if status not in _STATUSES:
        raise RuleSetInvalid(f"{path}: status {status!r} is not one of {', '.join(_STATUSES)}")
    until_raw = data.get("effective_until")
    rule_set = RuleSet(
        scheme=str(data["scheme"]),
        version=str(data["version"]),
        kind=data["kind"],
        path=path,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        effective_from=_parse_date(data["effective_from"], f"{path}: effective_from"),
        effective_until=None if until_raw is None else _parse_date(until_raw, f"{path}: effective_until"),
        meta={k: data.get(k) for k in ("names", "description", "sources")} | {"status": status},
        variant=None if data.get("variant") is None else str(data["variant"]),
    )
    leaves: dict[str, list[_DatedEntry]] = {}

    def walk(node: Any, where: str) -> None:
        if _is_leaf(node):
            leaves[where] = _parse_leaf(node, f"{path}: {where}")
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{where}.{k}" if where else str(k))
            return
        raise RuleSetInvalid(
            f"{path}: {where}: bare value {node!r}; every policy value must be dated "
            "(a mapping with `values:` and a source or proposal)"
        )

    walk(data["rules"], "")
    rule_set._leaves = leaves
    rule_set._tree = data["rules"]
    return rule_set


def scheme_ids(root: Path | None = None) -> list[str]:
    base = root or rules_dir()
    return sorted(p.name for p in base.iterdir() if p.is_dir() and any(_version_files(p)))


def _version_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name != CASES_FILE)


def scheme_versions(scheme: str, root: Path | None = None) -> list[RuleSet]:
    """Every version of `scheme`, parsed once per process for a given state of its folder: the
    cache key is the name, size and modification time of each file in the scheme's folder (a
    variant only reads its siblings), so an edited, added or removed rule file is parsed afresh
    and an unchanged folder is not re-parsed per request (parsing is tens of ms)."""
    base = root or rules_dir()
    return list(_scheme_versions(scheme, base, _folder_state(base / scheme)))


def _folder_state(folder: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries if e.is_file()))
    except OSError:
        return ()  # no such scheme: the uncached path raises UnknownScheme


@lru_cache(maxsize=64)
def _scheme_versions(scheme: str, base: Path, _state: tuple[tuple[str, int, int], ...]) -> tuple[RuleSet, ...]:
    folder = base / scheme
    if not folder.is_dir() or not _version_files(folder):
        known = ", ".join(scheme_ids(base))
        raise UnknownScheme(f"unknown scheme {scheme!r} (known: {known})")
    versions = [parse_rule_set(p) for p in _version_files(folder)]
    for rs in versions:
        if rs.scheme != scheme:
            raise RuleSetInvalid(f"{rs.path}: scheme {rs.scheme!r} does not match its folder {scheme!r}")
    versions.sort(key=lambda r: (r.variant or "", r.effective_from))
    for earlier, later in zip(versions, versions[1:]):
        if earlier.variant != later.variant:
            continue  # each variant is its own chain of dated versions
        if earlier.effective_until is None or earlier.effective_until >= later.effective_from:
            raise RuleSetInvalid(
                f"{earlier.path}: effective_until {earlier.effective_until} overlaps "
                f"{later.path} effective_from {later.effective_from}"
            )
    return tuple(versions)


def split_scheme_ref(ref: str) -> tuple[str, str | None]:
    """`gd-carbon-label` -> (id, None); `gd-carbon-label@2022.1` -> (id, "2022.1")."""
    scheme, _, version = ref.partition("@")
    return scheme, (version or None)


def split_variant(ref: str) -> tuple[str, str | None]:
    """`gd-carbon-label+carbon-neutral` -> (`gd-carbon-label`, `carbon-neutral`); no `+` -> (ref, None)."""
    scheme, _, variant = ref.partition("+")
    return scheme, (variant or None)


def load_rule_set(
    scheme: str, on: date | None = None, *, version: str | None = None, root: Path | None = None
) -> RuleSet:
    """The version of `scheme` in force on `on` (or the version with id `version`, also given as `scheme@version`).

    `scheme+variant` chooses among that variant's versions; a bare id only among the default versions."""
    scheme, pinned = split_scheme_ref(scheme)
    scheme, variant = split_variant(scheme)
    version = version or pinned
    versions = scheme_versions(scheme, root)
    if version is not None:
        for rs in versions:
            if rs.version == version:
                if on is not None and not rs.in_force(on):
                    raise NoVersionInForce(
                        f"scheme {scheme!r} version {version!r} is in force "
                        f"{rs.effective_from}..{rs.effective_until or 'open'}, not on {on.isoformat()}"
                    )
                return rs
        known = ", ".join(rs.version for rs in versions)
        raise UnknownVersion(f"scheme {scheme!r} has no version {version!r} (versions: {known})")
    if on is None:
        raise NoVersionInForce(f"scheme {scheme!r}: give a date or a version")
    if variant is not None and not any(rs.variant == variant for rs in versions):
        offered = sorted({rs.variant for rs in versions if rs.variant}) or ["none"]
        raise UnknownVersion(f"scheme {scheme!r} has no variant {variant!r} (variants: {', '.join(offered)})")
    versions = [rs for rs in versions if rs.variant == variant]
    for rs in versions:
        if rs.in_force(on):
            return rs
    if variant is not None:
        scheme = f"{scheme}+{variant}"
    spans = "; ".join(f"{rs.version}: {rs.effective_from}..{rs.effective_until or 'open'}" for rs in versions)
    raise NoVersionInForce(f"scheme {scheme!r} has no version in force on {on.isoformat()} ({spans})")
