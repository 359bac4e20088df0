"""Rendering: Jinja2 (autoescaped) pages and WeasyPrint PDFs."""
