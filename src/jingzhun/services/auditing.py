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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, select

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import ACCESS_CODES, Permission, require, scope_prefix
from jingzhun.domain.audit import AuditEvent, ChainProblem
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


RESULTS = ("ok", "denied", "failed")
EXPORT_LIMIT = 100_000  # rows of one CSV export: a county's busy year is well under it; Excel stops at 1,048,576


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What the auditor narrows the log to; empty fields do not filter.

    ``action`` is a prefix (``case.`` is every case step, ``auth.login`` the logins), matched
    literally (``_`` and ``%`` are not wildcards); ``actor`` is one account id, exactly.
    """

    since: dt.datetime | None = None  # timezone-aware; compared in UTC
    actor: str = ""
    result: str = ""
    action: str = ""

    def __post_init__(self) -> None:
        if self.result and self.result not in RESULTS:
            raise DomainError("AUDIT_FILTER_INVALID", f"结果只能是 {'、'.join(RESULTS)} 之一", field="result")
        if self.since is not None and self.since.tzinfo is None:
            raise DomainError("AUDIT_FILTER_INVALID", "起始时间须带时区", field="since")

    def as_detail(self) -> dict[str, str]:
        """The filters set, for the audit event of the read (so a read names what was looked for)."""
        given = {"since": self.since.isoformat() if self.since else "", "actor": self.actor,
                 "result": self.result, "action": self.action}  # fmt: skip
        return {k: v for k, v in given.items() if v}


@dataclass(frozen=True, slots=True)
class LogPage:
    """One page of the auditor's view, newest first; ``next_before`` is the ``before_seq`` of the next (older) page."""

    events: list[AuditEvent]
    next_before: int | None


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """What verifying the whole chain found: how many events, and every problem with its sequence number."""

    count: int
    problems: list[ChainProblem]


def _scoped_log(actor: Actor, filters: LogFilter) -> Select[Any]:
    """The events of actors inside the reader's jurisdiction that pass ``filters`` (no order, no limit)."""
    e = t.audit_events.c
    query = select(t.audit_events).where(e.jurisdiction.startswith(scope_prefix(actor.jurisdiction)))
    if filters.since is not None:
        query = query.where(e.at >= filters.since.astimezone(dt.UTC))  # stored in UTC (SQLite: as UTC text)
    if filters.actor:
        query = query.where(e.actor == filters.actor)
    if filters.result:
        query = query.where(e.result == filters.result)
    if filters.action:
        query = query.where(e.action.startswith(filters.action, autoescape=True))
    return query


def read_log(
    engine: Engine,
    actor: Actor,
    filters: LogFilter | None = None,
    *,
    before_seq: int | None = None,
    limit: int = 200,
    request_id: str = "",
) -> LogPage:
    """A page of audit events of actors inside the reader's jurisdiction, newest first; the read is audited too.

    Only the auditor may read the log (separation of the audit role from case work and from
    account administration). Pages are a keyset on the sequence number (``before_seq``: older
    than that event), so a page stays the same while new events arrive. One page, one
    ``audit.read`` event naming the filters and the number of rows shown.
    """
    filters = filters or LogFilter()
    with refusals_audited(engine, actor, "audit.read", "audit", request_id):
        require(actor.role, Permission.AUDIT_READ)
        if not 1 <= limit <= 1000:
            raise DomainError("AUDIT_FILTER_INVALID", "每页 1 至 1000 条", field="limit")
    seal_queued(engine)  # the auditor sees what was queued a moment ago too
    e = t.audit_events.c
    query = _scoped_log(actor, filters)
    if before_seq is not None:
        query = query.where(e.seq < before_seq)
    with engine.begin() as conn:
        rows = conn.execute(query.order_by(e.seq.desc()).limit(limit + 1)).all()
        shown = rows[:limit]
        detail: dict[str, object] = {"rows": len(shown), **filters.as_detail()}
        if before_seq is not None:
            detail["before"] = before_seq
        record_read(conn, actor, "audit.read", "audit", detail, request_id=request_id)
    next_before = shown[-1].seq if len(rows) > limit else None
    return LogPage([audit_store.event_of(r) for r in shown], next_before)


def export_log(
    engine: Engine, actor: Actor, filters: LogFilter | None = None, *, limit: int = EXPORT_LIMIT, request_id: str = ""
) -> list[AuditEvent]:
    """Every event the filtered view holds (newest first, at most ``limit``), for a file; audited as ``audit.export``.

    An export leaves the system, so it is its own event — with the filters and the row count —
    not a page view.
    """
    filters = filters or LogFilter()
    with refusals_audited(engine, actor, "audit.export", "audit", request_id):
        require(actor.role, Permission.AUDIT_READ)
    seal_queued(engine)
    e = t.audit_events.c
    with engine.begin() as conn:
        rows = conn.execute(_scoped_log(actor, filters).order_by(e.seq.desc()).limit(limit)).all()
        detail = {"rows": len(rows), **filters.as_detail()}
        record(conn, actor, "audit.export", "audit", detail, request_id=request_id)
    return [audit_store.event_of(r) for r in rows]


def verify_chain(engine: Engine, actor: Actor, *, request_id: str = "") -> ChainStatus:
    """Verify the whole SM3 chain (``jingzhun audit verify``) as the auditor; audited as ``audit.verify``.

    The chain is one for the whole store, so the check is too (a county auditor learns how many
    events there are and where the chain breaks, nothing of another county's events). The
    event is written after the check, with what it found.
    """
    with refusals_audited(engine, actor, "audit.verify", "audit", request_id):
        require(actor.role, Permission.AUDIT_READ)
    count, problems = audit_store.verify(engine, sm3)
    with engine.begin() as conn:
        detail = {"events": count, "problems": len(problems), "seqs": [p.seq for p in problems[:20]]}
        record(conn, actor, "audit.verify", "audit", detail, request_id=request_id)
    return ChainStatus(count, problems)
