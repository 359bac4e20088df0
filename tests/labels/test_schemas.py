"""docs/schemas/ holds the JSON Schemas the models produce (re-export with `python -m labels.schemas`)."""

from __future__ import annotations

from pathlib import Path

from labels.schemas import schema_texts

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_exported_schemas_are_current() -> None:
    for name, text in schema_texts().items():
        assert (DOCS / name).read_text(encoding="utf-8") == text, f"re-run: python -m labels.schemas docs/schemas ({name})"


def test_input_schemas_forbid_unknown_fields() -> None:
    import json

    for name in ("evidence.schema.json", "certificate.schema.json"):
        assert json.loads(schema_texts()[name])["additionalProperties"] is False
