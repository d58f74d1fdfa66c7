"""Shared fixtures: a migrated store on SQLite and on the running PostgreSQL, and synthetic counties.

PostgreSQL: each test gets its own throw-away database on the server at JINGZHUN_TEST_PG_URL
(default 127.0.0.1:5432, trust auth). Without a server the PostgreSQL variants are skipped —
unless JINGZHUN_REQUIRE_PG=1 (CI sets it), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade

PG_URL = os.environ.get("JINGZHUN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin() -> Engine | None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as e:  # the server is not there
        admin.dispose()
        if os.environ.get("JINGZHUN_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required but not reachable at {PG_URL}: {e}")
        return None
    return admin


@pytest.fixture
def pg_url() -> Iterator[str]:
    admin = _pg_admin()
    if admin is None:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    name = f"jz_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = make_engine(store_url)
    upgrade(eng)
    yield eng
    eng.dispose()
