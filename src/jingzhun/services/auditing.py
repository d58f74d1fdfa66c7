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
import logging
import threading
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


def record_read(
    conn: Connection,
    actor: Actor,
    action: str,
    record_ref: str,
    detail: Mapping[str, object] | None = None,
    *,
    request_id: str = "",
) -> None:
    """Append the event of a read — a transaction that changes nothing else — in the caller's transaction.

    The same as ``record``, except that a store configured for it (``audit_reads_durable=false``,
    PostgreSQL) commits such a transaction without waiting for the disk; see
    ``audit_store.commit_without_waiting``.
    """
    audit_store.commit_without_waiting(conn)
    record(conn, actor, action, record_ref, detail, request_id=request_id)


def record_many(conn: Connection, entries: list[audit_store.Entry]) -> None:
    """Append several events in the caller's transaction, in order (a batch's one per item)."""
    audit_store.append_many(conn, sm3, entries)


def seal_queued(engine: Engine) -> int:
    """Chain every event queued while the head was taken (``audit_store``); how many were chained."""
    return audit_store.seal_all(engine, sm3)


class Sealer:
    """A daemon thread that chains what this process queued, as soon as it queues it.

    A web worker under load queues audit events instead of waiting on the chain's head (see
    ``adapters/db/audit_store``); this thread is the one waiter per process that chains them,
    many per lock. It also wakes every ``idle_seconds`` to chain what another process left
    queued (a worker killed between its commit and its next seal).
    """

    def __init__(self, engine: Engine, *, idle_seconds: float = 5.0) -> None:
        self.engine, self.idle_seconds = engine, idle_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and chain whatever is still queued."""
        self._stop.set()
        audit_store.queued.set()
        self._thread.join(timeout=30)
        seal_queued(self.engine)

    def _run(self) -> None:
        while not self._stop.is_set():
            audit_store.queued.wait(self.idle_seconds)
            audit_store.queued.clear()
            try:
                audit_store.seal_all(self.engine, sm3)
            except Exception:  # the store is down or restarting: the events stay queued, try again
                logging.getLogger(__name__).exception("审计事件入链失败，稍后重试")
                self._stop.wait(1.0)


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
    seal_queued(engine)  # the auditor sees what was queued a moment ago too
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
        record_read(conn, actor, "audit.read", "audit", {"rows": len(rows)}, request_id=request_id)
    return [audit_store.event_of(r) for r in rows]
