"""Work queues and the daily deadline job: which cases are due, late, seriously late — and where.

``list_cases`` is the work queue of one user: the open cases of their jurisdiction, soonest due
first, each with its worst running time limit (green / yellow / orange / red). ``daily_overdue``
is the job a county runs every morning (``jingzhun case overdue``, cron-able): it recomputes the
due date of every open case in scope — the holiday calendar may have been updated, and a case
migrated from an older store has none yet — and counts per township and per county how many
open cases are on time, due soon, overdue and seriously overdue, keeping one row per day and
division in ``overdue_daily`` for dashboards and trends.

The counting runs over the open cases only (a county has hundreds to a few thousand), reading
each case document once; it is not a columnar batch because every case needs its own workflow's
limits and the working-day calendar.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case
from jingzhun.domain.deadlines import Deadline, DeadlineStatus, WorkingCalendar, local_date
from jingzhun.domain.workflow import StateKind, WorkflowDefinition
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.reference.divisions import name_of
from jingzhun.services import auditing
from jingzhun.services.cases import dated_deadlines, default_calendar, due_on

SEVERITY = {
    DeadlineStatus.ON_TIME: 0,
    DeadlineStatus.DUE_SOON: 1,
    DeadlineStatus.OVERDUE: 2,
    DeadlineStatus.OVERDUE_ESCALATED: 3,
}


@dataclass(frozen=True, slots=True)
class QueueRow:
    case_id: str
    household_id: str
    division_code: str
    state: str
    state_label: str
    opened_at: dt.datetime
    due_on: dt.date | None
    status: DeadlineStatus | None  # the worst running limit; None: nothing running, or undatable
    subject: str  # which limit: "procedure" or a step name
    workflow_key: str = ""


def running_deadlines(
    case: Case, wf: WorkflowDefinition, today: dt.date, calendar: WorkingCalendar
) -> list[Deadline] | None:
    """The case's running time limits on ``today``; None when the holiday calendar cannot date them."""
    if case.closed:
        return []
    dated = dated_deadlines(case, wf, today, calendar)
    return None if dated is None else [d for d in dated if d.running]


def worst(deadlines: list[Deadline] | None) -> Deadline | None:
    """The limit in the worst state (ties: the one due first)."""
    return max(deadlines or [], key=lambda d: (SEVERITY[d.status], -d.due.toordinal()), default=None)


