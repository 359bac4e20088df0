"""Early re-evaluation: does a new footprint of a certified product fire the decision's triggers?"""

from __future__ import annotations

from decimal import Decimal

from labels.decision import Decision
from labels.numbers import dec, exact, plain


def fired_triggers(decision: Decision, new_total_kgco2e: float | Decimal | str) -> list[str]:
    """Reasons to re-evaluate early; empty when none fires.

    `increase`: the new PCF is above the stored threshold (factor x certified value; staying at or below it is fine).
    `change`: the PCF moved by at least the stored threshold (share x certified value), up or down.
    """
    new = dec(new_total_kgco2e) if not isinstance(new_total_kgco2e, str) else Decimal(new_total_kgco2e)
    with exact():
        return _fired(decision, new)


def _fired(decision: Decision, new: Decimal) -> list[str]:
    fired = []
    for trigger in decision.reevaluation_triggers:
        limit = trigger.threshold_kgco2e
        if limit is None:
            continue
        if trigger.id == "increase" and new > limit:
            fired.append(f"increase: {plain(new)} > {plain(limit)} kg CO2e")
        elif trigger.id == "change" and abs(new - decision.total_kgco2e) >= limit:
            fired.append(f"change: |{plain(new)} - {plain(decision.total_kgco2e)}| >= {plain(limit)} kg CO2e")
    return fired
