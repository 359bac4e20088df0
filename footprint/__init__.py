"""The life-cycle inventory engine: bill of materials -> product system -> footprint result.

Pure: it takes a published lcidb snapshot as data and never opens a database itself.
"""
