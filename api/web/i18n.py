"""The three languages of the web pages: gettext catalogues (Babel) and locale-aware formats.

The `.po` files under `api/web/locales/` are the source; they are compiled to gettext's binary
form in memory when first used (Babel's `write_mo`), so an installed wheel needs no build step,
no network and no write access to its own folder. Extract and update the catalogues with
`bash scripts/web-messages.sh` after changing a message in a template or in `api/web/`.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
import datetime as dt
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from api.documents.pages import DEFAULT_SIGNIFICANT_DIGITS, significant

DOMAIN = "messages"
LANGUAGE_COOKIE = "carbonlabel_lang"
# for a client that says nothing about its languages (scripts, test clients): the one language
# every reader of the registry's identifiers can read; browsers always send Accept-Language
FALLBACK = "en"


@dataclass(frozen=True)
class Language:
    code: str  # what the cookie, the switcher and the catalogue folder use
    babel: str  # Babel locale: number and date formats
    html: str  # the lang attribute: picks the SC or TC CJK font (stack.md: zh-CN / zh-TW)
    name: str  # the language's own name, shown in the switcher
    accept: tuple[str, ...]  # Accept-Language tags negotiated to this language


LANGUAGES: dict[str, Language] = {
    "zh-Hans": Language("zh-Hans", "zh_Hans_CN", "zh-CN", "简体中文", ("zh_CN", "zh_Hans", "zh_SG", "zh")),
    "zh-Hant": Language("zh-Hant", "zh_Hant_TW", "zh-TW", "繁體中文", ("zh_TW", "zh_HK", "zh_MO", "zh_Hant")),
    "en": Language("en", "en_GB", "en", "English", ("en",)),
}


def catalogue_path(code: str) -> resources.abc.Traversable:
    return resources.files("api.web") / "locales" / code.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> gettext.GNUTranslations:
    """The compiled catalogue of one language (fuzzy entries are left out, as msgfmt does)."""
    with catalogue_path(code).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[code].babel, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def choose_language(*, cookie: str | None, accept_language: str | None) -> str:
    """The user's choice (cookie) first, then the browser's preference, then FALLBACK."""
    if cookie in LANGUAGES:
        return cookie
    if accept_language:
        accepted = {tag.lower(): language.code for language in LANGUAGES.values() for tag in language.accept}
        # in the browser's order; zh-Hant-HK -> zh_hant_hk, zh_hant, zh (the longest known prefix wins)
        for part in accept_language.split(","):
            subtags = part.split(";")[0].strip().replace("-", "_").lower().split("_")
            for end in range(len(subtags), 0, -1):
                code = accepted.get("_".join(subtags[:end]))
                if code:
                    return code
    return FALLBACK


@dataclass(frozen=True)
class Formats:
    """Numbers and dates written the way the reader's locale writes them."""

    code: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.code].babel)

    def number(self, value: float | int | Decimal | str | None, digits: int | None = None) -> str:
        """A number with the locale's grouping and decimal sign; `digits` fixes the fraction digits."""
        if value is None or value == "":
            return "—"
        number = Decimal(str(value))
        if isinstance(value, float) and number == number.to_integral_value():
            number = number.quantize(Decimal(1))  # a float 1.0 is shown as 1
        if digits is None:
            # keep every digit the value carries (no silent rounding of a certified figure)
            exponent = number.as_tuple().exponent
            places = max(0, -exponent) if isinstance(exponent, int) else 0
            pattern = "#,##0" + ("." + "0" * places if places else "")
        else:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(number, format=pattern, locale=self.locale)

    def significant(self, value: float | int | Decimal | str | None,
                    digits: int = DEFAULT_SIGNIFICANT_DIGITS) -> str:
        """A value rounded for people to `digits` significant figures (the JSON keeps it exact),
        written with the locale's grouping and decimal sign."""
        if value is None or value == "":
            return "—"
        return self.number(significant(value, digits))

    def percent(self, share: Decimal | float | str | None) -> str:
        """A share (0.2) as a percentage number (20), without trailing zeros; the template adds '%'."""
        if share is None or share == "":
            return "—"
        return self.number((Decimal(str(share)) * 100).normalize())

    def list(self, items: list[str], style: str = "standard") -> str:
        """'a, b and c' (style 'or': 'a, b or c') in the reader's language."""
        return format_list([str(item) for item in items], style=style, locale=self.locale)  # type: ignore[arg-type]  # babel names the styles as a Literal

    def date(self, value: dt.date | dt.datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: dt.datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=self.locale) + " UTC"
