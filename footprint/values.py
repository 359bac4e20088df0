"""The footprint's value types, one definition each: the BOM reads them and the result writes them.

Text is checked (not blank, no control, bidi-override or surrogate characters) and numbers are finite,
wherever a BOM, a footprint result or a label dossier carries them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from footprint.limits import MAX_MAGNITUDE, MAX_TEXT_LENGTH

# Control characters (C0, DEL, C1: NUL, newlines, escapes), bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069: "bolt\u202etxt.exe" displays as "bolt exe.txt") and
# UTF-16 surrogates (a lone one cannot be encoded as UTF-8) have no place in a name or an id.
_FORBIDDEN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text_problem(value: str) -> tuple[str, str] | None:
    """(error type, message) when `value` is no acceptable name or id, else None."""
    if not value.strip():
        return "blank_text", "blank or whitespace-only text"
    found = _FORBIDDEN_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return "bidi_control", f"a bidi override character (U+{ord(char):04X}) in text"
    if "\ud800" <= char <= "\udfff":
        return "lone_surrogate", f"a lone UTF-16 surrogate (U+{ord(char):04X}) in text"
    return "control_character", f"a control character (U+{ord(char):04X}) in text"


def check_text(value: str) -> str:
    """A name or id: not blank, no control, bidi-override or surrogate characters (pydantic validator)."""
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError(problem[0], problem[1])
    return value


_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def check_free_text(value: str) -> str:
    """A reason or note: as check_text, but line breaks and tabs are allowed (pydantic validator)."""
    problem = text_problem(value.translate(_LINE_BREAKS))
    if problem is not None:
        raise PydanticCustomError(problem[0], problem[1])
    return value


# strict: `true` is not 1; allow_inf_nan=False: NaN and infinity never enter a calculation
Finite = Annotated[float, Strict(), Field(allow_inf_nan=False)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_LENGTH), AfterValidator(check_text)]
OptionalText = Annotated[str, Field(max_length=MAX_TEXT_LENGTH), AfterValidator(check_text)]


class _Value(BaseModel):
    # Unknown keys are errors (a typo must not silently drop a field) and NaN/inf never enter a
    # calculation, in a BOM as in a result read back.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DeclaredUnit(_Value):
    unit: NonEmpty
    amount: Finite = Field(gt=0, le=MAX_MAGNITUDE)


class ReferencePeriod(_Value):
    start: date
    end: date


class DQR(_Value):
    """PACT v3 data quality ratings, 1 (best) to 5."""

    technological: Finite = Field(ge=1, le=5)
    temporal: Finite = Field(ge=1, le=5)
    geographical: Finite = Field(ge=1, le=5)


class Exclusion(_Value):
    name: NonEmpty
    estimated_share: Finite = Field(ge=0, le=1)
    reason: Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(check_free_text)]
