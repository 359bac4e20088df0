"""ASGI entry point for `uvicorn api.http.asgi:app` (what `carbonlabel serve` runs, one app per worker)."""

from __future__ import annotations

import os

from api.http.app import create_app
from api.settings import DEV_PORT, load_settings

app = create_app(
    load_settings(
        embedded=os.environ.get("CARBONLABEL_EMBEDDED") == "1",
        port=int(os.environ.get("CARBONLABEL_PORT", DEV_PORT)),
    ),
    # each worker computes once before serving (api/http/warmup.py); CARBONLABEL_WARM_UP=0 turns it off
    warm=os.environ.get("CARBONLABEL_WARM_UP", "1") != "0",
)
