"""Appending to and verifying the audit chain in the store, inside the caller's transaction.

An audit event is written in the same transaction as the change it records (zulip's rule):
if the audit write fails, the action fails. Appends are serialised — PostgreSQL locks the
head row, SQLite holds its single write lock — so the sequence stays gap-free.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.audit import GENESIS, AuditEvent, ChainProblem, chain_hash, verify_chain

Hasher = Callable[[bytes], bytes]


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """An event to append: everything but its place in the chain."""

    actor: str
    role: str
    jurisdiction: str
    action: str
    record: str
    result: str = "ok"
    request_id: str = ""
    detail: str = ""


def append(conn: Connection, hasher: Hasher, entry: Entry, *, at: dt.datetime | None = None) -> AuditEvent:
    """Append one event in the caller's transaction."""
    return append_many(conn, hasher, [entry], at=at)[0]


def append_many(
    conn: Connection, hasher: Hasher, entries: Sequence[Entry], *, at: dt.datetime | None = None
) -> list[AuditEvent]:
    """Append events in order, chained, with one lock of the head and one bulk insert."""
    if not entries:
        return []
    head = t.audit_head
    row = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update()).first()
    seq, previous = (row[0], bytes.fromhex(row[1])) if row else (0, GENESIS)
    when = at or dt.datetime.now(dt.UTC)
    events, rows = [], []
    for e in entries:
        seq += 1
        event = AuditEvent(
            seq, when, e.actor, e.role, e.jurisdiction, e.action, e.record, e.result, e.request_id, e.detail
        )
        previous = chain_hash(previous, event, hasher)
        events.append(event)
        rows.append({**dataclasses.asdict(e), "seq": seq, "at": when, "hash": previous.hex()})
    conn.execute(t.audit_events.insert(), rows)
    if row:
        conn.execute(head.update().where(head.c.id == 1).values(seq=seq, hash=previous.hex()))
    else:
        conn.execute(head.insert().values(id=1, seq=seq, hash=previous.hex()))
    return events


def verify(engine: Engine, hasher: Hasher) -> tuple[int, list[ChainProblem]]:
    """(number of events, problems) for the whole stored chain."""
    e = t.audit_events.c
    with engine.connect() as conn:
        head_row = conn.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
        rows = conn.execute(select(t.audit_events).order_by(e.seq)).all()
    events = [(event_of(r), bytes.fromhex(r.hash)) for r in rows]
    head = (head_row[0], bytes.fromhex(head_row[1])) if head_row else (0, GENESIS)
    return len(events), verify_chain(events, hasher, head=head)


def event_of(row: Any) -> AuditEvent:
    """The event a row of ``audit_events`` holds."""
    return AuditEvent(
        row.seq, as_utc(row.at), row.actor, row.role, row.jurisdiction, row.action, row.record, row.result,
        row.request_id, row.detail,
    )  # fmt: skip


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back (stored as UTC text); PostgreSQL aware ones."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
