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
from typing import Any

from sqlalchemy import Connection, select

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
    )


def load(conn: Connection, case_id: str, scope: str) -> tuple[Case, int]:
    """The case and its version — only if its household lies inside ``scope`` (a division prefix).

    Out of scope is *not found*: a user must not learn that a case exists elsewhere.
    """
    c = t.cases.c
    row = conn.execute(
        select(c.document, c.version).where(c.case_id == case_id, c.division_code.startswith(scope))
    ).first()
    if row is None:
        raise DomainError("CASE_NOT_FOUND", f"找不到案件 {case_id}")
    return from_document(row[0]), int(row[1])


def open_case_of(conn: Connection, household_id: str) -> tuple[Case, int] | None:
    c = t.cases.c
    row = conn.execute(
        select(c.document, c.version).where(c.household_id == household_id, c.closed.is_(False)).with_for_update()
    ).first()
    return (from_document(row[0]), int(row[1])) if row else None


def insert(conn: Connection, case: Case, *, division_code: str, workflow_id: str) -> None:
    conn.execute(t.cases.insert().values(
        case_id=case.case_id, household_id=case.household_id, division_code=division_code,
        workflow_id=workflow_id, state=case.state, closed=case.closed, opened_at=case.opened_at,
        version=1, document=to_document(case),
    ))  # fmt: skip


def update(conn: Connection, case: Case, *, expected_version: int) -> None:
    c = t.cases.c
    done = conn.execute(
        t.cases.update()
        .where(c.case_id == case.case_id, c.version == expected_version)
        .values(state=case.state, closed=case.closed, version=expected_version + 1, document=to_document(case))
    )
    if done.rowcount != 1:
        raise DomainError("CASE_CONFLICT", f"案件 {case.case_id} 已被他人修改，请刷新后重试")
