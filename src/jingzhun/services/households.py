"""Reading a household and its members — a person-record read, so scoped, masked and audited.

Every read writes a ``household.read`` event in the same transaction as the read (security goal
4: N reads → N events; if the audit write fails, the read fails and nothing is shown). ID
numbers and phones are masked here, before anything leaves the service; showing them in full
is a separate, audited permission of the web application (issue 5). The auditor and the
administrator cannot read person records at all (``domain.access``); a household outside the
reader's jurisdiction is "not found".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import ResidentId, mask_identifiers
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services import auditing


@dataclass(frozen=True, slots=True)
class MemberView:
    person_id_masked: str
    name: str
    relation: str
    age: int | None
    health: str | None
    disability_grade: int | None
    labor_capacity: str | None
    schooling: str | None
    medical_insured: bool | None


@dataclass(frozen=True, slots=True)
class HouseholdView:
    household_id: str
    division_code: str
    alleviated: bool
    alleviated_year: int | None
    address: str | None
    phone_masked: str | None
    members: tuple[MemberView, ...]
    income: tuple[dict[str, object], ...]  # one per 12-month window, newest first; amounts in fen
    conditions: dict[str, object] | None
    events: tuple[dict[str, object], ...]  # newest first; person ids masked
    cases: tuple[dict[str, object], ...]  # case id, state and its label, opened, closed


def mask_id(value: str) -> str:
    try:
        return ResidentId(value).masked()
    except DomainError:
        return mask_identifiers(value)


def _age(person_id: str, on: dt.date) -> int | None:
    try:
        return ResidentId(person_id).age_on(on)
    except DomainError:
        return None


def _state_label(workflow_key: str, state: str) -> str:
    spec = workflow_by_key(workflow_key).states.get(state)
    return spec.label if spec else state


def household_in_scope(conn: Connection, household_id: str, actor: Actor) -> Row[Any]:
    """The household's row if it lies in the actor's jurisdiction; otherwise HOUSEHOLD_NOT_FOUND."""
    h = t.households.c
    row = conn.execute(
        select(t.households).where(
            h.household_id == household_id, h.division_code.startswith(scope_prefix(actor.jurisdiction))
        )
    ).first()
    if row is None:
        raise DomainError("HOUSEHOLD_NOT_FOUND", f"找不到农户 {household_id}")
    return row


def view_household(
    engine: Engine, household_id: str, actor: Actor, *, today: dt.date | None = None, request_id: str = ""
) -> HouseholdView:
    """One household in the actor's jurisdiction, masked; the read is audited in its own transaction."""
    on = today or dt.date.today()
    with auditing.refusals_audited(engine, actor, "household.read", f"household:{household_id}", request_id):
        require(actor.role, Permission.HOUSEHOLD_READ)
        m, i, c, e, k = (x.c for x in (t.members, t.income, t.conditions, t.events, t.cases))
        with engine.begin() as conn:
            row = household_in_scope(conn, household_id, actor)
            members = conn.execute(select(t.members).where(m.household_id == household_id).order_by(m.person_id))
            member_views = tuple(
                MemberView(
                    mask_id(r.person_id),
                    r.name,
                    r.relation,
                    _age(r.person_id, on),
                    r.health,
                    r.disability_grade,
                    r.labor_capacity,
                    r.schooling,
                    r.medical_insured,
                )
                for r in members
            )
            income = conn.execute(select(t.income).where(i.household_id == household_id).order_by(i.period_end.desc()))
            cond = conn.execute(select(t.conditions).where(c.household_id == household_id)).first()
            events = conn.execute(
                select(e.source, e.event_type, e.event_date, e.amount_fen, e.person_id)
                .where(e.household_id == household_id)
                .order_by(e.event_date.desc(), e.source, e.event_id)
            )
            cases = conn.execute(
                select(k.case_id, k.state, k.workflow_id, k.opened_at, k.closed).where(k.household_id == household_id)
            ).all()
            view = HouseholdView(
                household_id=row.household_id,
                division_code=row.division_code,
                alleviated=bool(row.alleviated),
                alleviated_year=row.alleviated_year,
                address=row.address,
                phone_masked=mask_identifiers(row.phone) if row.phone else None,
                members=member_views,
                income=tuple({k: v for k, v in r._asdict().items() if k not in ("household_id",)} for r in income),
                conditions=dict(cond._asdict()) if cond else None,
                events=tuple(
                    {**r._asdict(), "person_id": mask_id(r.person_id) if r.person_id else None} for r in events
                ),
                cases=tuple({**r._asdict(), "state_label": _state_label(r.workflow_id, r.state)} for r in cases),
            )
            detail = {"members": len(member_views)}
            auditing.record(conn, actor, "household.read", f"household:{household_id}", detail, request_id=request_id)
    return view


@dataclass(frozen=True, slots=True)
class Revealed:
    """Full identifiers of one household, shown once for a stated reason."""

    household_id: str
    phone: str | None
    members: tuple[tuple[str, str], ...]  # (name, full ID number)


MIN_REASON = 4


def reveal_identifiers(
    engine: Engine, household_id: str, actor: Actor, *, reason: str, request_id: str = ""
) -> Revealed:
    """The full ID numbers and phone of a household in scope — a separate permission, with a reason, audited.

    Masking is the default everywhere (GB/T 35273 §7.2); a caseworker who must copy an ID number
    onto a bank or insurance form asks for it here, says why, and the reason goes into the audit
    event (``person.unmask``) in the same transaction as the read.
    """
    ref = f"household:{household_id}"
    with auditing.refusals_audited(engine, actor, "person.unmask", ref, request_id):
        require(actor.role, Permission.PERSON_UNMASK)
        if len(reason.strip()) < MIN_REASON:
            raise DomainError("REASON_MISSING", f"查看完整证件号码须写明理由（至少 {MIN_REASON} 个字）", field="reason")
        m = t.members.c
        with engine.begin() as conn:
            row = household_in_scope(conn, household_id, actor)
            members = conn.execute(
                select(m.name, m.person_id).where(m.household_id == household_id).order_by(m.person_id)
            ).all()
            detail = {"reason": reason.strip()[:200], "members": len(members)}
            auditing.record(conn, actor, "person.unmask", ref, detail, request_id=request_id)
    return Revealed(household_id, row.phone, tuple((str(a), str(b)) for a, b in members))
