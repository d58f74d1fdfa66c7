"""Plans in the store: the ``AssistancePlan`` aggregate as a JSON document, its items also as rows.

Like a case (``case_store``): one document read and written whole, ``version`` for optimistic
locking so two caseworkers editing one plan cannot overwrite each other. The ``plan_items``
rows are rewritten in the same transaction as the document, so the county-wide chain checks
read them in bulk and they can never disagree with the plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from jingzhun.adapters.db import tables as t
from jingzhun.domain.errors import DomainError
from jingzhun.domain.plans import AssistancePlan, ItemStatus, PlanItem, PlanVersion, Review


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _item_dict(item: PlanItem) -> dict[str, Any]:
    return {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}


def to_document(plan: AssistancePlan) -> str:
    data = {
        "plan_id": plan.plan_id,
        "case_id": plan.case_id,
        "household_id": plan.household_id,
        "created_at": _plain(plan.created_at),
        "items": [_item_dict(i) for i in plan.items],
        "versions": [
            {
                **{f.name: _plain(getattr(v, f.name)) for f in dataclasses.fields(v)},
                "items": [_item_dict(i) for i in v.items],
            }
            for v in plan.versions
        ],
        "reviews": [{f.name: _plain(getattr(r, f.name)) for f in dataclasses.fields(r)} for r in plan.reviews],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _item(d: dict[str, Any]) -> PlanItem:
    return PlanItem(
        **{
            **d,
            "risk_codes": tuple(d["risk_codes"]),
            "status": ItemStatus(d["status"]),
            "start": _date(d["start"]),
            "end": _date(d["end"]),
        }
    )


def from_document(text: str) -> AssistancePlan:
    d = json.loads(text)
    versions = [
        PlanVersion(
            **{
                **v,
                "at": dt.datetime.fromisoformat(v["at"]),
                "changes": tuple(v["changes"]),
                "items": tuple(_item(i) for i in v["items"]),
            }
        )
        for v in d["versions"]
    ]
    reviews = [
        Review(**{**r, "at": dt.datetime.fromisoformat(r["at"]), "findings": tuple(r["findings"])})
        for r in d["reviews"]
    ]
    return AssistancePlan(
        d["plan_id"],
        d["case_id"],
        d["household_id"],
        dt.datetime.fromisoformat(d["created_at"]),
        [_item(i) for i in d["items"]],
        versions,
        reviews,
    )


class Stored(NamedTuple):
    plan: AssistancePlan
    version: int
    division_code: str


def load_for_case(conn: Connection, case_id: str, scope: str) -> Stored | None:
    """The case's plan if its household lies in ``scope``; None when the case has no plan yet."""
    p = t.plans.c
    row = conn.execute(
        select(p.document, p.version, p.division_code).where(p.case_id == case_id, p.division_code.startswith(scope))
    ).first()
    return Stored(from_document(row.document), int(row.version), str(row.division_code)) if row else None


def plans_of_household(conn: Connection, household_id: str, scope: str) -> list[Stored]:
    """Every plan of the household (one per monitoring episode), oldest first."""
    p = t.plans.c
    rows = conn.execute(
        select(p.document, p.version, p.division_code)
        .where(p.household_id == household_id, p.division_code.startswith(scope))
        .order_by(p.updated_at)
    )
    return [Stored(from_document(r.document), int(r.version), str(r.division_code)) for r in rows]


def save(conn: Connection, plan: AssistancePlan, division_code: str, *, expected_version: int | None) -> None:
    """Insert a new plan (``expected_version`` None) or update one still at ``expected_version``."""
    p = t.plans.c
    now = dt.datetime.now(dt.UTC)
    if expected_version is None:
        try:
            with conn.begin_nested():  # a savepoint: the race below leaves the transaction usable
                conn.execute(
                    insert(t.plans).values(
                        plan_id=plan.plan_id, case_id=plan.case_id, household_id=plan.household_id,
                        division_code=division_code, version=plan.version, updated_at=now,
                        document=to_document(plan),
                    )
                )  # fmt: skip
        except IntegrityError:  # someone else made the case's first plan meanwhile (unique case_id)
            raise DomainError("PLAN_VERSION", "帮扶计划已被他人修改，请刷新后重试") from None
    else:
        done = conn.execute(
            update(t.plans)
            .where(p.plan_id == plan.plan_id, p.version == expected_version)
            .values(version=plan.version, updated_at=now, document=to_document(plan))
        )
        if done.rowcount != 1:
            raise DomainError("PLAN_VERSION", "帮扶计划已被他人修改，请刷新后重试")
    conn.execute(delete(t.plan_items).where(t.plan_items.c.plan_id == plan.plan_id))
    if plan.items:
        conn.execute(
            insert(t.plan_items),
            [
                {
                    "plan_id": plan.plan_id, "item_id": i.item_id, "household_id": plan.household_id,
                    "division_code": division_code, "person_id": i.person_id, "measure_id": i.measure_id,
                    "risk_codes": ",".join(i.risk_codes), "status": i.status.value, "start_on": i.start,
                    "end_on": i.end, "amount_fen": i.amount_fen, "provider": i.provider, "fund_source": i.fund_source,
                }
                for i in plan.items
            ],
        )  # fmt: skip
