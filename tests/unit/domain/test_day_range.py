"""A report's day range: its edges are inside, a day past them is refused with the report's own code."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.domain.day_range import CHAIN_DAYS, ELIMINATION_DAYS, FOLLOW_UP_DAYS, DayRange
from jingzhun.domain.errors import DomainError

D = dt.date


@pytest.mark.parametrize("days", [ELIMINATION_DAYS, FOLLOW_UP_DAYS, CHAIN_DAYS])
def test_the_first_and_last_day_are_inside_and_the_days_around_them_are_refused(days: DayRange):
    assert days.check(days.first, "day") == days.first and days.check(days.last, "day") == days.last
    for outside in (days.first - dt.timedelta(days=1), days.last + dt.timedelta(days=1)):
        with pytest.raises(DomainError) as e:
            days.check(outside, "as_of")
        assert (e.value.code, e.value.field) == (days.code, "as_of")
        assert f"{days.what}超出范围（{days.first}—{days.last}）" == e.value.message


def test_parse_reads_iso_days_and_names_the_format_or_the_range():
    assert ELIMINATION_DAYS.parse(" 2026-06-30 ", "as_of") == D(2026, 6, 30)
    with pytest.raises(DomainError) as e:
        ELIMINATION_DAYS.parse("2026-13-01", "as_of")
    assert e.value.message == "评估日应为 YYYY-MM-DD 格式" and e.value.code == "ELIMINATION_DAY_INVALID"
    with pytest.raises(DomainError) as e:
        FOLLOW_UP_DAYS.parse("9999-12-31", "day")
    assert "超出范围" in e.value.message and e.value.field == "day"
