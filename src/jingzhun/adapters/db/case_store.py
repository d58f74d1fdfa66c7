"""Cases in the store: the ``Case`` aggregate as a JSON document, saved with optimistic locking.

The aggregate (``domain/cases.py``) is small and always read whole, so one document per case
keeps the mapping trivial; the columns beside it (household, division, state, closed) are
what queries filter and scope on. ``version`` makes a concurrent edit fail instead of
silently overwriting; the partial unique index keeps one open case per household even if two
requests race past the domain check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Case, Channel, Lead, Objection, Transition
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def to_document(case: Case) -> str:
    data = {f.name: _plain(getattr(case, f.name)) for f in dataclasses.fields(case)}
    data["leads"] = [{k: _plain(v) for k, v in dataclasses.asdict(x).items()} for x in case.leads]
    data["history"] = [{k: _plain(v) for k, v in dataclasses.asdict(x).items()} for x in case.history]
    data["objections"] = [{k: _plain(v) for k, v in dataclasses.asdict(x).items()} for x in case.objections]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _category(value: str | None) -> MonitoringCategory | None:
    return MonitoringCategory(value) if value else None


def from_document(text: str) -> Case:
    d = json.loads(text)
    leads = [
        Lead(
            x["lead_id"],
            x["household_id"],
            Channel(x["channel"]),
            _time(x["received_at"]),  # type: ignore[arg-type]
            x["source"],
            x["department"],
            _category(x["suggested_category"]),
            tuple(x["suggested_risk_codes"]),
        )
        for x in d["leads"]
    ]
    history = [
        Transition(
            **{
                **x,
                "actor_role": Role(x["actor_role"]),
                "at": _time(x["at"]),
                "evidence": tuple(x["evidence"]),
                "category": _category(x["category"]),
                "risk_codes": tuple(x["risk_codes"]),
            }
        )
        for x in d["history"]
    ]
    objections = [
        Objection(**{**x, "raised_at": _time(x["raised_at"]), "answered_at": _time(x["answered_at"])})
        for x in d["objections"]
    ]
    return Case(
        d["case_id"],
        d["household_id"],
        d["state"],
        _time(d["opened_at"]),  # type: ignore[arg-type]
        leads,
        _category(d["category"]),
        tuple(d["risk_codes"]),
        history,
        objections,
        d["closed"],
        tuple(d.get("phases", ())),  # documents written before issue 7 have neither
        d.get("follows", ""),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """A case as loaded, with what saving it back needs."""

    case: Case
    version: int
    workflow_key: str
    division_code: str


def _stored(row: Any) -> Stored:
    return Stored(from_document(row.document), int(row.version), str(row.workflow_id), str(row.division_code))


_COLUMNS = (t.cases.c.document, t.cases.c.version, t.cases.c.workflow_id, t.cases.c.division_code)


def load(conn: Connection, case_id: str, scope: str) -> Stored:
    """The case — only if its household lies inside ``scope`` (a division prefix).

    Out of scope is *not found*: a user must not learn that a case exists elsewhere.
    """
    c = t.cases.c
    row = conn.execute(select(*_COLUMNS).where(c.case_id == case_id, c.division_code.startswith(scope))).first()
    if row is None:
        raise DomainError("CASE_NOT_FOUND", f"找不到案件 {case_id}")
    return _stored(row)


def case_of_lead(conn: Connection, lead_id: str, household_id: str) -> Stored:
    """The case a received lead went into; the id must have been received for this household."""
    c, k = t.cases.c, t.case_leads.c
    row = conn.execute(
        select(*_COLUMNS)
        .join(t.case_leads, k.case_id == c.case_id)
        .where(k.lead_id == lead_id, k.household_id == household_id)
    ).first()
    if row is None:
        raise DomainError("LEAD_ID_TAKEN", f"线索编号 {lead_id} 已用于另一户，请换一个编号", field="lead_id")
    return _stored(row)


def open_case_of(conn: Connection, household_id: str) -> Stored | None:
    c = t.cases.c
    row = conn.execute(
        select(*_COLUMNS).where(c.household_id == household_id, ~c.closed).with_for_update()
    ).first()
    return _stored(row) if row else None


def latest_closed_of(conn: Connection, household_ids: list[str]) -> dict[str, Stored]:
    """The most recently opened closed case of each of ``household_ids`` that has one."""
    c = t.cases.c
    out: dict[str, Stored] = {}
    for i in range(0, len(household_ids), 500):
        chunk = household_ids[i : i + 500]
        rows = conn.execute(select(*_COLUMNS).where(c.household_id.in_(chunk), c.closed).order_by(c.opened_at))
        for stored in map(_stored, rows):
            out[stored.case.household_id] = stored  # later rows replace earlier ones
    return out


def open_cases_of(conn: Connection, household_ids: list[str]) -> dict[str, Stored]:
    """The open case of each of ``household_ids`` that has one (batch lead intake)."""
    c = t.cases.c
    out: dict[str, Stored] = {}
    for i in range(0, len(household_ids), 500):
        chunk = household_ids[i : i + 500]
        rows = conn.execute(select(*_COLUMNS).where(c.household_id.in_(chunk), ~c.closed).with_for_update())
        for stored in map(_stored, rows):
            out[stored.case.household_id] = stored
    return out


def insert(conn: Connection, case: Case, *, division_code: str, workflow_key: str, due_on: dt.date | None) -> None:
    insert_many(conn, [NewCase(case, division_code, workflow_key, due_on)])


class NewCase(NamedTuple):
    case: Case
    division_code: str
    workflow_key: str
    due_on: dt.date | None


class CaseUpdate(NamedTuple):
    case: Case
    expected_version: int
    due_on: dt.date | None
    workflow_key: str | None = None  # a new workflow the case follows from now on (identification → elimination)


def insert_many(conn: Connection, items: Sequence[NewCase]) -> None:
    """New cases and their leads, in two bulk statements."""
    if not items:
        return
    conn.execute(
        t.cases.insert(),
        [
            {
                "case_id": x.case.case_id,
                "household_id": x.case.household_id,
                "division_code": x.division_code,
                "workflow_id": x.workflow_key,
                "state": x.case.state,
                "closed": x.case.closed,
                "opened_at": x.case.opened_at,
                "version": 1,
                "document": to_document(x.case),
                "due_on": x.due_on,
            }
            for x in items
        ],
    )
    record_leads(conn, [(x.case, x.case.leads) for x in items])


def update(
    conn: Connection, case: Case, *, expected_version: int, due_on: dt.date | None, workflow_key: str | None = None
) -> None:
    update_many(conn, [CaseUpdate(case, expected_version, due_on, workflow_key)])


def update_many(conn: Connection, items: Sequence[CaseUpdate]) -> None:
    """Save changed cases, each only if nobody saved it since it was read (optimistic locking)."""
    c = t.cases.c
    statement = (
        t.cases.update()
        .where(c.case_id == bindparam("k_case_id"), c.version == bindparam("k_version"))
        .values(
            state=bindparam("state"),
            closed=bindparam("closed"),
            version=bindparam("version"),
            document=bindparam("document"),
            due_on=bindparam("due_on"),
        )
    )
    for x in items:  # one statement each: a bulk update's row count cannot say which case conflicted
        if x.workflow_key is not None:
            conn.execute(t.cases.update().where(c.case_id == x.case.case_id).values(workflow_id=x.workflow_key))
        done = conn.execute(
            statement,
            {
                "k_case_id": x.case.case_id,
                "k_version": x.expected_version,
                "state": x.case.state,
                "closed": x.case.closed,
                "version": x.expected_version + 1,
                "document": to_document(x.case),
                "due_on": x.due_on,
            },
        )
        if done.rowcount != 1:
            raise DomainError("CASE_CONFLICT", f"案件 {x.case.case_id} 已被他人修改，请刷新后重试")


def record_leads(conn: Connection, items: Sequence[tuple[Case, Sequence[Lead]]]) -> None:
    """Index leads by id (a lead id already recorded is a duplicate the caller should have skipped)."""
    rows = [
        {
            "lead_id": x.lead_id,
            "case_id": case.case_id,
            "household_id": x.household_id,
            "channel": x.channel.value,
            "received_at": x.received_at,
        }
        for case, leads in items
        for x in leads
    ]
    if rows:
        conn.execute(t.case_leads.insert(), rows)


def known_lead_ids(conn: Connection, lead_ids: list[str]) -> set[str]:
    """Those of ``lead_ids`` already received (in any case, open or closed)."""
    c = t.case_leads.c
    out: set[str] = set()
    for i in range(0, len(lead_ids), 500):
        out.update(conn.execute(select(c.lead_id).where(c.lead_id.in_(lead_ids[i : i + 500]))).scalars())
    return out
