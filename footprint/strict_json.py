"""Strict JSON reading for every JSON document the project accepts (BOM files, evidence, request bodies).

Python's `json` (and pydantic's fast JSON path) accept things no document of ours may carry:
`NaN` and `Infinity` (not JSON at all), numbers that overflow to infinity (`1e400`), integers
too large for any other reader, duplicate keys (the last one silently wins, so two readers may
see two different documents), lone surrogates (not encodable as UTF-8: the database or the
response fails later) and NUL (PostgreSQL refuses it in text, SQLite stores it silently).
`loads_strict` refuses all of them with a stable `code`, and bounds depth, member count and
size, so a document that is read is also one that can be stored and shown.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from footprint.errors import FootprintError

# JSON integers beyond 2**53 are not exact in JavaScript or in any float-based reader: refuse them
# rather than let two readers of the same document see two numbers.
MAX_SAFE_INTEGER = 2**53

# NUL (PostgreSQL refuses it in text) and UTF-16 surrogates (a lone one cannot be encoded as UTF-8);
# a valid pair written as two \u escapes is joined by the parser, so any surrogate left is lone.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class JSONLimits:
    """Bounds of one JSON document (checked before anything is written)."""

    max_bytes: int
    max_depth: int
    max_members: int  # object keys plus array items, over the whole document


class InvalidJSON(FootprintError):
    """A JSON document is malformed or outside the limits; `code` is stable, `path` locates it."""

    def __init__(self, source: str, code: str, reason: str, *, parts: tuple[str | int, ...] | None = None,
                 line: int | None = None, column: int | None = None):
        self.source, self.code, self.reason, self.parts = source, code, reason, parts
        self.line, self.column = line, column
        where = f"line {line} column {column}" if line is not None else (self.path or "")
        super().__init__(f"{source}{', ' + where if where else ''}: {reason} [{code}]")


    @property
    def path(self) -> str | None:
        """'$.lines[1].quantity' style, or None when the error is not inside the document."""
        if self.parts is None:
            return None
        return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.parts)


class _Duplicated(dict):
    """An object that had a key twice; the walk reports it with its path."""

    duplicate: str = ""


class _HugeInteger(str):
    """The digits of an integer too long to convert; the walk reports it with its path."""


def _mark_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
    marked = _Duplicated(pairs)
    marked.duplicate = duplicate
    return marked


def _constant(name: str) -> float:
    # NaN / Infinity are kept as floats here and refused by the walk, which knows their path
    return float(name)


def _integer(text: str) -> int | _HugeInteger:
    # int() of a 5,000-digit string raises (and is slow below that): keep the text, refuse it later
    return _HugeInteger(text) if len(text) > 20 else int(text)


# An escaped NUL or surrogate in JSON text (a raw NUL is a JSON syntax error; raw surrogates are
# not UTF-8). Without limits, a document in which the parse hooks flagged nothing (no duplicate
# key, NaN, Infinity, overflow, huge integer) and with no such escape skips the walk: the BOM
# batch path reads 100,000 documents.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def loads_strict(data: str | bytes, *, source: str = "<json>", limits: JSONLimits | None = None) -> Any:
    """Parse JSON, refusing what `json.loads` lets through (see the module doc); InvalidJSON names why."""
    if limits is not None and len(data) > limits.max_bytes:
        raise InvalidJSON(source, "json.too_large",
                          f"the document has {len(data)} bytes; at most {limits.max_bytes} are accepted")
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InvalidJSON(source, "json.not_utf8", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    flagged: list[bool] = []

    def mark(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = _mark_duplicates(pairs)
        if type(out) is _Duplicated:
            flagged.append(True)
        return out

    def constant(name: str) -> float:
        flagged.append(True)
        return _constant(name)

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            flagged.append(True)
        return value

    def integer(literal: str) -> int | _HugeInteger:
        value = _integer(literal)
        if type(value) is _HugeInteger or abs(value) > MAX_SAFE_INTEGER:  # type: ignore[arg-type]
            flagged.append(True)
        return value

    try:
        value = json.loads(text, object_pairs_hook=mark, parse_constant=constant, parse_float=number,
                           parse_int=integer)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(source, "json.invalid", exc.msg, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise InvalidJSON(source, "json.too_deep", "the document is nested too deeply to read") from None
    if limits is not None or flagged or ("\\u" in text and _SUSPECT_ESCAPE.search(text) is not None):
        check_document(value, source=source, limits=limits)
    return value


def check_document(value: Any, *, source: str = "<json>", limits: JSONLimits | None = None) -> None:
    """Depth, member count and storable strings of an already parsed document (iterative: no recursion)."""
    members = 0
    # depth-first in document order, so the first error reported is the first in the file
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, parts = stack.pop()
        if isinstance(node, _HugeInteger) or (isinstance(node, int) and not isinstance(node, bool)
                                              and abs(node) > MAX_SAFE_INTEGER):
            raise InvalidJSON(source, "json.number_too_large",
                              f"the integer {str(node)[:24]}{'...' if len(str(node)) > 24 else ''} is beyond "
                              "±2**53 (no reader can hold it exactly)", parts=parts)
        if isinstance(node, str):
            _check_text(node, source, parts)
            continue
        if isinstance(node, float) and not math.isfinite(node):
            raise InvalidJSON(source, "json.non_finite",
                              f"{node} is not a finite number (NaN, Infinity or an overflow such as 1e400)",
                              parts=parts)
        if not isinstance(node, (dict, list)):
            continue
        if limits is not None and depth > limits.max_depth:
            raise InvalidJSON(source, "json.too_deep",
                              f"nested more than {limits.max_depth} levels deep", parts=parts)
        members += len(node)
        if limits is not None and members > limits.max_members:
            raise InvalidJSON(source, "json.too_many_members",
                              f"more than {limits.max_members} keys and array items", parts=parts)
        if isinstance(node, _Duplicated):
            raise InvalidJSON(source, "json.duplicate_key",
                              f"the key {node.duplicate!r} appears twice in one object (which one is meant?)",
                              parts=(*parts, node.duplicate))
        if isinstance(node, dict):
            for key, item in reversed(node.items()):
                _check_text(str(key), source, (*parts, key))
                stack.append((item, depth + 1, (*parts, key)))
        else:
            for k in range(len(node) - 1, -1, -1):
                stack.append((node[k], depth + 1, (*parts, k)))


def _check_text(text: str, source: str, parts: tuple[str | int, ...]) -> None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return
    if found.group() == "\x00":
        raise InvalidJSON(source, "json.nul_character", "a NUL character (\\u0000) in a string", parts=parts)
    raise InvalidJSON(source, "json.lone_surrogate",
                      f"a lone UTF-16 surrogate (\\u{ord(found.group()):04x}) in a string", parts=parts)


__all__ = ["InvalidJSON", "JSONLimits", "MAX_SAFE_INTEGER", "check_document", "loads_strict"]
