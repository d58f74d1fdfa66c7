"""Working days in mainland China, for time limits counted in 工作日 (Hainan, Anhui: 20 working days).

Which days are worked is decided each year by the State Council's holiday notice (国务院办公厅
关于某年部分节假日安排的通知), including 调休 — weekend days that become workdays to bridge a
holiday (e.g. Sunday 2025-09-28 and Saturday 2025-10-11 around the 2025 National Day week).
No rule derives them, so we use the maintained ``chinese_calendar`` package, which transcribes
the notices year by year. For a year it does not cover yet, ``ChineseWorkingCalendar`` raises
CALENDAR_YEAR_UNCOVERED rather than guessing from weekends: a deadline computed on a guessed
calendar could mark a case overdue, or on time, wrongly. The fix is to upgrade the package once
the notice for that year is out (usually November of the year before).

``WeekendCalendar`` (Monday–Friday, plus explicit holidays and make-up days) is for tests and
for places that define their own working days.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import chinese_calendar

from jingzhun.domain.errors import DomainError


@functools.cache
def covered_years() -> range:
    """The years ``chinese_calendar`` has holiday data for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@functools.cache
def _schedule() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays, make-up workdays) of the package, as sets read once.

    ``chinese_calendar.is_workday`` checks the year against ``min``/``max`` of its whole holiday
    table on every call; dating one case's limits asks it dozens of times, a work-queue page
    thousands — we check the year ourselves (``_check``) and look the day up here.
    """
    return frozenset(chinese_calendar.holidays), frozenset(chinese_calendar.workdays)


class ChineseWorkingCalendar:
    """``domain.deadlines.WorkingCalendar`` from the State Council holiday schedule."""

    def __init__(self) -> None:
        self.years = covered_years()
        self.holidays, self.workdays = _schedule()

    def _check(self, day: dt.date) -> dt.date:
        if isinstance(day, dt.datetime):
            raise TypeError("is_workday takes a date; convert a timestamp with domain.deadlines.local_date")
        if day.year not in self.years:
            version = getattr(chinese_calendar, "__version__", "?")
            raise DomainError(
                "CALENDAR_YEAR_UNCOVERED",
                f"节假日数据未覆盖 {day.year} 年（chinese-calendar {version} 覆盖 {self.years.start}–"
                f"{self.years.stop - 1} 年）；请在国务院公布该年节假日安排后升级 chinese-calendar",
            )
        return day

    def is_workday(self, day: dt.date) -> bool:
        """As ``chinese_calendar.is_workday``: a make-up workday, or a weekday that is no holiday."""
        day = self._check(day)
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a day belongs to (a make-up workday names the holiday it bridges), if any."""
        _, name = chinese_calendar.get_holiday_detail(self._check(day))
        return None if name is None else str(name)


class WeekendCalendar:
    """Monday to Friday are workdays, except ``holidays``; ``workdays`` are worked even at weekends."""

    def __init__(self, holidays: Iterable[dt.date] = (), workdays: Iterable[dt.date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        if self.holidays & self.workdays:
            raise ValueError("a day cannot be both a holiday and a make-up workday")

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays
