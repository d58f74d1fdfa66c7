"""The Chinese working calendar follows the State Council holiday notices, 调休 included."""

import datetime as dt

import chinese_calendar
import pytest

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar, WeekendCalendar, covered_years
from jingzhun.domain.deadlines import DayKind, Duration, add_days, count_days
from jingzhun.domain.errors import DomainError

D = dt.date
CAL = ChineseWorkingCalendar()
WORKING = DayKind.WORKING


def test_the_2025_national_day_week_is_off():
    assert not any(CAL.is_workday(D(2025, 10, d)) for d in range(1, 9))
    assert CAL.is_workday(D(2025, 10, 9))


def test_the_2025_make_up_days_are_worked():
    assert CAL.is_workday(D(2025, 9, 28))  # Sunday
    assert CAL.is_workday(D(2025, 10, 11))  # Saturday
    assert not CAL.is_workday(D(2025, 10, 12))  # an ordinary Sunday
    assert CAL.holiday_name(D(2025, 9, 28)) == "National Day"


def test_spring_festival_2026():
    # off Sunday 02-15 to Monday 02-23; Saturdays 02-14 and 02-28 are worked
    assert not any(CAL.is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert CAL.is_workday(D(2026, 2, 14)) and CAL.is_workday(D(2026, 2, 28))
    assert CAL.is_workday(D(2026, 2, 24))


def test_working_days_across_the_national_day_week():
    # Friday 09-26: 09-28 (make-up), 09-29, 09-30, 10-09, 10-10, 10-11 (make-up), 10-13 ...
    assert add_days(D(2025, 9, 26), Duration(2, WORKING), CAL) == D(2025, 9, 29)
    assert add_days(D(2025, 9, 30), Duration(1, WORKING), CAL) == D(2025, 10, 9)
    assert add_days(D(2025, 9, 26), Duration(20, WORKING), CAL) == D(2025, 10, 30)
    assert count_days(D(2025, 9, 30), D(2025, 10, 12), WORKING, CAL) == 3


def test_twenty_working_days_across_spring_festival_2026():
    # from Friday 02-13: 02-14 (make-up), 02-24..02-27, 02-28 (make-up) = 6; March 2-6 = 11, 9-13 = 16, 16-19 = 20
    assert add_days(D(2026, 2, 13), Duration(1, WORKING), CAL) == D(2026, 2, 14)
    assert add_days(D(2026, 2, 13), Duration(2, WORKING), CAL) == D(2026, 2, 24)
    assert add_days(D(2026, 2, 13), Duration(20, WORKING), CAL) == D(2026, 3, 19)
    # on a weekends-only calendar: 03-13 — six weekdays off less two make-up days cost four working days
    assert add_days(D(2026, 2, 13), Duration(20, WORKING), WeekendCalendar()) == D(2026, 3, 13)


def test_a_year_without_data_is_an_error_not_a_guess():
    last = covered_years().stop - 1
    with pytest.raises(DomainError) as e:
        CAL.is_workday(D(last + 1, 1, 5))
    assert e.value.code == "CALENDAR_YEAR_UNCOVERED"
    assert str(last + 1) in e.value.message
    with pytest.raises(DomainError):
        add_days(D(last, 12, 30), Duration(5, WORKING), CAL)


def test_the_package_covers_the_years_in_use():
    assert 2025 in covered_years() and 2026 in covered_years()


def test_a_timestamp_is_not_a_date():
    with pytest.raises(TypeError):
        CAL.is_workday(dt.datetime(2025, 10, 9, 9, tzinfo=dt.UTC))


def test_the_weekend_calendar_knows_only_what_it_is_told():
    cal = WeekendCalendar(holidays=[D(2025, 10, 1)], workdays=[D(2025, 9, 28)])
    assert not cal.is_workday(D(2025, 10, 1)) and cal.is_workday(D(2025, 9, 28))
    assert cal.is_workday(D(2025, 10, 2)) and not cal.is_workday(D(2025, 10, 4))
    with pytest.raises(ValueError):
        WeekendCalendar(holidays=[D(2025, 10, 1)], workdays=[D(2025, 10, 1)])


def test_every_covered_day_is_judged_as_the_package_judges_it():
    calendar = ChineseWorkingCalendar()
    years = covered_years()
    day, last = dt.date(years.start, 1, 1), dt.date(years.stop - 1, 12, 31)
    while day <= last:
        assert calendar.is_workday(day) is bool(chinese_calendar.is_workday(day)), day
        day += dt.timedelta(days=1)
