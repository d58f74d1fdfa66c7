"""Crash safety of the import: disk full and kill -9 leave the store as before, or fully imported.

A real SQLite file and a real PostgreSQL server — no mocks: the database's own atomicity is
what we rely on, so that is what we test.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.engine import make_engine
from jingzhun.services.importer import run_import

from .helpers import snapshot, synthetic_registry


def test_disk_full_during_import_leaves_the_sqlite_store_unchanged(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = make_engine(url)
    from jingzhun.adapters.db.migrate import upgrade

    upgrade(engine)
    run_import(synthetic_registry(tmp_path / "a", households=30, seed=1), engine)
    before = snapshot(engine)
    with engine.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar()
    full = make_engine(url)

    @event.listens_for(full, "connect")
    def _cap(dbapi_conn, _rec):  # the disk "fills up" a few pages past the current size
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 8}")

    # Raised by SQLAlchemy or, for the driver-level bulk insert, by sqlite3 itself.
    with pytest.raises((OperationalError, sqlite3.OperationalError), match="full"):
        run_import(synthetic_registry(tmp_path / "b", households=400, seed=2, province="52"), full)
    full.dispose()
    assert snapshot(engine) == before


OTHER_PROVINCES = ("51", "45", "62", "63", "64", "61")


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as c:
        return (
            c.scalar(select(func.count()).select_from(t.imports)) or 0,
            c.scalar(select(func.count()).select_from(t.households)) or 0,
            c.scalar(select(func.count()).select_from(t.members)) or 0,
        )


@pytest.mark.slow
def test_kill_9_at_random_moments_never_half_applies_an_import(store_url, tmp_path):
    engine = make_engine(store_url)
    env = {**os.environ, "JINGZHUN_DATABASE_URL": store_url, "JINGZHUN_DATA_DIR": str(tmp_path / "data")}
    cli = [sys.executable, "-c", "from jingzhun.cli.main import app; app()"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    first = synthetic_registry(tmp_path / "a", households=50, seed=1)
    subprocess.run([*cli, "import", str(first)], env=env, check=True, capture_output=True)
    # Time one whole import of the same size, then kill the others at random points inside it.
    timed = synthetic_registry(tmp_path / "timed", households=4000, seed=99, province="52")
    started = time.perf_counter()
    subprocess.run([*cli, "import", str(timed)], env=env, check=True, capture_output=True)
    full = time.perf_counter() - started
    base, base_counts = snapshot(engine), _counts(engine)
    rng = random.Random(11)
    killed_midway = 0
    for attempt in range(6):
        big = synthetic_registry(
            tmp_path / f"b{attempt}", households=4000, seed=100 + attempt, province=OTHER_PROVINCES[attempt]
        )
        proc = subprocess.Popen(
            [*cli, "import", str(big)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.3, 0.95) * full)
        if proc.poll() is None:
            killed_midway += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _counts(engine)
        if now[0] == base_counts[0]:
            assert snapshot(engine) == base, f"attempt {attempt}: half-applied import"
        else:  # it finished before the kill: then it must be complete
            assert now[0] == base_counts[0] + 1 and now[1] > base_counts[1] and now[2] > base_counts[2]
            base, base_counts = snapshot(engine), now
    assert killed_midway >= 2, "the kills all came too late to test anything"
    # The store is still usable after the crashes.
    report = run_import(synthetic_registry(tmp_path / "c", households=20, seed=999, province="65"), engine)
    assert report.committed
    # …and its audit chain verifies: no half-written event survived a kill.
    count, problems = audit_store.verify(engine, sm3)
    assert problems == [] and count == _counts(engine)[0]
    engine.dispose()
