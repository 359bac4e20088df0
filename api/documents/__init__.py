"""Documents the service hands out: Jinja2 (autoescaped) pages rendered to WeasyPrint PDFs (certificates,
CBAM reports), label artwork, and the Ed25519 signing of certificate documents."""
