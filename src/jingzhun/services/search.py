"""Finding a household within one's jurisdiction: by household number, ID number (full or masked), or name.

A cadre types what is on the paper in front of them: a household number, an ID number read off
the card, the masked form printed on a list (``5323**********0021``), or a name. Every search is
a read of person records, so it is scoped inside the query and audited (``household.search``,
with the query masked and the number of hits); the hits show IDs masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, and_, or_, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import mask_identifiers
from jingzhun.domain.vocab import Relation
from jingzhun.services import auditing
from jingzhun.services.households import mask_id

MASKED_ID = re.compile(r"^(\d{4})\*{6,12}(\d{3}[\dXx])$")
FULL_ID = re.compile(r"^\d{17}[\dXx]$")
MAX_HITS = 50


@dataclass(frozen=True, slots=True)
class Hit:
    household_id: str
    division_code: str
    head_name: str
    matched_name: str
    matched_id_masked: str


def search_households(engine: Engine, actor: Actor, query: str, *, limit: int = 20, request_id: str = "") -> list[Hit]:
    """Households in the actor's jurisdiction matching ``query`` (at most ``limit``, ≤ 50)."""
    q = query.strip()
    with auditing.refusals_audited(engine, actor, "household.search", f"search:{mask_identifiers(q)}", request_id):
        require(actor.role, Permission.HOUSEHOLD_READ)
        if len(q) < 2:
            raise DomainError("SEARCH_TOO_SHORT", "请至少输入两个字符", field="q")
        m, h = t.members.c, t.households.c
        statement = (
            select(h.household_id, h.division_code, m.name, m.person_id)
            .join(t.members, m.household_id == h.household_id)
            .where(h.division_code.startswith(scope_prefix(actor.jurisdiction)), _matches(q))
            .order_by(h.household_id, m.person_id)
            .limit(min(limit, MAX_HITS))
        )
        with engine.begin() as conn:
            rows = conn.execute(statement).all()
            heads = _head_names(conn, sorted({r[0] for r in rows}))
            hits = [Hit(r[0], r[1], heads.get(r[0], ""), r[2], mask_id(r[3])) for r in rows]
            detail = {"hits": len(hits)}
            auditing.record_read(
                conn, actor, "household.search", f"search:{mask_identifiers(q)}", detail, request_id=request_id
            )
    return hits


def _matches(q: str) -> ColumnElement[bool]:
    m, h = t.members.c, t.households.c
    masked = MASKED_ID.match(q)
    if masked:
        head, tail = masked.groups()
        return and_(m.person_id.startswith(head), m.person_id.endswith(tail.upper()))
    if FULL_ID.match(q):
        return m.person_id == q.upper()
    if q.isdigit():
        return h.household_id.startswith(q)
    return or_(m.name.contains(q, autoescape=True), h.household_id == q)


def _head_names(conn: Connection, household_ids: list[str]) -> dict[str, str]:
    m = t.members.c
    if not household_ids:
        return {}
    rows = conn.execute(
        select(m.household_id, m.name).where(m.household_id.in_(household_ids), m.relation == Relation.HEAD.value)
    )
    return {str(a): str(b) for a, b in rows}
