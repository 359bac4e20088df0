"""An uploaded file as a path for the domain readers (which read files): checked, then written to a
temporary folder that is removed afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.errors import InvalidInput, PayloadTooLarge


@contextmanager
def saved_upload(filename: str, raw: bytes, *, allowed: tuple[str, ...], limit: int, what: str) -> Iterator[Path]:
    """The upload at a temporary path named like the original; InvalidInput for another suffix or
    an empty file, PayloadTooLarge above `limit` bytes."""
    name = Path(filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        choices = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
        raise InvalidInput(f"{name}: unsupported {what} format {suffix or '(none)'}; use {choices}")
    if len(raw) > limit:
        raise PayloadTooLarge(f"{name}: upload larger than {limit} bytes")
    if not raw:
        raise InvalidInput(f"{name}: the file is empty")
    with tempfile.TemporaryDirectory(prefix="carbonlabel-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        yield path
