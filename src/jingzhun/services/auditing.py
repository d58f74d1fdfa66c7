"""Writing and reading the audit trail from use cases: successes, refusals, and the auditor's view.

A success is recorded by ``record`` inside the use case's own transaction, so an audit failure
fails the action. A refusal (no permission, out of scope, a step the workflow does not allow)
rolls the action back — and ``refusals_audited`` then records it in a transaction of its own,
because a refused attempt is exactly what an auditor wants to see (等保 2.0: every event with
its result). Access refusals are ``denied``; a step refused for its content is ``failed``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import ACCESS_CODES, Permission, require, scope_prefix
from jingzhun.domain.audit import AuditEvent
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import mask_identifiers


def entry(
    actor: Actor,
    action: str,
    record_ref: str,
    detail: Mapping[str, object] | None = None,
    *,
    request_id: str = "",
    result: str = "ok",
) -> audit_store.Entry:
    """The event of ``actor`` doing ``action`` to ``record_ref`` (detail as JSON; ID numbers masked)."""
    text = json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str)
    return audit_store.Entry(
        actor.actor_id, actor.role.value, actor.jurisdiction, action, mask_ref(record_ref), result,
        request_id, mask_identifiers(text),
    )  # fmt: skip


def mask_ref(record_ref: str) -> str:
    """Mask an ID number or phone in a record reference — not in ids the system made itself.

    A county may number households by the head's ID number, so ``household:…`` is masked; a
    case id is ours (``C`` + 12 hex digits) and may happen to contain a run that looks like a
    mobile number, which masking would make impossible to follow in the log.
    """
    kind = record_ref.partition(":")[0]
    return record_ref if kind in ("case", "division") else mask_identifiers(record_ref)


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    record_ref: str,
    detail: Mapping[str, object] | None = None,
    *,
    request_id: str = "",
    result: str = "ok",
) -> None:
    """Append one event in the caller's transaction."""
    audit_store.append(conn, sm3, entry(actor, action, record_ref, detail, request_id=request_id, result=result))


def record_many(conn: Connection, entries: list[audit_store.Entry]) -> None:
    """Append several events in the caller's transaction, in order (a batch's one per item)."""
    audit_store.append_many(conn, sm3, entries)


@contextmanager
def refusals_audited(
    engine: Engine, actor: Actor, action: str, record_ref: str, request_id: str = ""
) -> Iterator[None]:
    """Run a use case; if the domain refuses it, record the refusal (own transaction) and re-raise."""
    try:
        yield
    except DomainError as e:
        result = "denied" if e.code in ACCESS_CODES else "failed"
        with engine.begin() as conn:
            record(conn, actor, action, record_ref, {"code": e.code}, request_id=request_id, result=result)
        raise


def read_log(
    engine: Engine,
    actor: Actor,
    *,
    since: dt.datetime | None = None,
    actor_filter: str | None = None,
    result: str | None = None,
    limit: int = 200,
    request_id: str = "",
) -> list[AuditEvent]:
    """Audit events of actors inside the reader's jurisdiction, newest first; the read is audited too.

    Only the auditor may read the log (separation of the audit role from case work and from
    account administration).
    """
    with refusals_audited(engine, actor, "audit.read", "audit", request_id):
        require(actor.role, Permission.AUDIT_READ)
    e = t.audit_events.c
    query = select(t.audit_events).where(e.jurisdiction.startswith(scope_prefix(actor.jurisdiction)))
    if since is not None:
        query = query.where(e.at >= since)
    if actor_filter:
        query = query.where(e.actor == actor_filter)
    if result:
        query = query.where(e.result == result)
    with engine.begin() as conn:
        rows = conn.execute(query.order_by(e.seq.desc()).limit(limit)).all()
        record(conn, actor, "audit.read", "audit", {"rows": len(rows)}, request_id=request_id)
    return [audit_store.event_of(r) for r in rows]
