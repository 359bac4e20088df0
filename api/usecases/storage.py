"""One storage interface for uploaded files kept as bytes (evidence files of label applications).

Blobs are content-addressed: the key is the sha256 of the bytes, so a stored name never comes from
a client (no path traversal, no clash, no overwrite of other bytes). `FolderStore` keeps them in a
folder: `$CARBONLABEL_HOME/evidence` by default, or `CARBONLABEL_EVIDENCE_DIR` (a shared mount
when API workers run on several machines; any store with put/get/delete/exists fits the
`BlobStore` protocol, e.g. an object store). A write is atomic: the bytes go to a temporary file in
the target folder, are flushed to disk, then renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from api.errors import NotFound

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Stored:
    sha256: str
    created: bool  # False when the same bytes were stored already (nothing written)


class BlobStore(Protocol):
    def put(self, data: bytes) -> Stored: ...

    def get(self, sha256: str) -> bytes: ...

    def delete(self, sha256: str) -> None: ...

    def exists(self, sha256: str) -> bool: ...


def _checked(sha256: str) -> str:
    if not SHA256_HEX.fullmatch(sha256):
        raise NotFound(f"no stored file {sha256[:80]!r}")
    return sha256


class FolderStore:
    """Blobs as files `<root>/<ab>/<cd>/<sha256>` (two fan-out levels keep folders small)."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, sha256: str) -> Path:
        key = _checked(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> Stored:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self._path(sha256)
        if target.exists():
            return Stored(sha256, created=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)  # atomic on one filesystem: the whole file or none
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return Stored(sha256, created=True)

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"stored file {sha256} is missing from {self.root}") from None

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()
