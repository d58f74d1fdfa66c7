"""What the pages and the API read about follow-ups (回访) beyond ``services.follow_ups``' use cases.

* ``due_list``: the jurisdiction's due list on a day (``due_follow_ups``), with the households
  the actor is the helper of marked, so a work queue can say "我联系的" without a second pass;
  a day outside 2000–2199 is refused with a domain error (a caller may send any date).
* ``case_follow_ups``: one case's next visit and its recorded visits, for the case page — which
  is itself the audited read (``view_case``), so this is not audited again.
* ``current_helpers``: one household's helpers today, for the household page (audited there).

Ids, dates and the visits' notes only: no member of a household is read here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.follow_ups import DueStatus, Finding
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.cases import eliminated_case
from jingzhun.services.follow_ups import FollowUpDue, Helper, checked_day, due_follow_ups, follow_up_of, helpers_of
from jingzhun.services.households import household_in_scope


@dataclass(frozen=True, slots=True)
class DueList:
    day: dt.date
    items: list[FollowUpDue]
    mine: frozenset[str]  # case ids of the households the actor is a helper of

    def counts(self) -> dict[DueStatus, int]:
        found = Counter(x.status for x in self.items)
        return {s: found[s] for s in DueStatus}


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """One recorded visit, as the case page lists it."""

    follow_up_id: str
    visited_on: dt.date
    visited_by: str
    finding: Finding
    risk_codes: tuple[str, ...]
    note: str
    raised_lead: bool  # a new risk found on it raised a lead


@dataclass(frozen=True, slots=True)
class CaseFollowUps:
    due: FollowUpDue | None  # None: not eliminated, the follow-up period is over, or the household re-opened
    visits: tuple[VisitRecord, ...]  # newest first
    reopened_by: str = ""  # a detached case's household has a new case: it is followed there, not by visits
    eliminated_on: dt.date | None = None  # the day the risk was eliminated (the county's approval)


def due_list(
    engine: Engine, actor: Actor, *, today: dt.date | None = None, overdue_only: bool = False, mine: bool = False
) -> DueList:
    """The due list (soonest due first) with the actor's own households marked."""
    with auditing.refusals_audited(engine, actor, "follow_up.list", f"division:{actor.jurisdiction}"):
        require(actor.role, Permission.CASE_READ)  # before the day: a role without access learns nothing more
        on = checked_day(today)
    items = due_follow_ups(engine, actor, today=on, overdue_only=overdue_only, mine=mine)
    h = t.helper_assignments.c
    with engine.connect() as conn:  # the actor's own assignments: a handful, whatever the jurisdiction's size
        own = set(
            conn.scalars(
                select(h.household_id).where(
                    h.helper_user_id == actor.actor_id, h.assigned_on <= on, h.ended_on.is_(None) | (h.ended_on > on)
                )
            )
        )
    return DueList(on, items, frozenset(x.case_id for x in items if x.household_id in own))


def case_follow_ups(engine: Engine, case_id: str, actor: Actor, *, today: dt.date | None = None) -> CaseFollowUps:
    """One case's next follow-up and its recorded visits; out of scope is CASE_NOT_FOUND.

    As in the due list, a detached case whose household has opened a new case since (a rebound)
    has no next visit: the new case names it and the procedure follows the household now.
    """
    require(actor.role, Permission.CASE_READ)
    on = checked_day(today)
    f = t.follow_ups.c
    with engine.connect() as conn:
        stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
        rows = conn.execute(
            select(t.follow_ups).where(f.case_id == case_id).order_by(f.visited_on.desc(), f.recorded_at.desc())
        ).all()
        household = stored.case.household_id
        helpers = helpers_of(conn, [household], on).get(household, []) if eliminated_case(stored) else []
        reopened = ""
        if stored.case.closed:
            c = t.cases.c
            found = conn.scalars(select(c.case_id).where(c.household_id == household, c.closed.is_(False))).first()
            reopened = found or ""
    visits = tuple(
        VisitRecord(r.follow_up_id, r.visited_on, r.visited_by, Finding(r.finding),
                    tuple(x for x in r.risk_codes.split(",") if x), r.note, bool(r.lead_id))
        for r in rows
    )  # fmt: skip
    due = None
    if eliminated_case(stored) and not reopened:
        due = follow_up_of(stored, [v.visited_on for v in visits], helpers, on)
    since = stored.case.eliminated_since(workflow_by_key(stored.workflow_key))
    return CaseFollowUps(due, visits, reopened, since)


def current_helpers(engine: Engine, household_id: str, actor: Actor, *, on: dt.date | None = None) -> list[Helper]:
    """The household's helpers on ``on`` (today by default), longest-serving first; out of scope is not found."""
    require(actor.role, Permission.HOUSEHOLD_READ)
    day = checked_day(on, "on")
    with engine.connect() as conn:
        household_in_scope(conn, household_id, actor)
        return helpers_of(conn, [household_id], day).get(household_id, [])
