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

from sqlalchemy import Connection, Engine, Row, or_, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import ResidentId, mask_identifiers
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.assessment import Assessment, StoreRows, assess


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
    events: tuple[dict[str, object], ...]  # naming the household or a member, newest first; person ids masked
    cases: tuple[dict[str, object], ...]  # case id, state and its label, opened, closed
    assessment: Assessment  # per-capita income against the threshold in force, and the warning, on the day


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


def assessment_day() -> dt.date:
    """Today in China, the township's day: what a household is screened on when no day is given."""
    return local_date(dt.datetime.now(dt.UTC))


def view_household(
    engine: Engine, household_id: str, actor: Actor, *, today: dt.date | None = None, request_id: str = ""
) -> HouseholdView:
    """One household in the actor's jurisdiction, masked, screened live on ``today`` (China-local by default).

    The read is audited in its own transaction, as one event however much is shown.
    """
    on = today or assessment_day()
    with auditing.refusals_audited(engine, actor, "household.read", f"household:{household_id}", request_id):
        require(actor.role, Permission.HOUSEHOLD_READ)
        with engine.begin() as conn:
            rows = store_rows(conn, household_in_scope(conn, household_id, actor))
            view = _view(rows, conn, on)
            detail = {"members": len(view.members)}
            ref = f"household:{household_id}"
            auditing.record_read(conn, actor, "household.read", ref, detail, request_id=request_id)
    return view


def _member(r: Row[Any], on: dt.date) -> MemberView:
    return MemberView(
        mask_id(r.person_id), r.name, r.relation, _age(r.person_id, on), r.health, r.disability_grade,
        r.labor_capacity, r.schooling, r.medical_insured,
    )  # fmt: skip


def store_rows(conn: Connection, row: Row[Any]) -> StoreRows:
    """The household's registry rows; events are those naming it or one of its members (as the engine places them)."""
    household_id = row.household_id
    m, i, c, e = (x.c for x in (t.members, t.income, t.conditions, t.events))
    members = tuple(conn.execute(select(t.members).where(m.household_id == household_id).order_by(m.person_id)))
    person_ids = [r.person_id for r in members]
    return StoreRows(
        household=row,
        members=members,
        income=tuple(
            conn.execute(select(t.income).where(i.household_id == household_id).order_by(i.period_end.desc()))
        ),
        conditions=conn.execute(select(t.conditions).where(c.household_id == household_id)).first(),
        events=tuple(
            conn.execute(
                select(e.source, e.event_id, e.event_type, e.event_date, e.amount_fen, e.person_id, e.household_id)
                .where(or_(e.household_id == household_id, e.person_id.in_(person_ids)))
                .order_by(e.event_date.desc(), e.source, e.event_id)
            )
        ),
    )


def _view(rows: StoreRows, conn: Connection, on: dt.date) -> HouseholdView:
    kc = t.cases.c
    row = rows.household
    cases = conn.execute(
        select(kc.case_id, kc.state, kc.workflow_id, kc.opened_at, kc.closed).where(kc.household_id == row.household_id)
    ).all()
    shown_event = ("source", "event_type", "event_date", "amount_fen")
    return HouseholdView(
        household_id=row.household_id,
        division_code=row.division_code,
        alleviated=bool(row.alleviated),
        alleviated_year=row.alleviated_year,
        address=row.address,
        phone_masked=mask_identifiers(row.phone) if row.phone else None,
        members=tuple(_member(r, on) for r in rows.members),
        income=tuple({k: v for k, v in r._asdict().items() if k != "household_id"} for r in rows.income),
        conditions=dict(rows.conditions._asdict()) if rows.conditions else None,
        events=tuple(
            {
                **{name: getattr(r, name) for name in shown_event},
                "person_id": mask_id(r.person_id) if r.person_id else None,
            }
            for r in rows.events
        ),
        cases=tuple({**r._asdict(), "state_label": _state_label(r.workflow_id, r.state)} for r in cases),
        assessment=assess(rows, on),
    )


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
            auditing.record_read(conn, actor, "person.unmask", ref, detail, request_id=request_id)
    return Revealed(household_id, row.phone, tuple((str(a), str(b)) for a, b in members))