def list_cases(
    engine: Engine,
    actor: Actor,
    *,
    today: dt.date | None = None,
    overdue_only: bool = False,
    include_closed: bool = False,
    calendar: WorkingCalendar | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[QueueRow]:
    """The work queue of ``actor``'s jurisdiction: soonest due first, undated last (``offset`` rows skipped).

    A list shows case and household ids, states and dates — no person data — so reading it is
    not an audit event (decision 0006); a refusal is.
    """
    with auditing.refusals_audited(engine, actor, "case.list", f"division:{actor.jurisdiction}"):
        require(actor.role, Permission.CASE_READ)
    on = today or local_date(dt.datetime.now(dt.UTC))
    cal = calendar or default_calendar()
    c = t.cases.c
    query = select(c.document, c.workflow_id, c.division_code, c.due_on).where(
        c.division_code.startswith(scope_prefix(actor.jurisdiction))
    )
    if not include_closed:
        query = query.where(~c.closed)
    if overdue_only:
        query = query.where(c.due_on < on)
    query = query.order_by(c.due_on.asc().nulls_last(), c.opened_at, c.case_id).limit(limit).offset(offset)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        case, wf = case_store.from_document(r.document), workflow_by_key(r.workflow_id)
        w = worst(running_deadlines(case, wf, on, cal))
        spec = wf.states.get(case.state)
        out.append(
            QueueRow(
                case.case_id,
                case.household_id,
                r.division_code,
                case.state,
                spec.label if spec else case.state,
                case.opened_at,
                r.due_on,
                w.status if w else None,
                w.subject if w else "",
                r.workflow_id,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class DeadlineTally:
    """Cases of one township or county in a procedure on one day, by the worst state of their limits."""

    division_code: str  # 12 digits
    level: str  # "township" | "county"
    name: str
    in_procedure: int  # open cases in a procedure step (not those being monitored)
    due_soon: int
    overdue: int
    escalated: int
    undated: int  # limits the holiday calendar cannot date yet


LEVELS = (("county", 6), ("township", 9))


def _names(engine: Engine, codes: set[str]) -> dict[str, str]:
    d = t.divisions.c
    with engine.connect() as conn:
        known = {str(a): str(b) for a, b in conn.execute(select(d.code, d.name).where(d.code.in_(sorted(codes))))}
    return {code: known.get(code) or name_of(code[:6]) or "" for code in codes}


def daily_overdue(
    engine: Engine, actor: Actor, *, today: dt.date, calendar: WorkingCalendar | None = None, request_id: str = ""
) -> list[DeadlineTally]:
    """Refresh due dates of open cases in scope, count them per township and county, store the day's rows.

    Only divisions wholly inside the actor's scope get a row (a township user's run never
    overwrites the county's count), so rerunning the same day replaces exactly what it wrote.
    """
    cal = calendar or default_calendar()
    prefix = scope_prefix(actor.jurisdiction)
    with auditing.refusals_audited(engine, actor, "deadline.daily", f"division:{actor.jurisdiction}", request_id):
        require(actor.role, Permission.DEADLINE_REPORT)
    counts: dict[tuple[str, str], Counter[str]] = {}
    c = t.cases.c
    with engine.begin() as conn:
        rows = conn.execute(
            select(c.case_id, c.document, c.workflow_id, c.division_code, c.due_on).where(
                ~c.closed, c.division_code.startswith(prefix)
            )
        ).all()
        for r in rows:
            case, wf = case_store.from_document(r.document), workflow_by_key(r.workflow_id)
            fresh = due_on(case, wf, cal)
            if fresh != r.due_on:
                conn.execute(t.cases.update().where(c.case_id == r.case_id).values(due_on=fresh))
            spec = wf.states.get(case.state)
            if spec is None or spec.kind is not StateKind.PROCEDURE:
                continue
            running = running_deadlines(case, wf, today, cal)
            w = worst(running)
            status = "undated" if running is None else (w.status.value if w else "")
            for level, width in LEVELS:
                code = r.division_code[:width].ljust(12, "0")
                if code.startswith(prefix):
                    bucket = counts.setdefault((code, level), Counter())
                    bucket["in_procedure"] += 1
                    bucket[status] += 1
        names = _names(engine, {code for code, _ in counts})
        tallies = [
            DeadlineTally(
                code,
                level,
                names[code],
                n["in_procedure"],
                n[DeadlineStatus.DUE_SOON.value],
                n[DeadlineStatus.OVERDUE.value],
                n[DeadlineStatus.OVERDUE_ESCALATED.value],
                n["undated"],
            )
            for (code, level), n in sorted(counts.items())
        ]
        _store_day(conn, today, prefix, tallies)
        detail = {"day": today.isoformat(), "open_cases": len(rows), "divisions": len(tallies)}
        auditing.record(conn, actor, "deadline.daily", f"division:{actor.jurisdiction}", detail, request_id=request_id)
    return tallies


def _store_day(conn: Connection, today: dt.date, prefix: str, tallies: list[DeadlineTally]) -> None:
    o = t.overdue_daily.c
    conn.execute(delete(t.overdue_daily).where(o.day == today, o.division_code.startswith(prefix)))
    if tallies:
        now = dt.datetime.now(dt.UTC)
        conn.execute(
            t.overdue_daily.insert(),
            [
                {
                    "day": today,
                    "division_code": x.division_code,
                    "level": x.level,
                    "in_procedure": x.in_procedure,
                    "due_soon": x.due_soon,
                    "overdue": x.overdue,
                    "escalated": x.escalated,
                    "undated": x.undated,
                    "computed_at": now,
                }
                for x in tallies
            ],
        )


@dataclass(frozen=True, slots=True)
class QueueCounts:
    open_cases: int
    overdue: int  # a running limit's due date has passed


def queue_counts(engine: Engine, actor: Actor, *, today: dt.date) -> QueueCounts:
    """How many open cases the actor's jurisdiction has, and how many are overdue — two SQL counts."""
    with auditing.refusals_audited(engine, actor, "case.list", f"division:{actor.jurisdiction}"):
        require(actor.role, Permission.CASE_READ)
    c = t.cases.c
    scoped = select(func.count()).where(
        ~c.closed, c.division_code.startswith(scope_prefix(actor.jurisdiction))
    )
    with engine.connect() as conn:
        total = conn.execute(scoped).scalar_one()
        late = conn.execute(scoped.where(c.due_on < today)).scalar_one()
    return QueueCounts(int(total), int(late))
