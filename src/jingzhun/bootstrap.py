"""The one place that wires adapters to services: settings → engine → migrated store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade
from jingzhun.settings import Settings


def settings() -> Settings:
    return Settings()


def store_engine(cfg: Settings | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the configured store, migrated to the latest schema unless told not to."""
    cfg = cfg or settings()
    url = cfg.resolved_database_url
    if url.startswith("sqlite:///"):
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return engine


@contextmanager
def open_store(cfg: Settings | None = None, *, migrate: bool = True) -> Iterator[Engine]:
    """``store_engine`` for one command: its connections are closed when the command ends."""
    engine = store_engine(cfg, migrate=migrate)
    try:
        yield engine
    finally:
        engine.dispose()
