"""JSON Schemas of the label wire formats, exported to docs/schemas/ (`python -m labels.schemas docs/schemas`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from labels.certificate_document import CertificateDocument
from labels.decision import Decision, RecognitionOutcome
from labels.inputs import Certificate, Evidence

SCHEMAS: dict[str, tuple[type[BaseModel], Literal["validation", "serialization"]]] = {
    "evidence.schema.json": (Evidence, "validation"),
    "certificate.schema.json": (Certificate, "validation"),
    "decision.schema.json": (Decision, "serialization"),
    "decision-recognition.schema.json": (RecognitionOutcome, "serialization"),
    # the document this service signs (read back by verification and recognition)
    "certificate-document.schema.json": (CertificateDocument, "validation"),
}


def schema_texts() -> dict[str, str]:
    return {
        name: json.dumps(model.model_json_schema(mode=mode), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, (model, mode) in SCHEMAS.items()
    }


def export(target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in export(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(p)
