"""Run Alembic migrations programmatically (``jingzhun db upgrade``, every process start, the tests).

Several web workers start at once and each migrates its store first; on PostgreSQL they take
one advisory lock for it, so the second waits for the first and then finds nothing to do
(without it, two workers raced to create the same table and one died at start-up).
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATION_LOCK = 0x6A7A6D6967  # "jzmig": the advisory lock key all jingzhun processes migrate under


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "jingzhun.adapters.db:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
