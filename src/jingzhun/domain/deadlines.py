"""Deadline arithmetic for case procedures: calendar or working days, due dates, warning levels.

Time limits are policy data (policy notes §4): nationally identification is to be finished
"15天以内" (工人日报 2023-02-15, [S]); Hainan and Anhui give the whole procedure **20 working
days** and Anhui turns an overdue case **orange** ([L]); step limits such as "入户核实 within
2 working days" are local ([L]). Which kind of day a limit counts is part of the policy, so
every duration here carries its ``DayKind``.

Counting convention (民法典 第二百零一条): the day an event happens is not counted; a period
of N days starts the next day. ``add_days(d, N)`` is therefore the last day of the period —
the due date, still on time — and the case is overdue from the day after. Working days are
the days a ``WorkingCalendar`` says are workdays (the State Council's yearly schedule, with
调休 make-up workdays); the calendar is injected, so this module stays pure and testable.

Roll-forward (民法典 第二百零三条: "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日")
is a per-duration choice of the policy, ``Duration(15, roll_forward=True)``: a calendar-day
period whose last day is not a workday ends on the next workday instead. "法定休假日" is read
as every day the working calendar says is not worked — weekends (公休日) and public holidays —
so a 调休 make-up Saturday is a workday and a period ending on it does not move. Working-day
periods already end on a workday and never roll.

Dates are China-local: a UTC timestamp is turned into a date in UTC+8 (Asia/Shanghai has had
no daylight saving since 1991), because a deadline "day" is a day in the township office.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from jingzhun.domain.errors import DomainError

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")
MAX_DAYS = 3660  # ten years: no procedure limit is longer; guards loops against bad data


class WorkingCalendar(Protocol):
    """Whether a date is a working day (weekends, public holidays and 调休 make-up days)."""

    def is_workday(self, day: dt.date) -> bool: ...


class DayKind(StrEnum):
    CALENDAR = "calendar"  # 自然日
    WORKING = "working"  # 工作日

    @property
    def label(self) -> str:
        return "自然日" if self is DayKind.CALENDAR else "工作日"


@dataclass(frozen=True, slots=True)
class Duration:
    """N days of one kind, e.g. 15 calendar days or 20 working days.

    ``roll_forward`` (calendar days only): a last day that is not a workday moves to the next
    workday (民法典 第二百零三条). A working-day duration with it set is refused rather than
    ignored, so one limit has one spelling and a policy file cannot claim a rule that does nothing.
    """

    days: int
    kind: DayKind = DayKind.CALENDAR
    roll_forward: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int) or not 0 <= self.days <= MAX_DAYS:
            raise DomainError("DURATION_INVALID", f"天数应为 0–{MAX_DAYS} 的整数，实际为 {self.days!r}")
        if not isinstance(self.kind, DayKind):
            raise DomainError("DURATION_INVALID", f"天数类型应为 calendar 或 working，实际为 {self.kind!r}")
        if not isinstance(self.roll_forward, bool):
            raise DomainError("DURATION_INVALID", f"roll_forward 应为 true 或 false，实际为 {self.roll_forward!r}")
        if self.roll_forward and self.kind is DayKind.WORKING:
            message = "只有按自然日计算的期限才有末日顺延；按工作日计算的期限本来就止于工作日"
            raise DomainError("DURATION_INVALID", message)

    def __str__(self) -> str:
        return f"{self.days} 个{self.kind.label}" + ("（末日遇节假日顺延）" if self.roll_forward else "")


def local_date(at: dt.datetime) -> dt.date:
    """The China-local date of a timezone-aware timestamp."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise DomainError("NAIVE_DATETIME", "时间必须带时区（系统内部一律使用 UTC）")
    return at.astimezone(CHINA_TZ).date()


def utc(at: dt.datetime) -> dt.datetime:
    """``at`` in UTC; a naive timestamp is refused, not guessed."""
    local_date(at)
    return at.astimezone(dt.UTC)


