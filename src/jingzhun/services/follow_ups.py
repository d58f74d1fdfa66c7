"""Follow-up visits (回访) of households whose risk was eliminated, and their helpers (帮扶联系人).

* ``assign_helper`` / ``end_helper``: who is responsible for a household (四个不摘: 摘帽不摘责任);
  an assignment is ended with a reason, never deleted.
* ``due_follow_ups``: for the jurisdiction (or the helper's own households), each household whose
  case stands eliminated — tracked or detached — with the day its next visit is due
  (``domain.follow_ups.Schedule``, the policy's interval and period) and whether it is overdue.
  A list of ids and dates without person data, like the work queue: not an audited read.
* ``record_follow_up``: a visit and what it found, audited. A visit that finds a new risk
  raises a lead (基层干部排查) in the same transaction: while the case is still tracked the lead
  joins it, for the county to decide on 风险消除回退; after detachment it opens a new case of
  identification that names the one it re-opens (``Case.follows``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case, Channel, Lead
from jingzhun.domain.day_range import FOLLOW_UP_DAYS
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.follow_ups import DueStatus, Finding, Schedule, Visit, due_status
from jingzhun.policy import PolicyError, load_packs
from jingzhun.policy.workflow_registry import shipped_workflow_list, workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.cases import default_calendar, eliminated_case, fold_leads, lead_events, save_folded
from jingzhun.services.households import household_in_scope


@dataclass(frozen=True, slots=True)
class Helper:
    assignment_id: str
    household_id: str
    helper_name: str
    helper_user_id: str | None
    unit: str
    assigned_on: dt.date


@dataclass(frozen=True, slots=True)
class FollowUpDue:
    """One eliminated household's follow-up schedule on a day."""

    case_id: str
    household_id: str
    division_code: str
    case_state: str
    eliminated_on: dt.date
    last_visit: dt.date | None
    due_on: dt.date
    status: DueStatus
    helpers: tuple[str, ...]  # names of the helpers assigned now
    state_label: str = ""  # the case state's label (风险已消除（跟踪期）, 跟踪期满已脱钩)

    @property
    def overdue(self) -> bool:
        return self.status is DueStatus.OVERDUE


