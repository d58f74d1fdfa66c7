"""Appending to, sealing and verifying the audit chain in the store, inside the caller's transaction.

An audit event is written in the same transaction as the change it records (zulip's rule):
if the audit write fails, the action fails. The chain itself needs one order, kept by the
head row (the last ``seq`` and hash):

* **Quiet store** — the appender takes the head's row lock and chains its events at once, as
  it always did; on SQLite (one writer at a time) this is the only path.
* **Busy store (PostgreSQL)** — if another transaction holds the head, the appender does not
  queue behind it: ``FOR UPDATE SKIP LOCKED`` finds the head taken, and the events go into
  ``audit_inbox`` in the caller's transaction instead — still committed with the action, or
  not at all. ``seal`` later moves queued events into the chain, oldest first, many per lock.

Waiting on the head made every audited request of every worker run one after the other, each
holding the lock across its own commit and its thread's wait for the GIL: 50 concurrent
household reads ran at ~80/s whatever the hardware (decision 0009 has the figures). Trillian's
log works the same way — leaves are queued, a sequencer integrates them in batches. The cost is
a short window in which a queued event is committed but not yet chained (a sealer runs within
moments; ``verify`` reports anything still queued).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, select, text
from sqlalchemy.pool import Pool

from jingzhun.adapters.db import tables as t
from jingzhun.domain.audit import GENESIS, AuditEvent, ChainProblem, chain_hash, verify_chain

Hasher = Callable[[bytes], bytes]
SEAL_BATCH = 5000
queued = threading.Event()  # set once this process has committed queued events; the web's sealer waits on it


@event.listens_for(Pool, "checkin")
def _wake_sealer(_dbapi_connection: Any, record: Any) -> None:
    """A connection that queued events comes back to the pool: its transaction is over, wake the sealer.

    Setting the flag when queuing would wake the sealer before the commit, to find nothing.
    """
    if record.info.pop("audit_queued_in", None) is not None:
        queued.set()


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


def append(conn: Connection, hasher: Hasher, entry: Entry, *, at: dt.datetime | None = None) -> AuditEvent | None:
    """Append one event in the caller's transaction: the chained event, or None if it was queued."""
    events = append_many(conn, hasher, [entry], at=at)
    return events[0] if events else None


def append_many(
    conn: Connection, hasher: Hasher, entries: Sequence[Entry], *, at: dt.datetime | None = None
) -> list[AuditEvent]:
    """Chain events in order if the head is free, else queue them; returns the chained ones.

    Once a transaction has queued events, its later ones are queued too, so one transaction's
    events keep their order in the chain.
    """
    if not entries:
        return []
    when = at or dt.datetime.now(dt.UTC)
    transaction = conn.get_transaction()
    head = None if conn.info.get("audit_queued_in") is transaction else _lock_head(conn, wait=False)
    if head is None:
        conn.execute(t.audit_inbox.insert(), [{**dataclasses.asdict(e), "at": when} for e in entries])
        conn.info["audit_queued_in"] = transaction  # the sealer is woken when this connection is returned
        return []
    # Whatever was queued and committed before we took the head goes first: an event that
    # happened before ours (the same user's previous request, say) never gets a later seq.
    chained = _chain(conn, hasher, head, [*_take_queued(conn, SEAL_BATCH), *((e, when) for e in entries)])
    return chained[len(chained) - len(entries) :]


READS_NOT_DURABLE = "jingzhun_reads_not_durable"  # engine execution option set by bootstrap from the settings


def commit_without_waiting(conn: Connection) -> None:
    """On a store configured for it, let this transaction's commit return before its WAL reaches the disk.

    Only for transactions that write nothing but the audit event of a read (``record_read``).
    PostgreSQL's ``synchronous_commit = off`` keeps the commit atomic and ordered; what it gives
    up is durability against a *server* crash in the next ~0.6 s (3 × ``wal_writer_delay``),
    which could lose the events of reads made in that moment. A failing insert still fails the
    read. This machine's disk stalls a commit's flush for 0.4–0.8 s every few seconds, and every
    read waited for it (decision 0010). Off by default (``audit_reads_durable``); no effect on SQLite.
    """
    if conn.dialect.name == "postgresql" and conn.get_execution_options().get(READS_NOT_DURABLE):
        conn.execute(text("SET LOCAL synchronous_commit = off"))


