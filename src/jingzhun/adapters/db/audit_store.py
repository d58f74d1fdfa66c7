"""Appending to and verifying the audit chain in the store, inside the caller's transaction.

An audit event is written in the same transaction as the change it records (zulip's rule):
if the audit write fails, the action fails. Appends are serialised — PostgreSQL locks the
head row, SQLite holds its single write lock — so the sequence stays gap-free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.audit import GENESIS, AuditEvent, ChainProblem, chain_hash, verify_chain

Hasher = Callable[[bytes], bytes]


def append(
    conn: Connection,
    hasher: Hasher,
    *,
    actor: str,
    role: str,
    jurisdiction: str,
    action: str,
    record: str,
    result: str = "ok",
    request_id: str = "",
    detail: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    head = t.audit_head
    row = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update()).first()
    seq, previous = (row[0], bytes.fromhex(row[1])) if row else (0, GENESIS)
    event = AuditEvent(
        seq + 1, at or dt.datetime.now(dt.UTC), actor, role, jurisdiction, action, record, result, request_id, detail
    )
    digest = chain_hash(previous, event, hasher).hex()
    conn.execute(
        t.audit_events.insert().values(
            seq=event.seq,
            at=event.at,
            actor=actor,
            role=role,
            jurisdiction=jurisdiction,
            action=action,
            record=record,
            result=result,
            request_id=request_id,
            detail=detail,
            hash=digest,
        )
    )
    if row:
        conn.execute(head.update().where(head.c.id == 1).values(seq=event.seq, hash=digest))
    else:
        conn.execute(head.insert().values(id=1, seq=event.seq, hash=digest))
    return event


def verify(engine: Engine, hasher: Hasher) -> tuple[int, list[ChainProblem]]:
    """(number of events, problems) for the whole stored chain."""
    e = t.audit_events.c
    with engine.connect() as conn:
        head_row = conn.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
        rows = conn.execute(select(t.audit_events).order_by(e.seq)).all()
    events = [
        (
            AuditEvent(
                r.seq,
                as_utc(r.at),
                r.actor,
                r.role,
                r.jurisdiction,
                r.action,
                r.record,
                r.result,
                r.request_id,
                r.detail,
            ),
            bytes.fromhex(r.hash),
        )
        for r in rows
    ]
    head = (head_row[0], bytes.fromhex(head_row[1])) if head_row else (0, GENESIS)
    return len(events), verify_chain(events, hasher, head=head)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back (stored as UTC text); PostgreSQL aware ones."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
