"""Web pages without a browser: languages, catalogues, formats, public pages, registry search."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po

from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Formats, catalogue_path, choose_language
from api.web.pages import safe_next
from tests.api.helpers import certified

PAGES = ["/", "/registry", "/schemes", "/schemes/gd-carbon-label", "/schemes/carbon-trust"]


def _catalogue(code: str):  # type: ignore[no-untyped-def]
    with catalogue_path(code).open("rb") as po:
        return read_po(po)


@pytest.mark.parametrize("code", ["zh-Hans", "zh-Hant"])
def test_chinese_catalogues_translate_every_message(code: str) -> None:
    """Every message of the pages (the en catalogue holds all extracted ids) has a non-fuzzy
    translation with the same %(placeholders)s."""
    ids = {m.id for m in _catalogue("en") if m.id}
    catalogue = {m.id: m for m in _catalogue(code) if m.id}
    assert len(ids) > 100 and set(catalogue) == ids
    for message_id, message in catalogue.items():
        # a plural message has one form in Chinese (nplurals=1): compare it with the plural id
        text = message.string[0] if isinstance(message.string, tuple) else message.string
        source = message_id[-1] if isinstance(message_id, tuple) else message_id
        assert text and not message.fuzzy, f"{code}: {message_id!r} untranslated"
        assert sorted(set(re.findall(r"%\(\w+\)s", text))) == sorted(set(re.findall(r"%\(\w+\)s", source)))
        assert re.search(r"[\u4e00-\u9fff]", text), f"{code}: {message_id!r} -> {text!r}"


def test_language_choice_cookie_then_browser_then_english() -> None:
    assert choose_language(cookie="zh-Hant", accept_language="en-GB,en") == "zh-Hant"
    assert choose_language(cookie=None, accept_language="zh-CN,zh;q=0.9,en;q=0.8") == "zh-Hans"
    assert choose_language(cookie=None, accept_language="zh-HK,en;q=0.5") == "zh-Hant"
    assert choose_language(cookie=None, accept_language="zh-TW") == "zh-Hant"
    assert choose_language(cookie="xx", accept_language="fr-FR,zh;q=0.3") == "zh-Hans"
    assert choose_language(cookie=None, accept_language=None) == "en"


def test_numbers_and_dates_follow_the_locale() -> None:
    """CLDR: en_GB groups with ',' and writes '1 Mar 2025'; zh_Hans_CN writes '2025年3月1日';
    zh_Hant_TW '2025年3月1日' too. A certified value keeps every digit it carries."""
    assert Formats("en").number(Decimal("12345.60")) == "12,345.60"
    assert Formats("en").number("37.2") == "37.2"
    assert Formats("en").number(3.14159, 2) == "3.14"
    assert Formats("zh-Hans").number(Decimal("1234567")) == "1,234,567"
    assert Formats("en").percent("0.967") == "96.7"
    assert Formats("en").percent(Decimal("1") - Decimal("0.967")) == "3.3"
    assert Formats("en").date(date(2025, 3, 1)) == "1 Mar 2025"
    assert Formats("zh-Hans").date("2025-03-01T00:00:00Z") == "2025年3月1日"
    assert Formats("zh-Hant").date(date(2025, 3, 1)) == "2025年3月1日"
    assert Formats("zh-Hans").list(["A", "B"], "or") == "A或B"


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/registry?x=1", "/registry?x=1"), ("https://evil.example/", "/"), ("//evil.example", "/"),
     ("/\\evil.example", "/"), ("", "/"), (None, "/")],
)
def test_language_switch_only_returns_to_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_every_public_page_in_each_language(client) -> None:  # type: ignore[no-untyped-def]
    for path in PAGES:
        for code, language in LANGUAGES.items():
            page = client.get(path, cookies={LANGUAGE_COOKIE: code})
            assert page.status_code == 200, (path, code)
            assert f'<html lang="{language.html}">' in page.text
            assert page.headers["content-language"] == language.html
            assert "/static/vendor/htmx-2.0.11/htmx.min.js" in page.text
    assert "广东碳标签" in client.get("/schemes/gd-carbon-label", cookies={LANGUAGE_COOKIE: "zh-Hans"}).text
    assert "廣東碳標籤" in client.get("/schemes/gd-carbon-label", cookies={LANGUAGE_COOKIE: "zh-Hant"}).text


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_scheme_page_explains_the_tiers_with_the_rule_figures(client) -> None:  # type: ignore[no-untyped-def]
    """data/rules/gd-carbon-label/2025-03-01.yaml: T2 reduction_factor 0.967 -> 1 - 0.967 = 3.3 %;
    T3 grades A 0.70, B 0.85, C 1.00 of the benchmark -> 70 %, 85 %, 100 %; min_members 5;
    gate primary share 0.20 -> 20 %; T4 disabled; validity 24 months, surveillance 12."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/schemes/gd-carbon-label").text))
    assert "at least 3.3 % lower than the product's previous certified footprint" in text
    for grade, share in (("grade A", 70), ("grade B", 85), ("grade C", 100)):
        assert f"{grade}: at most {share} % of the benchmark" in text
    assert "at least 5 valid certificates" in text and "At least 20 % of the footprint" in text
    assert "Valid for 24 months, checked again every 12 months." in text
    assert "Carbon neutral" not in text  # T4 is off in this rule set
    zh = client.get("/schemes/gd-carbon-label", cookies={LANGUAGE_COOKIE: "zh-Hans"}).text
    assert "一级：不超过基准值的 70 %" in zh and "至少低 3.3 %" in zh
    assert client.get("/schemes/no-such-scheme").status_code == 404


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_language_link_sets_a_cookie_and_returns(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/language/zh-Hant", params={"next": "/schemes"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/schemes"
    cookie = answer.headers["set-cookie"]
    assert "carbonlabel_lang=zh-Hant" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert '<html lang="zh-TW">' in client.get("/schemes").text  # remembered
    assert client.get("/language/fr").status_code == 404
    assert client.get("/language/en", params={"next": "https://evil.example"}, follow_redirects=False).headers[
        "location"
    ] == "/"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_verification_page_in_three_languages(client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    english = client.get(f"/verify/{number}", headers={"Accept-Language": "en-GB"}).text
    assert 'id="status">valid<' in english and "LED desk lamp" in english and "37.2 kg CO₂e" in english
    simplified = client.get(f"/verify/{number}", headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="zh-CN">' in simplified and "证书核验" in simplified and "有效" in simplified
    traditional = client.get(f"/verify/{number}", cookies={LANGUAGE_COOKIE: "zh-Hant"}).text
    assert '<html lang="zh-TW">' in traditional and "證書核驗" in traditional
    missing = client.get("/verify/CL-2026-NOSUCH00", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and "本平台未签发编号为 CL-2026-NOSUCH00 的证书" in missing.text
    typed = client.get("/verify", params={"number": f" {number.lower()} "}, follow_redirects=False)
    assert typed.headers["location"] == f"/verify/{number}"


def test_registry_search_by_number_company_and_product(client, actors) -> None:  # type: ignore[no-untyped-def]
    """Runs on SQLite and PostgreSQL: the LIKE query, case-folding and literal wildcards."""
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    other = actors.add("other", "exporter", "Shenzhen Lamp 100% Ltd")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    bolt = certified(client, exporter, certifier, name="M8 steel bolt")["number"]
    lamp = certified(client, other, certifier, name="LED desk lamp")["number"]

    def numbers(**query: str) -> set[str]:
        page = client.get("/registry", params=query).text
        return set(re.findall(r'href="/verify/(CL-[0-9A-Z-]+)"', page))

    assert numbers(company="foshan") == {bolt}
    assert numbers(product="DESK") == {lamp}
    assert numbers(number=lamp[:10].lower()) >= {lamp}
    assert numbers(number=bolt) == {bolt}
    assert numbers(company="100%") == {lamp}
    assert numbers(company="1_0") == set()  # '_' is literal, not a wildcard
    assert numbers(company="foshan", product="lamp") == set()
    assert 'id="no-results"' in client.get("/registry", params={"company": "nobody"}).text
    assert 'id="results"' not in client.get("/registry").text  # no query, no list of everything
