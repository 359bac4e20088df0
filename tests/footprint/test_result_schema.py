import json
from pathlib import Path

from footprint.result import result_json_schema

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "footprint-result.schema.json"


def test_published_result_schema_matches_the_model() -> None:
    # regenerate with: python -m footprint.result docs/schemas/footprint-result.schema.json
    assert json.loads(SCHEMA.read_text()) == result_json_schema()


def test_a_computed_result_validates_against_the_published_schema(mini_snapshot, mini_bom) -> None:
    import jsonschema

    from footprint.engine import compute

    result = json.loads(compute(mini_bom, mini_snapshot, monte_carlo=20, seed=1).model_dump_json())
    jsonschema.validate(result, json.loads(SCHEMA.read_text()))
    result["total_kgco2e"] = "lots"
    try:
        jsonschema.validate(result, json.loads(SCHEMA.read_text()))
    except jsonschema.ValidationError:
        return
    raise AssertionError("a malformed result passed the schema")