def assign_helper(
    engine: Engine,
    household_id: str,
    actor: Actor,
    *,
    helper_name: str,
    unit: str,
    helper_user_id: str | None = None,
    on: dt.date | None = None,
    request_id: str = "",
) -> Helper:
    """Assign a helper to a household in the actor's scope (a household may have several)."""
    day = on or local_date(dt.datetime.now(dt.UTC))
    with auditing.refusals_audited(engine, actor, "helper.assign", f"household:{household_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        if not helper_name.strip() or not unit.strip():
            raise DomainError("HELPER_INVALID", "请填写帮扶联系人姓名和帮扶单位", field="helper_name")
        with engine.begin() as conn:
            row = household_in_scope(conn, household_id, actor)
            if helper_user_id is not None:
                _check_account(conn, helper_user_id)
            helper = Helper(f"A{uuid.uuid4().hex[:12]}", household_id, helper_name.strip(), helper_user_id,
                            unit.strip(), day)  # fmt: skip
            conn.execute(
                t.helper_assignments.insert().values(
                    assignment_id=helper.assignment_id, household_id=household_id, division_code=row.division_code,
                    helper_name=helper.helper_name, helper_user_id=helper_user_id, unit=helper.unit,
                    assigned_on=day, assigned_by=actor.actor_id,
                )
            )  # fmt: skip
            detail = {"assignment": helper.assignment_id, "unit": helper.unit, "account": helper_user_id or ""}
            auditing.record(conn, actor, "helper.assign", f"household:{household_id}", detail, request_id=request_id)
    return helper


def end_helper(
    engine: Engine,
    household_id: str,
    assignment_id: str,
    actor: Actor,
    *,
    reason: str,
    on: dt.date | None = None,
    request_id: str = "",
) -> None:
    """End an assignment (调整帮扶联系人) with a reason; the row stays.

    The household is part of the key so that a form posted for one household cannot end another
    household's assignment in the same jurisdiction by its ID alone.
    """
    day = on or local_date(dt.datetime.now(dt.UTC))
    with auditing.refusals_audited(engine, actor, "helper.end", f"assignment:{assignment_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        if not reason.strip():
            raise DomainError("REASON_MISSING", "调整帮扶联系人须写明理由", field="reason")
        h = t.helper_assignments.c
        with engine.begin() as conn:
            done = conn.execute(
                t.helper_assignments.update()
                .where(h.assignment_id == assignment_id, h.household_id == household_id, h.ended_on.is_(None),
                       h.division_code.startswith(scope_prefix(actor.jurisdiction)))
                .values(ended_on=day, ended_by=actor.actor_id, end_reason=reason.strip())
            )  # fmt: skip
            if done.rowcount != 1:
                raise DomainError("ASSIGNMENT_NOT_FOUND", f"找不到在办的帮扶联系人安排 {assignment_id}")
            auditing.record(conn, actor, "helper.end", f"assignment:{assignment_id}", {"reason": reason.strip()},
                            request_id=request_id)  # fmt: skip


def helpers_of(conn: Connection, household_ids: list[str], on: dt.date) -> dict[str, list[Helper]]:
    """The helpers assigned on ``on`` to each household (assigned by then, not ended before)."""
    h = t.helper_assignments.c
    out: dict[str, list[Helper]] = {}
    for i in range(0, len(household_ids), 500):
        rows = conn.execute(
            select(t.helper_assignments)
            .where(h.household_id.in_(household_ids[i : i + 500]), h.assigned_on <= on)
            .where((h.ended_on.is_(None)) | (h.ended_on > on))
            .order_by(h.assigned_on, h.assignment_id)
        )
        for r in rows:
            out.setdefault(r.household_id, []).append(
                Helper(r.assignment_id, r.household_id, r.helper_name, r.helper_user_id, r.unit, r.assigned_on)
            )
    return out


def visits_of(conn: Connection, case_ids: list[str]) -> dict[str, list[dt.date]]:
    f = t.follow_ups.c
    out: dict[str, list[dt.date]] = {}
    for i in range(0, len(case_ids), 500):
        for r in conn.execute(select(f.case_id, f.visited_on).where(f.case_id.in_(case_ids[i : i + 500]))):
            out.setdefault(r.case_id, []).append(r.visited_on)
    return out


def checked_day(day: dt.date | None, field: str = "today") -> dt.date:
    """The day asked (today in Beijing if none), refused outside the years a schedule can be computed for."""
    return FOLLOW_UP_DAYS.check(day or local_date(dt.datetime.now(dt.UTC)), field)


def due_follow_ups(
    engine: Engine, actor: Actor, *, today: dt.date | None = None, overdue_only: bool = False, mine: bool = False
) -> list[FollowUpDue]:
    """The follow-ups of the jurisdiction's eliminated households, soonest due first.

    ``mine``: only the households the actor is the assigned helper of.
    """
    with auditing.refusals_audited(engine, actor, "follow_up.list", f"division:{actor.jurisdiction}"):
        require(actor.role, Permission.CASE_READ)
        on = checked_day(today)
    with engine.connect() as conn:
        cases = eliminated_cases(conn, scope_prefix(actor.jurisdiction))
        households = sorted({s.case.household_id for s in cases})
        helpers = helpers_of(conn, households, on)
        visits = visits_of(conn, [s.case.case_id for s in cases])
    out = []
    for s in cases:
        hh = s.case.household_id
        if mine and not any(h.helper_user_id == actor.actor_id for h in helpers.get(hh, ())):
            continue
        item = follow_up_of(s, visits.get(s.case.case_id, []), helpers.get(hh, []), on)
        if item is not None and (item.overdue or not overdue_only):
            out.append(item)
    return sorted(out, key=lambda x: (x.due_on, x.case_id))


def record_follow_up(
    engine: Engine,
    case_id: str,
    actor: Actor,
    *,
    visited_on: dt.date,
    finding: Finding,
    note: str,
    risk_codes: tuple[str, ...] = (),
    at: dt.datetime | None = None,
    request_id: str = "",
) -> tuple[str, Case | None]:
    """Record a visit to an eliminated household; returns its id and, for a new risk, the case the lead went to."""
    now = at or dt.datetime.now(dt.UTC)
    with auditing.refusals_audited(engine, actor, "follow_up.record", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        visit = Visit(visited_on, actor.actor_id, finding, note.strip(), tuple(dict.fromkeys(risk_codes)))
        if visited_on > local_date(now):
            raise DomainError("TIME_IN_FUTURE", f"回访日期 {visited_on} 晚于今天", field="visited_on")
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            since = stored.case.eliminated_since(workflow_by_key(stored.workflow_key))
            if not eliminated_case(stored) or since is None:
                raise DomainError("FOLLOW_UP_NOT_ELIMINATED", f"案件 {case_id} 的风险未标注消除，不需要回访")
            if visited_on < since:
                message = f"回访日期 {visited_on} 早于风险消除之日 {since}"
                raise DomainError("FOLLOW_UP_DATE", message, field="visited_on")
            follow_up_id = f"F{uuid.uuid4().hex[:12]}"
            joined = None
            if finding is Finding.NEW_RISK:
                joined = _raise_lead(conn, stored, actor, follow_up_id, visit, now, request_id)
            conn.execute(
                t.follow_ups.insert().values(
                    follow_up_id=follow_up_id, case_id=case_id, household_id=stored.case.household_id,
                    division_code=stored.division_code, visited_on=visited_on, visited_by=actor.actor_id,
                    recorded_at=now, finding=finding.value, risk_codes=",".join(visit.risk_codes), note=visit.note,
                    lead_id=f"FU-{follow_up_id}" if joined else None,
                )
            )  # fmt: skip
            detail = {"visited_on": visited_on.isoformat(), "finding": finding.value,
                      "risk_codes": list(visit.risk_codes), "lead_case": joined.case_id if joined else ""}  # fmt: skip
            auditing.record(conn, actor, "follow_up.record", f"case:{case_id}", detail, request_id=request_id)
    return follow_up_id, joined


def _raise_lead(
    conn: Connection,
    stored: case_store.Stored,
    actor: Actor,
    follow_up_id: str,
    visit: Visit,
    now: dt.datetime,
    request_id: str,
) -> Case:
    """The new risk as a lead of the household: into its open case, or a new one that re-opens this one."""
    require(actor.role, Permission.LEAD_CREATE)
    household = stored.case.household_id
    lead = Lead(
        f"FU-{follow_up_id}", household, Channel.CADRE_SCREENING, now,
        source=f"风险消除后回访发现新风险（回访 {follow_up_id}，{visit.visited_on}）",
        suggested_risk_codes=visit.risk_codes,
    )  # fmt: skip
    current = case_store.open_case_of(conn, household)
    previous = None if current else stored
    folded = fold_leads(current, [lead], stored.division_code, default_calendar(), previous)
    save_folded(conn, [folded], {household: stored.division_code})
    auditing.record_many(conn, lead_events(actor, folded, request_id))
    return folded.case


def eliminated_states() -> frozenset[str]:
    """The names of the states, in any shipped workflow, where a household's risk counts as eliminated."""
    return frozenset(n for wf in shipped_workflow_list() for n, spec in wf.states.items() if spec.risk_eliminated)


def eliminated_cases(conn: Connection, scope: str) -> list[case_store.Stored]:
    """Cases in scope standing eliminated, unless the household has opened a new case since (a rebound).

    Selected by state in SQL (the work page asks on every view), then checked against the case's
    own workflow; only those cases' documents are read.
    """
    c = t.cases.c
    rows = conn.execute(
        select(c.document, c.version, c.workflow_id, c.division_code, c.closed, c.household_id).where(
            c.division_code.startswith(scope), c.state.in_(sorted(eliminated_states()))
        )
    ).all()
    detached = sorted({r.household_id for r in rows if r.closed})
    reopened: set[str] = set()
    for i in range(0, len(detached), 500):
        reopened |= set(
            conn.execute(select(c.household_id).where(c.household_id.in_(detached[i : i + 500]), ~c.closed)).scalars()
        )
    out = []
    for r in rows:
        if r.closed and r.household_id in reopened:
            continue
        s = case_store.Stored(case_store.from_document(r.document), int(r.version), str(r.workflow_id),
                              str(r.division_code))  # fmt: skip
        if eliminated_case(s):
            out.append(s)
    return out


def follow_up_of(s: case_store.Stored, visits: list[dt.date], helpers: list[Helper], on: dt.date) -> FollowUpDue | None:
    wf = workflow_by_key(s.workflow_key)
    since = s.case.eliminated_since(wf)
    if since is None:
        return None
    try:
        policy = load_packs().resolve(s.division_code[:6].ljust(12, "0"), on)
    except PolicyError:
        return None  # no policy in force there today: no schedule to hold anyone to
    due = Schedule.of(policy.params).next_due(since, visits)
    if due is None:
        return None
    last = max((v for v in visits if v >= since), default=None)
    names = tuple(h.helper_name for h in helpers)
    label = wf.states[s.case.state].label if s.case.state in wf.states else s.case.state
    status, c = due_status(due, on), s.case
    return FollowUpDue(c.case_id, c.household_id, s.division_code, c.state, since, last, due, status, names, label)


def _check_account(conn: Connection, user_id: str) -> None:
    u = t.users.c
    if conn.execute(select(u.user_id).where(u.user_id == user_id, u.active)).first() is None:
        raise DomainError("HELPER_INVALID", f"没有在用的账号 {user_id}", field="helper_user_id")
