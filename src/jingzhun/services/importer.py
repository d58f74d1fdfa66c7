"""Import a registry (and feeds) directory into the store: every row accepted or rejected, atomically.

The use case behind ``jingzhun import DIR``:

1. read every table file (CSV in UTF-8 / UTF-8-BOM / GBK, XLSX, Parquet) — a file that cannot
   be read at all stops the import before anything is written;
2. validate cells column-wise (``adapters.engine.validate``), then the rules across rows and
   tables (duplicates, unknown or rejected households, a person in two households, two
   heads of household);
3. in ONE transaction: record the import, upsert accepted rows keeping replaced versions in
   ``record_history``, store the rejects. Any failure (a bad file, kill -9, a full disk) rolls
   the whole import back, so the store is exactly as before;
4. check conservation — read = accepted + rejected for every table — before committing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import registry_store as store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.bulk import insert_frame
from jingzhun.domain.exchange import KNOWN_EVENT_TYPES
from jingzhun.services.import_report import ImportReport, TableCounts
from jingzhun.services.registry_validation import (
    SourceError,
    feed_notes,
    read_all,
    sorted_rejects,
    validate_all,
)

ImportSourceError = SourceError  # the name the CLI and tests use

MONEY_TO_FEN = {
    "wage": "wage_fen",
    "business_net": "business_net_fen",
    "property": "property_fen",
    "transfer": "transfer_fen",
    "medical_self_paid": "medical_self_paid_fen",
    "education_self_paid": "education_self_paid_fen",
    "amount": "amount_fen",
}


def to_store_frame(name: str, accepted: pl.DataFrame) -> pl.DataFrame:
    """Exchange columns → store columns (amounts in fen, derived division levels, event flags)."""
    f = accepted.drop("_file", "_row").rename({k: v for k, v in MONEY_TO_FEN.items() if k in accepted.columns})
    if name == "divisions":
        code = pl.col("code")
        f = f.with_columns(
            pl.when(code.str.slice(9, 3) != "000")
            .then(pl.lit("village"))
            .when(code.str.slice(6, 3) != "000")
            .then(pl.lit("township"))
            .when(code.str.slice(4, 2) != "00")
            .then(pl.lit("county"))
            .when(code.str.slice(2, 2) != "00")
            .then(pl.lit("prefecture"))
            .otherwise(pl.lit("province"))
            .alias("level"),
        ).with_columns(
            pl.when(pl.col("level") == "village")
            .then(code.str.slice(0, 9) + "000")
            .when(pl.col("level") == "township")
            .then(code.str.slice(0, 6) + "000000")
            .when(pl.col("level") == "county")
            .then(code.str.slice(0, 4) + "00000000")
            .when(pl.col("level") == "prefecture")
            .then(code.str.slice(0, 2) + "0000000000")
            .alias("parent_code"),
        )
    if name == "events":
        f = f.with_columns(pl.col("event_type").is_in(list(KNOWN_EVENT_TYPES)).alias("known_type"))
    return f


def run_import(
    source: Path,
    engine: Engine,
    *,
    actor: str = "cli",
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import ``source``; returns the report (``committed`` says whether anything was written)."""
    now = now or dt.datetime.now(dt.UTC)
    report = ImportReport(import_id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8], source=str(source))
    raws = read_all(source, report)
    if report.file_errors:
        return report  # nothing written: a file we cannot read may hide rows we cannot account for
    with engine.begin() as conn:
        store.lock_for_import(conn)
        candidates = validate_all(raws, today or now.date(), _SqlLookups(conn))
        _insert_import_row(conn, report, actor, now)
        for name, cand in candidates.items():
            accepted = cand.accepted()
            counts = store.upsert(conn, name, to_store_frame(name, accepted), import_id=report.import_id, now=now)
            report.tables[name] = TableCounts(
                read=cand.read,
                rejected=cand.rejected_rows().height,
                inserted=counts.inserted,
                updated=counts.updated,
                unchanged=counts.unchanged,
            )
        report.rejects = sorted_rejects(candidates)
        report.notes.extend(feed_notes(candidates))
        report.check_conservation()
        _store_rejects(conn, report)
        _finish_import_row(conn, report, now)
        # The audit event is part of the import's transaction: no audit, no import.
        totals = {"read": report.rows_read, "accepted": report.rows_accepted, "rejected": report.rows_rejected}
        record = f"import:{report.import_id}"
        event = audit_store.Entry(actor, "system", "", "registry.import", record, detail=json.dumps(totals))
        audit_store.append(conn, sm3, event)
        report.committed = True
    changed = [name for name, c in report.tables.items() if c.inserted or c.updated]
    try:
        store.refresh_statistics(engine, changed)
    except SQLAlchemyError as e:  # the import is committed; only the planner's statistics are stale
        report.notes.append(f"导入已完成，但未能刷新数据库统计信息（查询可能变慢）：{type(e).__name__}")
    return report


def _insert_import_row(conn: Connection, report: ImportReport, actor: str, now: dt.datetime) -> None:
    conn.execute(
        t.imports.insert().values(
            import_id=report.import_id,
            source=report.source,
            actor=actor,
            started_at=now,
            finished_at=now,
            rows_read=0,
            rows_accepted=0,
            rows_rejected=0,
            summary="{}",
        )
    )


def _finish_import_row(conn: Connection, report: ImportReport, started: dt.datetime) -> None:
    conn.execute(
        t.imports.update()
        .where(t.imports.c.import_id == report.import_id)
        .values(
            finished_at=max(dt.datetime.now(dt.UTC), started),
            rows_read=report.rows_read,
            rows_accepted=report.rows_accepted,
            rows_rejected=report.rows_rejected,
            summary=json.dumps(report.summary(), ensure_ascii=False),
        )
    )


def _store_rejects(conn: Connection, report: ImportReport) -> None:
    if report.rejects is None or report.rejects.height == 0:
        return
    table_of = {Path(f.path).name: f.table for f in report.files}
    rows = report.rejects.with_columns(
        pl.col("_file").replace_strict(table_of, default="?").alias("table_name"),
        pl.lit(report.import_id).alias("import_id"),
    ).rename({"_file": "file", "_row": "row"})
    insert_frame(conn, t.import_rejects.name, rows)


class _SqlLookups:
    """``StoreLookups`` answered inside the import's own transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def known_villages(self) -> frozenset[str]:
        return store.known_villages(self._conn)

    def existing_households(self, ids: list[str]) -> frozenset[str]:
        return store.existing_households(self._conn, ids)

    def existing_memberships(self, person_ids: list[str]) -> pl.DataFrame:
        return store.existing_memberships(self._conn, person_ids)
