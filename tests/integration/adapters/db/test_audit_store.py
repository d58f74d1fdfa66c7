"""The audit chain under contention: events queued while the head is taken, then sealed in order.

On PostgreSQL an appender that finds the chain's head locked queues its events in
``audit_inbox`` (committed with its own transaction) instead of waiting; ``seal`` chains them.
These tests hold the head from a second connection to force that path, and check that nothing
is lost, doubled, reordered within a transaction, or chained from a transaction that rolled back.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, event, func, select, text

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.audit_store import Entry
from jingzhun.services.auditing import Sealer


def _entry(n: int, action: str = "household.read") -> Entry:
    return Entry(f"user{n % 7}", "village_cadre", "532328100201", action, f"household:H{n:06d}")


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def _records(engine: Engine) -> list[str]:
    e = t.audit_events.c
    with engine.connect() as c:
        return list(c.execute(select(e.record).order_by(e.seq)).scalars())


class HeadHeld:
    """Hold the chain's head row lock from another connection until ``release``."""

    def __init__(self, engine: Engine) -> None:
        self.conn = engine.connect()
        self.tx = self.conn.begin()
        h = t.audit_head.c
        self.conn.execute(select(h.seq).where(h.id == 1).with_for_update()).one()

    def release(self) -> None:
        self.tx.commit()
        self.conn.close()


@pytest.fixture
def pg_engine(pg_url: str):  # type: ignore[no-untyped-def]
    from jingzhun.adapters.db.engine import make_engine
    from jingzhun.adapters.db.migrate import upgrade

    engine = make_engine(pg_url, pool_size=12, max_overflow=0)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_quiet_store_chains_at_once_and_queues_nothing(engine):
    with engine.begin() as conn:
        chained = audit_store.append_many(conn, sm3, [_entry(1), _entry(2)])
    assert [e.seq for e in chained] == [1, 2]
    assert _count(engine, t.audit_inbox) == 0
    assert audit_store.verify(engine, sm3) == (2, [])


@pytest.mark.postgres
def test_a_held_head_queues_the_event_and_sealing_chains_it(pg_engine):
    with pg_engine.begin() as conn:
        audit_store.append_many(conn, sm3, [_entry(1)])
    held = HeadHeld(pg_engine)
    with pg_engine.begin() as conn:
        assert audit_store.append_many(conn, sm3, [_entry(2), _entry(3)]) == []  # did not wait for the head
    assert _count(pg_engine, t.audit_inbox) == 2 and _count(pg_engine, t.audit_events) == 1
    with pg_engine.begin() as conn:
        assert audit_store.seal(conn, sm3, wait=False) == 0  # the head is still taken: nothing moves
    held.release()
    assert audit_store.seal_all(pg_engine, sm3) == 2
    assert _records(pg_engine) == ["household:H000001", "household:H000002", "household:H000003"]
    assert _count(pg_engine, t.audit_inbox) == 0
    assert audit_store.verify(pg_engine, sm3) == (3, [])


@pytest.mark.postgres
def test_a_transaction_that_queued_keeps_queuing_so_its_events_stay_in_order(pg_engine):
    held = HeadHeld(pg_engine)
    with pg_engine.begin() as conn:
        audit_store.append_many(conn, sm3, [_entry(1)])
        held.release()  # the head is free now, but this transaction's next event must not overtake its first
        assert audit_store.append_many(conn, sm3, [_entry(2)]) == []
    audit_store.seal_all(pg_engine, sm3)
    assert _records(pg_engine) == ["household:H000001", "household:H000002"]


@pytest.mark.postgres
def test_a_queued_event_of_a_rolled_back_transaction_is_never_chained(pg_engine):
    held = HeadHeld(pg_engine)
    with pytest.raises(RuntimeError), pg_engine.begin() as conn:
        audit_store.append_many(conn, sm3, [_entry(1)])
        raise RuntimeError("the action failed")
    held.release()
    assert _count(pg_engine, t.audit_inbox) == 0
    assert audit_store.seal_all(pg_engine, sm3) == 0
    assert audit_store.verify(pg_engine, sm3) == (0, [])


@pytest.mark.postgres
def test_verify_chains_what_is_queued_before_checking(pg_engine):
    held = HeadHeld(pg_engine)
    with pg_engine.begin() as conn:
        audit_store.append_many(conn, sm3, [_entry(1)])
    held.release()
    assert audit_store.verify(pg_engine, sm3) == (1, [])
    assert _count(pg_engine, t.audit_inbox) == 0


@pytest.mark.postgres
def test_many_concurrent_writers_lose_nothing_and_the_chain_verifies(pg_engine):
    threads, each = 10, 40
    errors: list[BaseException] = []
    queued: list[str] = []

    @event.listens_for(pg_engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO audit_inbox"):
            queued.append(statement)

    sealer = Sealer(pg_engine, idle_seconds=0.2)
    sealer.start()

    def write(k: int) -> None:
        try:
            for i in range(each):
                with pg_engine.begin() as conn:
                    audit_store.append_many(conn, sm3, [_entry(k * 1000 + i)])
        except BaseException as e:  # reported below
            errors.append(e)

    workers = [threading.Thread(target=write, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sealer.stop()
    assert errors == []
    assert queued, "no writer ever found the head taken: the test did not exercise the queue"
    records = _records(pg_engine)
    assert len(records) == threads * each and len(set(records)) == threads * each
    for k in range(threads):  # each writer's events in the order it wrote them
        mine = [r for r in records if r.startswith(f"household:H{k:03d}")]
        assert mine == sorted(mine)
    assert _count(pg_engine, t.audit_inbox) == 0
    assert audit_store.verify(pg_engine, sm3) == (threads * each, [])


@pytest.mark.postgres
def test_the_sealer_chains_queued_events_moments_after_they_commit(pg_engine):
    sealer = Sealer(pg_engine, idle_seconds=30)  # woken by the queuing itself, not by its idle timer
    sealer.start()
    try:
        held = HeadHeld(pg_engine)
        with pg_engine.begin() as conn:
            audit_store.append_many(conn, sm3, [_entry(1)])
        held.release()
        deadline = time.monotonic() + 10
        while _count(pg_engine, t.audit_events) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _records(pg_engine) == ["household:H000001"]
    finally:
        sealer.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("durable", [True, False])
def test_a_read_waits_for_the_disk_unless_the_store_is_told_it_need_not(pg_engine, durable):
    from jingzhun.domain.cases import Actor
    from jingzhun.domain.workflow import Role
    from jingzhun.services.auditing import record, record_read

    engine = pg_engine if durable else pg_engine.execution_options(**{audit_store.READS_NOT_DURABLE: True})
    actor = Actor("cadre", Role.VILLAGE_CADRE, "532328100201")
    with engine.begin() as conn:
        record_read(conn, actor, "household.read", "household:H1")
        setting = conn.execute(text("SHOW synchronous_commit")).scalar_one()
    assert setting == ("on" if durable else "off")
    with engine.begin() as conn:  # a write never relaxes, whatever the store says
        record(conn, actor, "case.accept", "case:C1")
        assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
    assert _records(engine) == ["household:H1", "case:C1"]
    assert audit_store.verify(engine, sm3) == (2, [])
