"""Public pages (SQLite and PostgreSQL): the verification page names the declared unit in the page's
language (data/labels/unit_names.yaml: piece -> 件 in zh-Hans and zh-Hant), the registry too."""

from __future__ import annotations

import re

from api.web.i18n import LANGUAGE_COOKIE
from tests.api.helpers import certified


def _unit(html: str) -> str:
    found = re.search(r'<span id="declared-unit">([^<]*)</span>', html)
    assert found, html[:2000]
    return found.group(1)


def test_verification_page_prints_the_declared_unit_in_its_language(client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]  # the stand-in's declared unit: 1 piece
    pages = {code: client.get(f"/verify/{number}", cookies={LANGUAGE_COOKIE: code}).text
             for code in ("zh-Hans", "zh-Hant", "en")}
    assert (_unit(pages["zh-Hans"]), _unit(pages["zh-Hant"]), _unit(pages["en"])) == ("1件", "1件", "1 piece")
    assert "piece" not in pages["zh-Hans"] and "piece" not in pages["zh-Hant"]
    registry = client.get("/registry", params={"company": "lamp"}, cookies={LANGUAGE_COOKIE: "zh-Hans"}).text
    assert number in registry and "/ 1件" in registry and "piece" not in registry
