"""The one place that wires adapters to services: settings → engine → migrated store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from jingzhun.adapters.db.audit_store import READS_NOT_DURABLE
from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.services.auditing import seal_queued
from jingzhun.settings import Settings


def settings() -> Settings:
    return Settings()


def store_engine(cfg: Settings | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the configured store, migrated to the latest schema unless told not to."""
    cfg = cfg or settings()
    url = cfg.resolved_database_url
    if url.startswith("sqlite:///"):
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
    # A fixed pool: an overflow connection is closed when returned, so a busy web worker would
    # open and close PostgreSQL connections (a fork each) all the time; requests wait for one instead.
    engine = make_engine(url, pool_size=cfg.db_pool_size, max_overflow=0)
    if not cfg.audit_reads_durable:
        engine = engine.execution_options(**{READS_NOT_DURABLE: True})
    if migrate:
        upgrade(engine)
    return engine


@contextmanager
def open_store(cfg: Settings | None = None, *, migrate: bool = True) -> Iterator[Engine]:
    """``store_engine`` for one command: its connections are closed when the command ends."""
    engine = store_engine(cfg, migrate=migrate)
    try:
        yield engine
        seal_queued(engine)  # events a busy PostgreSQL made this command queue (audit_store)
    finally:
        engine.dispose()


def policy_resolver(policy: str | None = None) -> Callable[[str, dt.date], ResolvedPolicy]:
    """The policy for a household's place and day: the pack in force there, or one explicit pack.

    ``policy`` may be a shipped pack id or a YAML file; ``None`` picks, for each county, the
    most specific pack in force on the assessment day. A place without a threshold becomes
    ``PolicyUnavailable``, which the screening reports per household.
    """
    from jingzhun.adapters.engine.screen_duckdb import PolicyUnavailable
    from jingzhun.policy import load_packs
    from jingzhun.policy.errors import PolicyError

    extra = [Path(policy)] if policy and Path(policy).suffix in (".yaml", ".yml") else []
    packs = load_packs(extra)
    leaf = packs.id_of_file(extra[0]) if extra else policy

    def resolve(division_code: str, on: dt.date) -> ResolvedPolicy:
        try:
            if leaf:
                return packs.resolve_pack(leaf, division_code, on)
            return packs.resolve(division_code, on)
        except PolicyError as e:
            if e.code in ("POLICY_NO_THRESHOLD", "POLICY_NOT_FOUND"):
                raise PolicyUnavailable(e.code, e.message) from None
            raise

    return resolve


def web_app(cfg: Settings | None = None) -> FastAPI:
    """The web application on the configured store (migrated first)."""
    from jingzhun.web.app import create_app

    cfg = cfg or settings()
    return create_app(store_engine(cfg), cfg)
