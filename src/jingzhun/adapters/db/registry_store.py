"""The registry side of the store: staged, set-based upserts that keep every replaced version.

The importer hands over whole accepted tables (Polars frames, store column names). Within
the caller's transaction this adapter

1. stages the batch's keys in a temporary table and reads back the current rows for them,
2. splits the batch into new, changed and unchanged rows by comparing whole rows (in Polars),
3. copies each changed row's current version to ``record_history`` as JSON, then updates it
   with ``version + 1``, and inserts the new rows.

Nothing is committed here: the importer owns the one transaction, so a failure anywhere
leaves the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, and_, bindparam, select, text

from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.bulk import insert_frame

KEYS: dict[str, tuple[str, ...]] = {
    "divisions": ("code",),
    "households": ("household_id",),
    "members": ("person_id",),
    "income": ("household_id", "period_end"),
    "conditions": ("household_id",),
    "events": ("source", "event_id"),
}
_BOOKKEEPING = ("version", "import_id", "updated_at")
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged


def data_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in _BOOKKEEPING]


def _schema_for(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in table.columns:
        if c.name in _BOOKKEEPING:
            continue
        py = c.type.python_type
        out[c.name] = {bool: pl.Boolean, int: pl.Int64, dt.date: pl.Date}.get(py, pl.Utf8)
    return out


def read_current(conn: Connection, name: str, batch: pl.DataFrame) -> pl.DataFrame:
    """Current store rows (data columns + version) whose keys appear in ``batch``."""
    table = t.REGISTRY_STORE[name]
    cols = [*data_columns(table), "version"]
    schema = {**_schema_for(table), "version": pl.Int64}
    rows = _join_on_keys(conn, table, batch.select(KEYS[name]).unique(), cols)
    return pl.DataFrame(rows, schema=schema, orient="row")


def _join_on_keys(conn: Connection, table: Table, keys: pl.DataFrame, cols: list[str]) -> list[Any]:
    """Rows of ``table`` matching ``keys``: the keys are staged in a temporary table and joined.

    One join instead of thousands of ``IN (…)`` parameters, which cost more to compile and
    send than the query itself (measured on PostgreSQL with 300,000 keys).
    """
    if keys.height == 0 or conn.execute(select(table.c[keys.columns[0]]).limit(1)).first() is None:
        return []
    stage = _stage_keys(conn, table.name, keys)
    try:
        cond = and_(*[table.c[k] == stage.c[k] for k in keys.columns])
        return list(conn.execute(select(*[table.c[c] for c in cols]).join_from(table, stage, cond)).all())
    finally:
        stage.drop(conn)


def _stage_keys(conn: Connection, name: str, key_frame: pl.DataFrame) -> Table:
    stage = Table(
        f"_stage_{name}",
        MetaData(),
        *[Column(k, String(80), primary_key=True) for k in key_frame.columns],
        prefixes=["TEMPORARY"],
    )
    stage.create(conn)
    insert_frame(conn, stage.name, key_frame)
    return stage


def upsert(conn: Connection, name: str, batch: pl.DataFrame, *, import_id: str, now: dt.datetime) -> UpsertCounts:
    """Insert new rows, version-and-update changed rows, leave identical rows alone."""
    table = t.REGISTRY_STORE[name]
    keys = list(KEYS[name])
    cols = data_columns(table)
    batch = batch.select(cols)
    if batch.height == 0:
        return UpsertCounts()
    current = read_current(conn, name, batch)
    joined = batch.join(current, on=keys, how="left", suffix="__old", nulls_equal=False)
    is_new = pl.col("version").is_null()
    differs = (
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in cols if c not in keys])
        if len(cols) > len(keys)
        else pl.lit(False)
    )
    new_rows = joined.filter(is_new).select(cols)
    changed = joined.filter(~is_new & differs)
    unchanged = joined.height - new_rows.height - changed.height

    if changed.height:
        old = changed.select(keys + [pl.col(f"{c}__old").alias(c) for c in cols if c not in keys] + ["version"])
        _write_history(conn, name, old, keys, cols, import_id=import_id, now=now)
        upd = (
            table.update()
            .where(and_(*[table.c[k] == bindparam(f"k_{k}") for k in keys]))
            .values(
                {c: bindparam(f"v_{c}") for c in cols if c not in keys}
                | {"version": table.c.version + 1, "import_id": import_id, "updated_at": now}
            )
        )
        params = changed.select(
            [pl.col(k).alias(f"k_{k}") for k in keys] + [pl.col(c).alias(f"v_{c}") for c in cols if c not in keys]
        ).to_dicts()
        for i in range(0, len(params), _CHUNK):
            conn.execute(upd, params[i : i + _CHUNK])
    if new_rows.height:
        insert_frame(
            conn,
            table.name,
            new_rows.with_columns(
                pl.lit(1).alias("version"), pl.lit(import_id).alias("import_id"), pl.lit(now).alias("updated_at")
            ),
        )
    return UpsertCounts(new_rows.height, changed.height, unchanged)


def _write_history(
    conn: Connection,
    name: str,
    old: pl.DataFrame,
    keys: list[str],
    cols: list[str],
    *,
    import_id: str,
    now: dt.datetime,
) -> None:
    # The replaced versions as JSON, built column-wise by Polars (dates as ISO text).
    records = old.select(
        pl.lit(name).alias("table_name"),
        pl.concat_str([pl.col(k).cast(pl.Utf8) for k in keys], separator="|").alias("record_key"),
        pl.col("version").cast(pl.Int64),
        pl.struct([pl.col(c) for c in sorted(cols)]).struct.json_encode().alias("data"),
        pl.lit(now).alias("replaced_at"),
        pl.lit(import_id).alias("replaced_by_import"),
    )
    insert_frame(conn, t.record_history.name, records)


def known_villages(conn: Connection) -> frozenset[str]:
    rows = conn.execute(select(t.divisions.c.code).where(t.divisions.c.level == "village")).scalars()
    return frozenset(rows)


def existing_households(conn: Connection, ids: list[str]) -> frozenset[str]:
    keys = pl.DataFrame({"household_id": ids}, schema={"household_id": pl.Utf8}).unique()
    return frozenset(r[0] for r in _join_on_keys(conn, t.households, keys, ["household_id"]))


def existing_memberships(conn: Connection, person_ids: list[str]) -> pl.DataFrame:
    """(person_id, household_id) of people already in the store."""
    keys = pl.DataFrame({"person_id": person_ids}, schema={"person_id": pl.Utf8}).unique()
    rows = _join_on_keys(conn, t.members, keys, ["person_id", "household_id"])
    return pl.DataFrame(rows, schema={"person_id": pl.Utf8, "household_id": pl.Utf8}, orient="row")


def lock_for_import(conn: Connection) -> None:
    """Serialise imports: SQLite takes its write lock now rather than at the first write."""
    if conn.dialect.name == "sqlite":
        # pysqlite opens the transaction at the first write; a no-op write takes SQLite's
        # RESERVED lock now, so every read below sees the state the writes will apply to.
        conn.execute(text("DELETE FROM imports WHERE 1 = 0"))
    else:
        conn.execute(text("LOCK TABLE imports IN EXCLUSIVE MODE"))


def refresh_statistics(engine: Engine, names: list[str]) -> None:
    """Bring the planner's statistics of the imported tables up to date, after the import's commit.

    A county's first import turns empty tables into millions of rows; until the statistics know
    it, PostgreSQL plans a household page's lookups for empty tables (and autovacuum, where it
    runs at all, gets to it minutes later). SQLite samples at most 1,000 rows per index.
    """
    tables = [t.REGISTRY_STORE[n].name for n in names if n in t.REGISTRY_STORE]
    if not tables:
        return
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            for name in tables:
                conn.exec_driver_sql(f"ANALYZE {name}")
        else:
            conn.exec_driver_sql("ANALYZE " + ", ".join(tables))
        conn.commit()
