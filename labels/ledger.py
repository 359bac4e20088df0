"""The retirement ledger, pure: credit lots and green electricity certificates behind carbon-neutral claims.

A *lot* is one retirement (注销) of carbon credits: programme, registry, project, methodology, vintage,
the serial range or the registry's retirement record id, quantity, retirement date and the evidence file
(retirement certificate or Shenzhen 碳中和证明). Facts and their limits: reference/neutral-finance.md §2.

Serial ranges. No programme's serial-number format was found (neutral-finance.md §2.3, §6), so the ledger
reads one documented form and refuses everything else rather than guess:

    BLOCK:FIRST-LAST     e.g.  CCER-440000-2024-001:000001-001000
    BLOCK:N              a single unit, the range N..N

BLOCK is the issuance block as printed on the registry record (any text without ':'); FIRST and LAST are
decimal unit numbers inside it, FIRST <= LAST, inclusive. Two ranges overlap when their blocks are equal
(compared exactly, after trimming spaces) and their unit intervals intersect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from labels.errors import LabelsError

_SERIAL = re.compile(r"^(?P<block>[^:]+):(?P<first>\d+)(?:-(?P<last>\d+))?$")


class SerialUnparseable(LabelsError):
    """A serial range is not in the documented form BLOCK:FIRST-LAST (or BLOCK:N)."""


class LedgerConflict(LabelsError):
    """A lot or certificate is already used: by another lot of the same claim, or by another claim."""


@dataclass(frozen=True, order=True)
class SerialRange:
    block: str
    first: int
    last: int

    @property
    def units(self) -> int:
        return self.last - self.first + 1

    def overlaps(self, other: "SerialRange") -> bool:
        return self.block == other.block and self.first <= other.last and other.first <= self.last

    def __str__(self) -> str:
        return f"{self.block}:{self.first}-{self.last}"


def parse_serial_range(text: str, where: str = "serial_range") -> SerialRange:
    """`BLOCK:FIRST-LAST` or `BLOCK:N` -> SerialRange; anything else raises SerialUnparseable naming `where`."""
    m = _SERIAL.match(text.strip())
    if not m or not m.group("block").strip():
        raise SerialUnparseable(
            f"{where}: {text!r} is not a serial range in the form BLOCK:FIRST-LAST or BLOCK:N "
            "(docs/neutral.md 'Serial ranges'; no registry's own format is read)")
    first = int(m.group("first"))
    last = int(m.group("last") or m.group("first"))
    if last < first:
        raise SerialUnparseable(f"{where}: {text!r}: last unit {last} is before first unit {first}")
    return SerialRange(m.group("block").strip(), first, last)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreditLot(_Input):
    """One retirement of carbon credits behind a claim (neutral-finance.md §5 feature 1)."""

    programme: str = Field(min_length=1, description="programme id from data/ledger/programmes.yaml, e.g. CCER, GD-PHCER")
    registry: str = Field(min_length=1, description="the registry that recorded the retirement")
    project_id: str = Field(min_length=1, description="项目编号")
    project_name: str = Field(min_length=1, description="项目名称")
    project_type: str | None = Field(default=None, description="项目类型, e.g. forestry, mangrove, renewable_power")
    methodology: str = Field(min_length=1, description="methodology code, e.g. CCER-14-001-V01")
    verifier: str | None = Field(default=None, description="the validation and verification body (审定与核查机构)")
    vintage: int = Field(ge=1990, le=2100, description="year the reductions or removals took place")
    serial_range: str | None = Field(default=None, description="BLOCK:FIRST-LAST (docs/neutral.md)")
    retirement_record_id: str | None = Field(default=None, description="the registry's retirement (注销) record id")
    quantity_tco2e: Decimal = Field(gt=0)
    retired_on: date
    evidence_file: str = Field(min_length=1, description="the retirement certificate or 碳中和证明 (file reference)")
    removal: bool = Field(default=False, description="the credits are removals (a later reversal counts as an emission)")
    electricity_mwh: Decimal | None = Field(
        default=None, gt=0, description="renewable power behind the credits (checked against green certificates)")

    @model_validator(mode="after")
    def _identified(self) -> "CreditLot":
        if not self.serial_range and not self.retirement_record_id:
            raise ValueError("a lot needs its serial_range or its retirement_record_id (serials are disclosed)")
        if self.serial_range:
            try:
                rng = parse_serial_range(self.serial_range)
            except SerialUnparseable as exc:
                raise ValueError(str(exc)) from None
            if Decimal(rng.units) != self.quantity_tco2e:
                raise ValueError(f"serial_range {self.serial_range!r} holds {rng.units} units of 1 t CO2e but "
                                 f"quantity_tco2e is {self.quantity_tco2e}")
        return self

    @property
    def serials(self) -> SerialRange | None:
        return parse_serial_range(self.serial_range) if self.serial_range else None

    def ref(self) -> str:
        return f"{self.programme} {self.serial_range or self.retirement_record_id}"


class Reversal(_Input):
    """A removal used in an earlier claim that was reversed (fire, harvest, ...): an emission of the next period."""

    lot: str = Field(min_length=1, description="the reversed lot's serial range or retirement record id")
    tco2e: Decimal = Field(gt=0)
    reversed_on: date


# --- the ledger: what each claim holds, and what a new claim may not take ------------------------------------

GEC = "GEC"  # the programme id green electricity certificates (绿证) are held under


@dataclass(frozen=True)
class Holding:
    """One lot or green certificate held by one claim. The service stores these rows; the same pure
    `conflicts` decides in the domain and in the service whether a new claim may take its lots."""

    claim: str  # the claim (application / certificate) that holds it
    programme: str  # CCER, GD-PHCER, ..., or GEC
    block: str | None  # serial block (None: identified by record id only)
    first: int | None
    last: int | None
    record_id: str | None
    project_id: str | None
    vintage: int | None

    def describe(self) -> str:
        what = f"{self.block}:{self.first}-{self.last}" if self.block is not None else f"record {self.record_id}"
        return f"{self.programme} {what}"

    def clashes_with(self, other: "Holding") -> bool:
        if self.programme != other.programme:
            return False
        if self.record_id is not None and self.record_id == other.record_id:
            return True
        return (self.block is not None and self.block == other.block and self.first is not None
                and other.first is not None and self.first <= other.last and other.first <= self.last)  # type: ignore[operator]


def power_clash(a: Holding, b: Holding) -> bool:
    """A green certificate and a CCER lot of the same project and vintage: the same power claimed twice
    (国能综通新能〔2024〕124号, neutral-finance.md §2.3)."""
    return ({a.programme, b.programme} == {GEC, "CCER"} and a.project_id is not None
            and a.project_id == b.project_id and a.vintage == b.vintage)


@dataclass(frozen=True)
class Conflict:
    new: Holding
    held: Holding

    def message(self) -> str:
        if power_clash(self.new, self.held):
            return (f"{self.new.describe()}: project {self.new.project_id} vintage {self.new.vintage} is also "
                    f"{self.held.describe()} held by claim {self.held.claim} (green certificate and CCER for the "
                    "same power)")
        if self.held.claim == self.new.claim:
            return f"{self.new.describe()} overlaps {self.held.describe()} within claim {self.new.claim}"
        return f"{self.new.describe()} is already held by claim {self.held.claim} ({self.held.describe()})"


def lot_holding(claim: str, lot: CreditLot) -> Holding:
    rng = lot.serials
    return Holding(claim=claim, programme=lot.programme, block=rng.block if rng else None,
                   first=rng.first if rng else None, last=rng.last if rng else None,
                   record_id=lot.retirement_record_id, project_id=lot.project_id, vintage=lot.vintage)


def certificate_holding(claim: str, serial: str, project_id: str | None, vintage: int | None) -> Holding:
    """A green certificate: its serial as a range BLOCK:FIRST-LAST (1 certificate = 1 MWh, NEA 2024 rules,
    neutral-finance.md §2.3), or, when it is not written as a range, as an exact certificate id."""
    try:
        rng: SerialRange | None = parse_serial_range(serial, "electricity_instruments.serial")
    except SerialUnparseable:
        rng = None
    return Holding(claim=claim, programme=GEC, block=rng.block if rng else None, first=rng.first if rng else None,
                   last=rng.last if rng else None, record_id=None if rng else serial.strip(),
                   project_id=project_id, vintage=vintage)


def conflicts(new: list[Holding], held: list[Holding]) -> list[Conflict]:
    """Every clash of the new holdings with each other and with what other claims already hold.

    A claim re-submitting its own holdings (the same claim id) does not clash with them."""
    out = [Conflict(a, b) for i, a in enumerate(new) for b in new[i + 1:] if a.clashes_with(b) or power_clash(a, b)]
    out += [Conflict(a, b) for a in new for b in held
            if b.claim != a.claim and (a.clashes_with(b) or power_clash(a, b))]
    return out


def refuse_conflicts(new: list[Holding], held: list[Holding]) -> None:
    found = conflicts(new, held)
    if found:
        raise LedgerConflict("refused: " + "; ".join(c.message() for c in found))
