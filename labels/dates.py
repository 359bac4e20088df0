"""Calendar arithmetic for validity periods and data-age windows (month ends clamp: 31 Jan + 1 month = 28/29 Feb)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def period_end_after(start: date, months: int) -> date:
    """The last day of a period of `months` whole months starting on `start` (inclusive)."""
    return add_months(start, months) - timedelta(days=1)
