"""Deadline arithmetic: calendar and working days, due dates and warning levels."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar, WeekendCalendar
from jingzhun.domain.deadlines import (
    DayKind,
    DeadlineStatus,
    Duration,
    ProcedureDeadline,
    WarningPolicy,
    add_days,
    assess,
    count_days,
    deadline_status,
    local_date,
    period_ends,
    timeline_deadlines,
    utc,
)
from jingzhun.domain.errors import DomainError

D = dt.date
WEEKENDS = WeekendCalendar()
# The 2025 National Day week as the State Council notice sets it: off 10-01..10-08,
# make-up workdays Sunday 09-28 and Saturday 10-11. The adapter test checks the real data agrees.
NATIONAL_DAY_2025 = WeekendCalendar(
    holidays=[D(2025, 10, d) for d in range(1, 9)], workdays=[D(2025, 9, 28), D(2025, 10, 11)]
)
WORKING = DayKind.WORKING


def test_calendar_days_do_not_count_the_start_day():
    assert add_days(D(2025, 3, 1), Duration(15)) == D(2025, 3, 16)
    assert add_days(D(2025, 12, 20), Duration(15)) == D(2026, 1, 4)


def test_working_days_skip_the_weekend():
    friday = D(2025, 3, 7)
    assert add_days(friday, Duration(1, WORKING), WEEKENDS) == D(2025, 3, 10)
    assert add_days(friday, Duration(20, WORKING), WEEKENDS) == D(2025, 4, 4)


def test_working_days_skip_the_national_day_week_and_count_the_make_up_days():
    # Friday 09-26 + 2 working days: Sunday 09-28 (make-up) and Monday 09-29
    assert add_days(D(2025, 9, 26), Duration(2, WORKING), NATIONAL_DAY_2025) == D(2025, 9, 29)
    # Tuesday 09-30 + 1: the holiday runs to 10-08, so Thursday 10-09
    assert add_days(D(2025, 9, 30), Duration(1, WORKING), NATIONAL_DAY_2025) == D(2025, 10, 9)
    # 10-09, 10-10, Saturday 10-11 (make-up), 10-13
    assert add_days(D(2025, 9, 30), Duration(4, WORKING), NATIONAL_DAY_2025) == D(2025, 10, 13)


def test_zero_days_is_the_start_day():
    assert add_days(D(2025, 10, 4), Duration(0, WORKING), NATIONAL_DAY_2025) == D(2025, 10, 4)


def test_working_days_need_a_calendar():
    with pytest.raises(DomainError) as e:
        add_days(D(2025, 3, 7), Duration(1, WORKING))
    assert e.value.code == "CALENDAR_REQUIRED"


def test_a_calendar_without_workdays_is_an_error_not_a_hang():
    class Never:
        def is_workday(self, day):
            return False

    with pytest.raises(DomainError) as e:
        add_days(D(2025, 1, 1), Duration(1, WORKING), Never())
    assert e.value.code == "CALENDAR_NO_WORKDAYS"


@pytest.mark.parametrize("days", [-1, 3661, True, 1.5])
def test_a_duration_is_a_whole_number_of_days_within_ten_years(days):
    with pytest.raises(DomainError) as e:
        Duration(days)
    assert e.value.code == "DURATION_INVALID"


def test_a_duration_reads_in_chinese():
    assert str(Duration(20, WORKING)) == "20 个工作日"
    assert str(Duration(15)) == "15 个自然日"


def test_count_days_counts_the_end_not_the_start():
    assert count_days(D(2025, 3, 7), D(2025, 3, 10), WORKING, WEEKENDS) == 1
    assert count_days(D(2025, 3, 10), D(2025, 3, 7), WORKING, WEEKENDS) == -1
    assert count_days(D(2025, 3, 1), D(2025, 3, 16), DayKind.CALENDAR) == 15
    assert count_days(D(2025, 9, 30), D(2025, 10, 9), WORKING, NATIONAL_DAY_2025) == 1


@settings(deadline=None, max_examples=200)
@given(st.dates(D(2024, 1, 1), D(2026, 12, 31)), st.integers(0, 60), st.sampled_from([WEEKENDS, NATIONAL_DAY_2025]))
def test_adding_then_counting_working_days_gives_them_back(start, n, calendar):
    due = add_days(start, Duration(n, WORKING), calendar)
    assert count_days(start, due, WORKING, calendar) == n
    assert n == 0 or calendar.is_workday(due)


def test_a_notice_counts_its_posting_day_when_the_policy_says_so():
    five = Duration(5)
    assert period_ends(D(2025, 3, 3), five, first_day_counts=True) == D(2025, 3, 7)
    assert period_ends(D(2025, 3, 3), five) == D(2025, 3, 8)
    # five working days from Friday 3-7, the Friday counted: 7, 10, 11, 12, 13
    assert period_ends(D(2025, 3, 7), Duration(5, WORKING), WEEKENDS, first_day_counts=True) == D(2025, 3, 13)
    # posted on Saturday: the Saturday is not a working day, so not one of the five
    assert period_ends(D(2025, 3, 8), Duration(5, WORKING), WEEKENDS, first_day_counts=True) == D(2025, 3, 14)


WARN = WarningPolicy(due_soon=Duration(3), escalate_after=Duration(5))


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (D(2025, 3, 12), DeadlineStatus.ON_TIME),
        (D(2025, 3, 13), DeadlineStatus.ON_TIME),
        (D(2025, 3, 14), DeadlineStatus.DUE_SOON),
        (D(2025, 3, 16), DeadlineStatus.DUE_SOON),
        (D(2025, 3, 17), DeadlineStatus.OVERDUE),
        (D(2025, 3, 21), DeadlineStatus.OVERDUE),
        (D(2025, 3, 22), DeadlineStatus.OVERDUE_ESCALATED),
    ],
)
def test_status_turns_yellow_then_orange_then_red(on, status):
    assert deadline_status(D(2025, 3, 16), on, WARN) is status


def test_warning_periods_can_count_working_days():
    warn = WarningPolicy(due_soon=Duration(1, WORKING), escalate_after=Duration(1, WORKING))
    due = D(2025, 9, 30)
    assert deadline_status(due, D(2025, 9, 29), warn, NATIONAL_DAY_2025) is DeadlineStatus.ON_TIME
    assert deadline_status(due, D(2025, 9, 30), warn, NATIONAL_DAY_2025) is DeadlineStatus.DUE_SOON
    # the whole holiday week is one working day late at most: still orange
    assert deadline_status(due, D(2025, 10, 9), warn, NATIONAL_DAY_2025) is DeadlineStatus.OVERDUE
    assert deadline_status(due, D(2025, 10, 10), warn, NATIONAL_DAY_2025) is DeadlineStatus.OVERDUE_ESCALATED


def test_statuses_have_colours_and_chinese_labels():
    assert DeadlineStatus.OVERDUE.colour == "orange"
    assert DeadlineStatus.OVERDUE_ESCALATED.colour == "red"
    assert "橙色" in DeadlineStatus.OVERDUE.label


def test_a_finished_item_is_judged_on_the_day_it_finished():
    late = assess("procedure", D(2025, 3, 1), Duration(15), today=D(2025, 6, 1), done=D(2025, 3, 18), warning=WARN)
    assert (late.due, late.status, late.running) == (D(2025, 3, 16), DeadlineStatus.OVERDUE, False)
    ok = assess("procedure", D(2025, 3, 1), Duration(15), today=D(2025, 6, 1), done=D(2025, 3, 16), warning=WARN)
    assert ok.status is DeadlineStatus.DUE_SOON


def test_twenty_working_days_across_the_national_day_week():
    d = assess("procedure", D(2025, 9, 26), Duration(20, WORKING), today=D(2025, 10, 20), calendar=NATIONAL_DAY_2025)
    # 9-28 (make-up), 9-29, 9-30, then 10-09, 10-10, 10-11 (make-up), 10-13 ... the 20th is 10-30
    assert d.due == D(2025, 10, 30)
    assert d.status is DeadlineStatus.ON_TIME


def test_local_date_is_the_date_in_china():
    assert local_date(dt.datetime(2025, 9, 30, 16, 30, tzinfo=dt.UTC)) == D(2025, 10, 1)
    assert local_date(dt.datetime(2025, 9, 30, 15, 59, tzinfo=dt.UTC)) == D(2025, 9, 30)


def test_naive_timestamps_are_refused():
    with pytest.raises(DomainError) as e:
        utc(dt.datetime(2025, 9, 30, 12, 0))
    assert e.value.code == "NAIVE_DATETIME"
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert utc(dt.datetime(2025, 9, 30, 8, 0, tzinfo=shanghai)) == dt.datetime(2025, 9, 30, 0, 0, tzinfo=dt.UTC)


def at(y, m, d, h=2):
    return dt.datetime(y, m, d, h, tzinfo=dt.UTC)


def test_timeline_gives_the_procedure_and_each_step():
    entries = [("lead", at(2025, 3, 1)), ("verifying", at(2025, 3, 2)), ("comparing", at(2025, 3, 7))]
    deadlines = timeline_deadlines(
        entries,
        step_limits={"lead": Duration(2), "verifying": Duration(2, WORKING)},
        procedure=ProcedureDeadline(Duration(15), "lead", frozenset({"announced"})),
        today=D(2025, 3, 12),
        warning=WARN,
        calendar=WEEKENDS,
    )
    by = {d.subject: d for d in deadlines}
    assert by["procedure"].running and by["procedure"].due == D(2025, 3, 16)
    assert by["procedure"].status is DeadlineStatus.ON_TIME
    assert by["lead"].done == D(2025, 3, 2) and by["lead"].status is DeadlineStatus.DUE_SOON
    # entered Sunday 3-2: two working days are 3-3 and 3-4; left on 3-7, three days late
    assert by["verifying"].due == D(2025, 3, 4) and by["verifying"].status is DeadlineStatus.OVERDUE


def test_the_procedure_clock_stops_at_a_stop_state():
    entries = [("lead", at(2025, 3, 1)), ("announced", at(2025, 3, 14)), ("monitoring", at(2025, 3, 20))]
    (d,) = timeline_deadlines(
        entries,
        step_limits={},
        procedure=ProcedureDeadline(Duration(15), "lead", frozenset({"announced"})),
        today=D(2025, 9, 1),
        warning=WARN,
    )
    assert d.done == D(2025, 3, 14) and d.status is DeadlineStatus.DUE_SOON


# --- 民法典 第二百零三条: a calendar-day period whose last day is off work ends on the next workday ---

CN = ChineseWorkingCalendar()  # the State Council schedules, 调休 included
ROLL15 = Duration(15, roll_forward=True)


def test_the_real_2025_national_day_schedule_is_what_the_roll_forward_tests_assume():
    assert [CN.is_workday(D(2025, 10, d)) for d in range(1, 12)] == [False] * 8 + [True, True, True]
    assert CN.is_workday(D(2025, 9, 28)) and not CN.is_workday(D(2025, 10, 12))


def test_a_period_ending_inside_the_national_day_holiday_rolls_to_the_first_workday_after_it():
    # 09-19 + 15 = Saturday 10-04, in the 10-01..10-08 holiday
    assert add_days(D(2025, 9, 19), Duration(15)) == D(2025, 10, 4)
    assert add_days(D(2025, 9, 19), ROLL15, CN) == D(2025, 10, 9)


def test_a_period_ending_on_an_ordinary_saturday_rolls_to_monday():
    assert add_days(D(2025, 2, 28), ROLL15, CN) == D(2025, 3, 17)  # Saturday 03-15 → Monday 03-17
    assert add_days(D(2025, 3, 1), ROLL15, CN) == D(2025, 3, 17)  # Sunday 03-16 → Monday 03-17


def test_a_period_ending_on_a_make_up_workday_does_not_roll():
    # Saturday 10-11 and Sunday 09-28 were worked (调休), so they are not 法定休假日
    assert add_days(D(2025, 9, 26), ROLL15, CN) == D(2025, 10, 11)
    assert add_days(D(2025, 9, 13), ROLL15, CN) == D(2025, 9, 28)


def test_a_period_ending_on_a_workday_is_unchanged():
    assert add_days(D(2025, 3, 3), ROLL15, CN) == D(2025, 3, 18) == add_days(D(2025, 3, 3), Duration(15))


def test_without_roll_forward_the_last_day_stays_on_the_holiday_and_no_calendar_is_needed():
    assert add_days(D(2025, 9, 19), Duration(15), CN) == D(2025, 10, 4)
    assert add_days(D(2025, 2, 28), Duration(15)) == D(2025, 3, 15)


def test_roll_forward_needs_a_calendar_even_when_the_last_day_is_a_workday():
    with pytest.raises(DomainError) as e:
        add_days(D(2025, 3, 3), ROLL15)
    assert e.value.code == "CALENDAR_REQUIRED" and "顺延" in e.value.message


def test_working_day_periods_are_unaffected_and_cannot_be_told_to_roll():
    assert add_days(D(2025, 9, 30), Duration(1, WORKING), CN) == D(2025, 10, 9)
    with pytest.raises(DomainError) as e:
        Duration(20, WORKING, roll_forward=True)
    assert e.value.code == "DURATION_INVALID"


def test_roll_forward_must_be_a_boolean():
    with pytest.raises(DomainError) as e:
        Duration(15, roll_forward="yes")  # type: ignore[arg-type]
    assert e.value.code == "DURATION_INVALID"


def test_a_notice_counting_its_first_day_rolls_too():
    # posted Tuesday 09-30 for 5 days, the posting day counted: 09-30..10-04, then rolled
    assert period_ends(D(2025, 9, 30), Duration(5, roll_forward=True), CN, first_day_counts=True) == D(2025, 10, 9)
    assert period_ends(D(2025, 9, 30), Duration(5), first_day_counts=True) == D(2025, 10, 4)


def test_the_rolled_day_is_the_due_date_so_finishing_on_it_is_on_time():
    on_rolled_day = assess("procedure", D(2025, 9, 19), ROLL15, today=D(2025, 10, 20), done=D(2025, 10, 9), calendar=CN)
    assert on_rolled_day.due == D(2025, 10, 9) and on_rolled_day.status is not DeadlineStatus.OVERDUE
    late = assess("procedure", D(2025, 9, 19), ROLL15, today=D(2025, 10, 10), calendar=CN)
    assert late.status is DeadlineStatus.OVERDUE


def test_a_rolling_duration_reads_in_chinese_and_stays_a_hashable_value():
    assert str(ROLL15) == "15 个自然日（末日遇节假日顺延）"
    assert len({Duration(15), ROLL15, Duration(15, roll_forward=True)}) == 2
    assert Duration(15) != ROLL15 and WarningPolicy().due_soon == Duration(3)
    with pytest.raises(AttributeError):
        ROLL15.roll_forward = False  # type: ignore[misc]


@settings(deadline=None, max_examples=200)
@given(st.dates(D(2024, 1, 1), D(2025, 11, 30)), st.integers(0, 20))
def test_a_rolled_period_ends_on_the_first_workday_on_or_after_the_plain_last_day(start, n):
    plain = add_days(start, Duration(n))
    rolled = add_days(start, Duration(n, roll_forward=True), CN)
    assert CN.is_workday(rolled) and rolled >= plain
    assert not any(CN.is_workday(plain + dt.timedelta(days=k)) for k in range((rolled - plain).days))
