"""The PACT v3 OpenAPI schema (read from ../shared/data/pact, never copied into the project) as
JSON Schema 2020-12 validators, with $refs resolved inside the OpenAPI document."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import SHARED_DATA

PACT_DIR = SHARED_DATA / "pact"
V3_DIR = PACT_DIR / "v3"
V3_EXAMPLES = V3_DIR / "examples"
_URI = "urn:carbonlabel-tests:pact-v3-openapi"


@cache
def openapi(version: str = "v3") -> dict[str, Any]:
    return yaml.safe_load((PACT_DIR / version / "openapi.yaml").read_text(encoding="utf-8"))


@cache
def validator(schema_name: str, version: str = "v3") -> Draft202012Validator:
    """A validator for `#/components/schemas/<schema_name>` (formats checked: uuid, date-time)."""
    uri = f"{_URI}-{version}"
    resource = Resource.from_contents(openapi(version), default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(uri, resource)
    return Draft202012Validator({"$ref": f"{uri}#/components/schemas/{schema_name}"}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document: object, schema_name: str) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(schema_name).iter_errors(document)]


def v2_only_fields() -> dict[str, set[str]]:
    """Fields v2 defines and v3 does not, per object, computed from the two OpenAPI files."""
    v2, v3 = openapi("v2")["components"]["schemas"], openapi("v3")["components"]["schemas"]
    pairs = {"ProductFootprint": "ProductFootprint", "CarbonFootprint": "CarbonFootprint",
             "DataQualityIndicators": "DataQualityIndicators", "Assurance": "Verification"}
    return {new: set(v2[old]["properties"]) - set(v3[new]["properties"]) for old, new in pairs.items()}


def example(name: str) -> Any:
    import json

    return json.loads((V3_EXAMPLES / name).read_text(encoding="utf-8"))


def example_paths() -> list[Path]:
    return sorted(V3_EXAMPLES.glob("*.json"))
