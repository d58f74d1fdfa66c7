"""Dates given as options: a typo is a usage error naming the option, never a traceback."""

from __future__ import annotations

import datetime as dt

import pytest
import typer

from jingzhun.cli.dates import day_option, time_option
from jingzhun.domain.day_range import FOLLOW_UP_DAYS
from jingzhun.domain.deadlines import CHINA_TZ


def test_a_day_not_given_is_none_and_a_day_given_is_read():
    assert day_option(None, "--today") is None and day_option("  ", "--today") is None
    assert day_option("2026-12-02", "--today", FOLLOW_UP_DAYS) == dt.date(2026, 12, 2)


@pytest.mark.parametrize(("raw", "says"), [("2026-13-01", "应为 YYYY-MM-DD"), ("9999-12-31", "日期超出范围")])
def test_a_malformed_or_out_of_range_day_is_a_usage_error_naming_the_option(raw: str, says: str):
    with pytest.raises(typer.BadParameter) as e:
        day_option(raw, "--today", FOLLOW_UP_DAYS)
    assert says in e.value.message and e.value.param_hint == "--today"


def test_without_a_range_any_calendar_day_is_taken():
    assert day_option("9999-12-31", "--start") == dt.date(9999, 12, 31)


def test_a_time_without_a_zone_is_beijing_time_and_a_zone_given_is_kept():
    assert time_option("2026-12-02", "--at") == dt.datetime(2026, 12, 2, tzinfo=CHINA_TZ)
    assert time_option("2026-12-02T08:30+00:00", "--at") == dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC)
    assert time_option(None, "--at") is None
    with pytest.raises(typer.BadParameter) as e:
        time_option("yesterday", "--since")
    assert e.value.param_hint == "--since"
