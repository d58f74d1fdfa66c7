"""Dates and times given as options, read the same way by every command.

A malformed or out-of-range date is a usage error (exit 2, the option named, what to write), not
a traceback: the commands are run by hand from a county office, and a typo is the common case.
A report's own range (``domain.day_range``) is checked here too, so ``--today 9999-12-31``
is refused instead of answering with an empty list that reads as "nothing due".
"""

from __future__ import annotations

import datetime as dt

import typer

from jingzhun.domain.day_range import DayRange
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.errors import DomainError


def day_option(raw: str | None, option: str, days: DayRange | None = None) -> dt.date | None:
    """The day written as YYYY-MM-DD (None when not given), inside ``days`` when one is named."""
    if raw is None or not raw.strip():
        return None
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise typer.BadParameter(f"日期“{raw}”应为 YYYY-MM-DD", param_hint=option) from None
    if days is not None:
        try:
            days.check(day, option)
        except DomainError as e:
            raise typer.BadParameter(e.message, param_hint=option) from None
    return day


def time_option(raw: str | None, option: str) -> dt.datetime | None:
    """An ISO date or time (None when not given); a bare date or a naive time is read as Beijing time."""
    if raw is None or not raw.strip():
        return None
    try:
        at = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise typer.BadParameter(f"时间“{raw}”应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM", param_hint=option) from None
    return at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)
