"""The life-cycle inventory engine: bill of materials -> product system -> footprint result.

Pure: it takes a published lcidb snapshot as data and never opens a database itself.

    from footprint import compute
    result = compute(bom, snapshot)            # FootprintResult
"""

from footprint.engine import compute, engine_for

__all__ = ["compute", "engine_for"]