def seal(conn: Connection, hasher: Hasher, *, wait: bool = False, limit: int = SEAL_BATCH) -> int:
    """Chain up to ``limit`` queued events, oldest first, in the caller's transaction; how many were chained.

    With ``wait=False`` a head held by another transaction means 0 (that transaction or the next
    seal will see to it); the web's sealer thread and the commands wait for the head instead.
    The queued rows are taken with one ``DELETE … RETURNING``, so an event committed meanwhile
    is never removed unchained.
    """
    i = t.audit_inbox.c
    if conn.execute(select(i.id).limit(1)).first() is None:
        return 0  # nothing queued: leave the head to the appenders (taking it would make them queue)
    head = _lock_head(conn, wait=wait)
    if head is None:
        return 0
    taken = _take_queued(conn, limit)
    if taken:
        _chain(conn, hasher, head, taken)
    return len(taken)


def seal_all(engine: Engine, hasher: Hasher, *, wait: bool = True) -> int:
    """Seal until nothing is queued (each batch its own transaction); how many were chained."""
    total = 0
    while True:
        with engine.begin() as conn:
            n = seal(conn, hasher, wait=wait)
        total += n
        if n < SEAL_BATCH:
            return total


def _take_queued(conn: Connection, limit: int) -> list[tuple[Entry, dt.datetime]]:
    """Remove up to ``limit`` queued events, oldest first, and return them (to be chained by the caller).

    One ``DELETE … RETURNING`` over the oldest ids, so an event committed meanwhile is never
    removed unchained; the caller holds the head, so no other sealer takes the same rows.
    """
    i = t.audit_inbox.c
    oldest = select(i.id).order_by(i.id).limit(limit).scalar_subquery()
    taken = conn.execute(delete(t.audit_inbox).where(i.id.in_(oldest)).returning(*t.audit_inbox.c)).all()
    fields = [f.name for f in dataclasses.fields(Entry)]
    return [(Entry(**{k: getattr(r, k) for k in fields}), as_utc(r.at)) for r in sorted(taken, key=lambda r: r.id)]


def _lock_head(conn: Connection, *, wait: bool) -> tuple[int, bytes] | None:
    """(seq, hash) of the head, row-locked until the caller's transaction ends; None if taken and not waiting."""
    head = t.audit_head
    row = conn.execute(
        select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update(skip_locked=not wait)
    ).first()
    if row is not None:
        return int(row[0]), bytes.fromhex(row[1])
    if conn.execute(select(head.c.id).where(head.c.id == 1)).first() is not None:
        return None  # it exists: another transaction holds it
    conn.execute(head.insert().values(id=1, seq=0, hash=GENESIS.hex()))  # a store from before migration 0008
    return 0, GENESIS


def _chain(
    conn: Connection, hasher: Hasher, head: tuple[int, bytes], items: Sequence[tuple[Entry, dt.datetime]]
) -> list[AuditEvent]:
    """Write ``items`` after the locked ``head`` and move the head to the last of them."""
    seq, previous = head
    events, rows = [], []
    for e, when in items:
        seq += 1
        event = AuditEvent(
            seq, when, e.actor, e.role, e.jurisdiction, e.action, e.record, e.result, e.request_id, e.detail
        )
        previous = chain_hash(previous, event, hasher)
        events.append(event)
        rows.append({**dataclasses.asdict(e), "seq": seq, "at": when, "hash": previous.hex()})
    conn.execute(t.audit_events.insert(), rows)
    conn.execute(t.audit_head.update().where(t.audit_head.c.id == 1).values(seq=seq, hash=previous.hex()))
    return events


def verify(engine: Engine, hasher: Hasher) -> tuple[int, list[ChainProblem]]:
    """(number of events, problems) for the whole stored chain, after chaining whatever is queued."""
    seal_all(engine, hasher)
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
