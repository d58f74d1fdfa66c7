"""The days a report or a schedule may be asked for.

A caller may send any date (a typo such as 9999-12-31, a test on 1900-01-01). Reports compute
months and terms past the day asked — a follow-up falls due three months later, income windows
are months of the year before — so a date near Python's limits overflows deep inside, and a date
far outside the policy's years answers with an empty list that looks like "nothing to do". Each
report therefore names its range, and a day outside it is refused up front with the report's own
stable code and a message a cadre can act on. The CLI, the pages and the API share these ranges, so
one date gives one answer everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jingzhun.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class DayRange:
    first: dt.date
    last: dt.date
    code: str  # the stable error code, e.g. ELIMINATION_DAY_INVALID
    what: str  # the day's name in messages: 评估日, 核查日, 日期

    def check(self, day: dt.date, field: str) -> dt.date:
        """``day`` itself, or a refusal naming the range."""
        if not self.first <= day <= self.last:
            raise DomainError(self.code, f"{self.what}超出范围（{self.first}—{self.last}）", field=field)
        return day

    def parse(self, raw: str, field: str) -> dt.date:
        """A day written as YYYY-MM-DD and inside the range."""
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise DomainError(self.code, f"{self.what}应为 YYYY-MM-DD 格式", field=field) from None
        return self.check(day, field)


# income windows are months of 1900–2200, follow-ups fall due months after the day asked
ELIMINATION_DAYS = DayRange(dt.date(2000, 1, 1), dt.date(2199, 12, 31), "ELIMINATION_DAY_INVALID", "评估日")
FOLLOW_UP_DAYS = DayRange(dt.date(2000, 1, 1), dt.date(2199, 12, 31), "FOLLOW_UP_DAY_INVALID", "日期")
# a school term's dates a year around the day stay valid
CHAIN_DAYS = DayRange(dt.date(2000, 1, 1), dt.date(2999, 12, 31), "CHAIN_DAY_INVALID", "核查日")