def _need(calendar: WorkingCalendar | None, why: str = "按工作日计算期限") -> WorkingCalendar:
    if calendar is None:
        raise DomainError("CALENDAR_REQUIRED", f"{why}需要工作日历")
    return calendar


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months (minus, when negative), the day clamped to the month's length, as SQL
    intervals do: 2026-01-31 + 1 month is 2026-02-28."""
    idx = day.year * 12 + (day.month - 1) + months
    year, month = divmod(idx, 12)
    return dt.date(year, month + 1, min(day.day, calendar_module.monthrange(year, month + 1)[1]))


def add_days(start: dt.date, duration: Duration, calendar: WorkingCalendar | None = None) -> dt.date:
    """The last day of a period of ``duration`` starting the day after ``start``.

    Calendar days: ``start + N``, moved to the next workday when ``roll_forward`` is set and
    that day is not one (the calendar is then required whatever the date, so a missing calendar
    is found on the first call, not on the first holiday). Working days: the N-th workday
    strictly after ``start`` (for N = 0, ``start`` itself).
    """
    if duration.kind is DayKind.CALENDAR:
        last = start + dt.timedelta(days=duration.days)
        if not duration.roll_forward:
            return last
        cal = _need(calendar, "末日遇节假日顺延")
        return last if cal.is_workday(last) else _nth_workday_after(last, 1, cal)
    return _nth_workday_after(start, duration.days, _need(calendar))


def _nth_workday_after(start: dt.date, n: int, cal: WorkingCalendar) -> dt.date:
    day, left = start, n
    for _ in range(MAX_DAYS * 2):
        if left == 0:
            return day
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    raise DomainError("CALENDAR_NO_WORKDAYS", f"{start} 之后很长时间内没有工作日，请检查工作日历")


def count_days(start: dt.date, end: dt.date, kind: DayKind, calendar: WorkingCalendar | None = None) -> int:
    """Days of ``kind`` in ``(start, end]``; negative (the count in ``(end, start]``) when ``end < start``."""
    if kind is DayKind.CALENDAR:
        return (end - start).days
    if end < start:
        return -count_days(end, start, kind, calendar)
    if (end - start).days > MAX_DAYS * 2:
        raise DomainError("DURATION_INVALID", f"{start} 至 {end} 的区间过长")
    cal = _need(calendar)
    return sum(1 for n in range(1, (end - start).days + 1) if cal.is_workday(start + dt.timedelta(days=n)))


def period_ends(
    start: dt.date, duration: Duration, calendar: WorkingCalendar | None = None, *, first_day_counts: bool = False
) -> dt.date:
    """The last day of a period; with ``first_day_counts`` the start day is the period's first day.

    A 公示 posted on 3 March "for 5 days" covers 3–7 March in the common practice of notices
    ("公示期：3月3日至3月7日"), so its first day counts; a deadline does not count its start day.
    For working days a non-working start day is simply not one of the N.
    """
    if not first_day_counts or duration.days == 0:
        return add_days(start, duration, calendar)
    return add_days(start - dt.timedelta(days=1), duration, calendar)


class DeadlineStatus(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"  # orange warning (Anhui [L])
    OVERDUE_ESCALATED = "overdue_escalated"  # red: overdue by more than the escalation period

    @property
    def colour(self) -> str:
        return _COLOURS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_COLOURS = {
    DeadlineStatus.ON_TIME: "green",
    DeadlineStatus.DUE_SOON: "yellow",
    DeadlineStatus.OVERDUE: "orange",
    DeadlineStatus.OVERDUE_ESCALATED: "red",
}
_LABELS = {
    DeadlineStatus.ON_TIME: "按期",
    DeadlineStatus.DUE_SOON: "临期",
    DeadlineStatus.OVERDUE: "超期（橙色预警）",
    DeadlineStatus.OVERDUE_ESCALATED: "严重超期（红色预警）",
}


@dataclass(frozen=True, slots=True)
class WarningPolicy:
    """When a running deadline becomes "due soon" and when an overdue one is escalated.

    ``due_soon``: the deadline is due within this many days (the due day included).
    ``escalate_after``: overdue by more than this many days → red.
    """

    due_soon: Duration = Duration(3)
    escalate_after: Duration = Duration(5)


def deadline_status(
    due: dt.date, on: dt.date, warning: WarningPolicy, calendar: WorkingCalendar | None = None
) -> DeadlineStatus:
    """The status on day ``on`` of something due on ``due`` (the last day still on time)."""
    if on <= due:
        left = count_days(on, due, warning.due_soon.kind, calendar)
        return DeadlineStatus.DUE_SOON if left < warning.due_soon.days else DeadlineStatus.ON_TIME
    late = count_days(due, on, warning.escalate_after.kind, calendar)
    return DeadlineStatus.OVERDUE_ESCALATED if late > warning.escalate_after.days else DeadlineStatus.OVERDUE


@dataclass(frozen=True, slots=True)
class Deadline:
    """One time limit of one case: what, from when, due when, done when, and how it stands.

    For a finished item (``done`` set) the status is judged on the day it was done, so a
    procedure finished late stays ``overdue`` in the record.
    """

    subject: str  # "procedure" or the state name of a step
    started: dt.date
    limit: Duration
    due: dt.date
    done: dt.date | None
    status: DeadlineStatus

    @property
    def running(self) -> bool:
        return self.done is None


def assess(
    subject: str,
    started: dt.date,
    limit: Duration,
    *,
    today: dt.date,
    done: dt.date | None = None,
    warning: WarningPolicy = WarningPolicy(),
    calendar: WorkingCalendar | None = None,
) -> Deadline:
    """The ``Deadline`` of something started on ``started`` with time limit ``limit``."""
    due = add_days(started, limit, calendar)
    status = deadline_status(due, done if done is not None else today, warning, calendar)
    return Deadline(subject, started, limit, due, done, status)


@dataclass(frozen=True, slots=True)
class ProcedureDeadline:
    """The time limit of a whole procedure (e.g. 15 calendar days from the lead to the decision)."""

    limit: Duration
    starts_at: str  # the clock starts when the case enters this state (its first state: when opened)
    stops_at: frozenset[str]  # entering one of these states afterwards stops the clock


def timeline_deadlines(
    entries: Sequence[tuple[str, dt.datetime]],
    *,
    step_limits: Mapping[str, Duration],
    procedure: ProcedureDeadline | None,
    today: dt.date,
    warning: WarningPolicy,
    calendar: WorkingCalendar | None = None,
) -> list[Deadline]:
    """Deadlines of a case from its timeline: ``(state entered, when)`` in order, the first one its opening.

    The procedure's limit runs from the last entry into ``starts_at`` to the first later entry
    into a ``stops_at`` state; a step's limit runs from entering the step to leaving it.
    """

    def judge(subject: str, i: int, limit: Duration, stop: dt.datetime | None) -> Deadline:
        done = None if stop is None else local_date(stop)
        start = local_date(entries[i][1])
        return assess(subject, start, limit, today=today, done=done, warning=warning, calendar=calendar)

    out: list[Deadline] = []
    starts = [i for i, (state, _) in enumerate(entries) if procedure is not None and state == procedure.starts_at]
    if procedure is not None and starts:
        stop = next((at for state, at in entries[starts[-1] + 1 :] if state in procedure.stops_at), None)
        out.append(judge("procedure", starts[-1], procedure.limit, stop))
    for i, (state, _) in enumerate(entries):
        if state in step_limits:
            left = entries[i + 1][1] if i + 1 < len(entries) else None
            out.append(judge(state, i, step_limits[state], left))
    return out
