"""The life-cycle inventory engine: bill of materials -> product system -> footprint result.

Pure: it takes a published lcidb snapshot as data and never opens a database itself.

    from footprint import compute
    result = compute(bom, snapshot)            # FootprintResult
"""

from __future__ import annotations

from typing import Any

__all__ = ["compute", "engine_for"]


def __getattr__(name: str) -> Any:
    """Imported on first use, so `footprint.columnar` (the batch path) starts without the
    pydantic models footprint.engine builds on."""
    if name in __all__:
        from footprint import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'footprint' has no attribute {name!r}")
