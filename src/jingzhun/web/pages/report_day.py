"""The day a report page is asked for (?day= or ?as_of=), read the same way on every report.

An empty parameter is "today" (the service decides in Beijing time); a malformed or out-of-range
day is not an error page but the report of today with the reason shown above it, so a cadre who
mistyped a date still sees the report and learns what to fix. The range is the service's own
(``domain.day_range``), so the page, the CSV, the API and the CLI refuse the same dates.
"""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from jingzhun.domain.day_range import DayRange
from jingzhun.domain.errors import DomainError


def asked_day(request: Request, param: str, days: DayRange) -> tuple[dt.date | None, str]:
    """(the day, "") or (None, why it was not taken); (None, "") when none was asked."""
    raw = request.query_params.get(param, "").strip()[:10]
    if not raw:
        return None, ""
    try:
        return days.parse(raw, param), ""
    except DomainError as e:
        return None, e.message
