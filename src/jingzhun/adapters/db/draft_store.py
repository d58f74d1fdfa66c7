"""Visit drafts in the store: one JSON document per (case, author), written with an upsert.

The draft (``domain/drafts.py``) is small and always read whole, like a case, so it is one
document with the columns beside it that say where the case stood when it was saved. The
upsert is the database's own (``ON CONFLICT DO UPDATE``, in SQLite and PostgreSQL alike), so two
saves racing from two tabs leave the later one, never a key violation. Scoping is the caller's:
services load the case through ``case_store.load`` with the actor's scope first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from jingzhun.adapters.db import tables as t
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.drafts import MAX_DRAFT_BYTES, CasePoint, VisitDraft
from jingzhun.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class StoredDraft:
    case_id: str
    author_id: str
    draft: VisitDraft
    saved_on: CasePoint
    saved_at: dt.datetime  # UTC


def to_document(draft: VisitDraft, *, max_bytes: int = MAX_DRAFT_BYTES) -> str:
    """The draft as JSON; DRAFT_TOO_LARGE past ``max_bytes`` (UTF-8)."""
    data = {
        "action": draft.action,
        "category": draft.category.value if draft.category else None,
        "risk_codes": list(draft.risk_codes),
        "evidence": list(draft.evidence),
        "reason": draft.reason,
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    if len(text.encode("utf-8")) > max_bytes:
        raise DomainError("DRAFT_TOO_LARGE", f"草稿超过 {max_bytes // 1024} KB，请删减理由/说明后再保存")
    return text


def from_document(text: str) -> VisitDraft:
    d = json.loads(text)
    return VisitDraft(
        action=str(d["action"]),
        category=MonitoringCategory(d["category"]) if d.get("category") else None,
        risk_codes=tuple(d.get("risk_codes", ())),
        evidence=tuple(d.get("evidence", ())),
        reason=str(d.get("reason", "")),
    )


def save(
    conn: Connection,
    case_id: str,
    author_id: str,
    draft: VisitDraft,
    saved_on: CasePoint,
    at: dt.datetime,
    *,
    max_bytes: int = MAX_DRAFT_BYTES,
) -> StoredDraft:
    """Insert or replace the author's draft of the case."""
    values = {
        "case_id": case_id,
        "author_id": author_id,
        "action": draft.action,
        "document": to_document(draft, max_bytes=max_bytes),
        "case_state": saved_on.state,
        "case_steps": saved_on.steps,
        "saved_at": at,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(t.visit_drafts).values(**values)
    changed = {k: statement.excluded[k] for k in ("action", "document", "case_state", "case_steps", "saved_at")}
    conn.execute(statement.on_conflict_do_update(index_elements=["case_id", "author_id"], set_=changed))
    return StoredDraft(case_id, author_id, draft, saved_on, at)


def load(conn: Connection, case_id: str, author_id: str) -> StoredDraft | None:
    d = t.visit_drafts.c
    row = conn.execute(select(t.visit_drafts).where(d.case_id == case_id, d.author_id == author_id)).first()
    return _stored(row) if row else None


def remove(conn: Connection, case_id: str, author_id: str) -> StoredDraft | None:
    """Delete the author's draft of the case; the draft that was there, if any."""
    found = load(conn, case_id, author_id)
    if found is not None:
        d = t.visit_drafts.c
        conn.execute(delete(t.visit_drafts).where(d.case_id == case_id, d.author_id == author_id))
    return found


def _stored(row: Any) -> StoredDraft:
    at: dt.datetime = row.saved_at
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    point = CasePoint(str(row.case_state), int(row.case_steps))
    return StoredDraft(str(row.case_id), str(row.author_id), from_document(row.document), point, at)
