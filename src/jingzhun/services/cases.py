"""Case use cases: receive a lead, act on a case — each one transaction with its audit event.

Scoping is inside the queries: an actor sees and acts on the cases of households within
their jurisdiction (a division-code prefix: a village's 12 digits, a township's 9, a
county's 6 …); anything else is "not found". Every lead and every transition writes an audit
event in the same transaction (an audit failure fails the action).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store, case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Case, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import WorkingCalendar
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import WorkflowDefinition


def scope_prefix(jurisdiction: str) -> str:
    """``532328000000`` → ``532328``: the division-code prefix an actor's scope covers."""
    code = jurisdiction.rstrip("0")
    for width in (2, 4, 6, 9, 12):
        if len(code) <= width:
            return jurisdiction[:width]
    return jurisdiction


def _household_division(conn: Connection, household_id: str, scope: str) -> str:
    h = t.households.c
    code = conn.execute(
        select(h.division_code).where(h.household_id == household_id, h.division_code.startswith(scope))
    ).scalar()
    if code is None:
        raise DomainError("HOUSEHOLD_NOT_FOUND", f"找不到农户 {household_id}")
    return str(code)


def receive_lead(engine: Engine, lead: Lead, actor: Actor, wf: WorkflowDefinition) -> Case:
    """Merge the lead into the household's open case, or open a new case (one per household)."""
    scope = scope_prefix(actor.jurisdiction)
    with engine.begin() as conn:
        division = _household_division(conn, lead.household_id, scope)
        current = case_store.open_case_of(conn, lead.household_id)
        if current is None:
            case = Case.open(f"C{uuid.uuid4().hex[:12]}", wf, [lead])
            case_store.insert(conn, case, division_code=division, workflow_id=wf.id)
            action = "case.open"
        else:
            case, version = current
            case.merge(lead, wf)
            case_store.update(conn, case, expected_version=version)
            action = "case.merge_lead"
        _audit(conn, actor, action, case, {"lead": lead.lead_id, "channel": lead.channel.value})
    return case


def act_on_case(
    engine: Engine,
    case_id: str,
    action: str,
    actor: Actor,
    wf: WorkflowDefinition,
    *,
    at: dt.datetime | None = None,
    evidence: Sequence[str] = (),
    reason: str = "",
    category: MonitoringCategory | None = None,
    risk_codes: Sequence[str] | None = None,
    calendar: WorkingCalendar | None = None,
) -> Case:
    """Take one workflow action on a case in the actor's scope; the guards are the domain's."""
    with engine.begin() as conn:
        case, version = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
        transition = case.act(
            wf, action, actor, at or dt.datetime.now(dt.UTC), evidence=evidence, reason=reason,
            category=category, risk_codes=risk_codes, calendar=calendar,
        )  # fmt: skip
        case_store.update(conn, case, expected_version=version)
        _audit(conn, actor, f"case.{action}", case, {"from": transition.source, "to": transition.target})
    return case


def list_cases(engine: Engine, actor: Actor) -> list[Case]:
    """The cases of the actor's jurisdiction, newest first."""
    c = t.cases.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.document)
            .where(c.division_code.startswith(scope_prefix(actor.jurisdiction)))
            .order_by(c.opened_at.desc())
        ).scalars()
        return [case_store.from_document(r) for r in rows]


def _audit(conn: Connection, actor: Actor, action: str, case: Case, detail: dict[str, str]) -> None:
    audit_store.append(
        conn, sm3, actor=actor.actor_id, role=actor.role.value, jurisdiction=actor.jurisdiction, action=action,
        record=f"case:{case.case_id}", detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
    )  # fmt: skip
