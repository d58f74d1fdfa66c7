"""Alembic environment: migrates the store described by ``jingzhun.adapters.db.tables``.

The URL comes from the Alembic config (set by ``jingzhun db upgrade``) or, when run as
``alembic`` from the repository root, from ``Settings`` (``JINGZHUN_DATABASE_URL``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from jingzhun.adapters.db.tables import metadata
from jingzhun.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
