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
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine

from jingzhun.adapters.db import registry_store as store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.bulk import insert_frame
from jingzhun.adapters.engine.validate import ERROR_SCHEMA, Reference, concat_errors, row_errors, validate
from jingzhun.adapters.files.raw import FileReadError, RawTable
from jingzhun.adapters.files.readers import find_table_files, read_table
from jingzhun.domain.exchange import (
    CONDITIONS,
    DIVISIONS,
    EVENTS,
    HOUSEHOLDS,
    INCOME,
    KNOWN_EVENT_TYPES,
    MEMBERS,
    Table,
)
from jingzhun.services.import_report import FileInfo, ImportReport, TableCounts
from jingzhun.services.import_rules import (
    duplicate_errors,
    household_reference_errors,
    multiple_head_errors,
    other_household_errors,
)

MONEY_TO_FEN = {
    "wage": "wage_fen",
    "business_net": "business_net_fen",
    "property": "property_fen",
    "transfer": "transfer_fen",
    "medical_self_paid": "medical_self_paid_fen",
    "education_self_paid": "education_self_paid_fen",
    "amount": "amount_fen",
}


class ImportSourceError(Exception):
    """The source directory holds nothing we can import (usage error, exit code 2)."""


@dataclass(slots=True)
class Candidate:
    """One table's rows after cell validation, before the cross-table rules."""

    table: Table
    read: int
    typed: pl.DataFrame
    errors: pl.DataFrame

    def accepted(self) -> pl.DataFrame:
        bad = self.errors.select("_file", "_row").unique()
        return self.typed.join(bad, on=["_file", "_row"], how="anti")

    def rejected_rows(self) -> pl.DataFrame:
        return self.errors.select("_file", "_row").unique()

    def add(self, more: pl.DataFrame) -> None:
        if more.height:
            self.errors = concat_errors([self.errors, more])


def locate(source: Path) -> dict[str, Path]:
    """Registry tables live in ``source/registry`` (or ``source`` itself), feeds in ``source/feeds``."""
    if not source.is_dir():
        raise ImportSourceError(f"导入目录不存在：{source}")
    registry = source / "registry" if (source / "registry").is_dir() else source
    feeds = source / "feeds" if (source / "feeds").is_dir() else source
    return {"registry": registry, "feeds": feeds}


def read_all(source: Path, report: ImportReport) -> dict[str, list[RawTable]]:
    """Read every table file; whole-file errors are collected, not raised."""
    dirs = locate(source)
    plan = [(tb, dirs["registry"]) for tb in (DIVISIONS, HOUSEHOLDS, MEMBERS, INCOME, CONDITIONS)]
    plan.append((EVENTS, dirs["feeds"]))
    raws: dict[str, list[RawTable]] = {}
    for table, directory in plan:
        for path in find_table_files(directory, table):
            try:
                raw = read_table(path, table)
            except FileReadError as e:
                report.file_errors.append({"file": str(path), "code": e.code, "message": e.message})
                continue
            raws.setdefault(table.name, []).append(raw)
            report.files.append(
                FileInfo(
                    str(path),
                    table.name,
                    raw.rows,
                    raw.encoding,
                    raw.sheet,
                    raw.header_row,
                    raw.unknown_columns,
                    raw.missing_required,
                )
            )
    if not raws and not report.file_errors:
        raise ImportSourceError(
            f"目录 {source} 中没有可导入的文件（households、members、income、conditions、events …）"
        )
    return raws


def validate_table(raws: list[RawTable], table: Table, ref: Reference) -> Candidate:
    frames, errors = [], []
    for raw in raws:
        f = raw.frame.with_columns(pl.lit(raw.path.name).alias("_file"))
        for col in table.columns:
            if col.name not in f.columns:
                f = f.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
        if "_error" not in f.columns:
            f = f.with_columns(pl.lit(None, dtype=pl.Utf8).alias("_error"))
        for name in raw.missing_required:
            label = table.column(name).aliases[0] if table.column(name).aliases else name
            errors.append(row_errors(f, name, "COLUMN_MISSING", f"文件缺少必需的列“{name}”（{label}）"))
        frames.append(f.select(["_row", "_file", "_error", *[c.name for c in table.columns]]))
    frame = pl.concat(frames, how="vertical_relaxed")
    v = validate(frame, table, ref)
    # A column the file lacks is reported once per row as COLUMN_MISSING, not again as empty cells.
    absent = pl.DataFrame(
        [(raw.path.name, name) for raw in raws for name in raw.missing_required],
        schema={"_file": pl.Utf8, "field": pl.Utf8},
        orient="row",
    )
    cell_errors = v.errors.join(absent, on=["_file", "field"], how="anti")
    return Candidate(table, frame.height, v.typed, concat_errors([cell_errors, *errors]))


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
        candidates = _validate_all(conn, raws, today or now.date())
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
        report.rejects = _sorted_rejects(candidates)
        report.notes.extend(_notes(candidates))
        report.check_conservation()
        _store_rejects(conn, report)
        _finish_import_row(conn, report, now)
        report.committed = True
    return report


def _validate_all(conn: Connection, raws: dict[str, list[RawTable]], today: dt.date) -> dict[str, Candidate]:
    out: dict[str, Candidate] = {}
    villages = store.known_villages(conn)
    base_ref = Reference.load(villages, today)
    if "divisions" in raws:
        div = validate_table(raws["divisions"], DIVISIONS, base_ref)
        div.add(duplicate_errors(div.accepted(), DIVISIONS))
        out["divisions"] = div
        new_villages = div.accepted().filter(pl.col("code").str.slice(9, 3) != "000")["code"].to_list()
        villages = villages | frozenset(new_villages)
    ref = Reference.load(villages, today)
    for table in (HOUSEHOLDS, MEMBERS, INCOME, CONDITIONS, EVENTS):
        if table.name in raws:
            cand = validate_table(raws[table.name], table, ref)
            cand.add(duplicate_errors(cand.accepted(), table))
            out[table.name] = cand
    batch_hh = out.get("households")
    accepted_hh = set(batch_hh.accepted()["household_id"].to_list()) if batch_hh else set()
    rejected_hh = (set(batch_hh.typed["household_id"].drop_nulls().to_list()) - accepted_hh) if batch_hh else set()
    for name in ("members", "income", "conditions"):
        if name not in out:
            continue
        cand = out[name]
        ids = cand.accepted()["household_id"].unique().to_list()
        known = accepted_hh | set(store.existing_households(conn, [i for i in ids if i not in accepted_hh]))
        cand.add(household_reference_errors(cand.accepted(), known, rejected_hh))
    if "members" in out:
        mem = out["members"]
        existing = store.existing_memberships(conn, mem.accepted()["person_id"].to_list())
        mem.add(other_household_errors(mem.accepted(), existing))
        mem.add(multiple_head_errors(mem.accepted()))
    return out


def _sorted_rejects(candidates: dict[str, Candidate]) -> pl.DataFrame:
    frames = [c.errors for c in candidates.values() if c.errors.height]
    if not frames:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(frames).unique(maintain_order=True).sort(["_file", "_row", "field"])


def _notes(candidates: dict[str, Candidate]) -> list[str]:
    notes = []
    ev = candidates.get("events")
    if ev is not None:
        acc = ev.accepted()
        unknown = acc.filter(~pl.col("event_type").is_in(list(KNOWN_EVENT_TYPES)))
        if unknown.height:
            kinds = "、".join(sorted(unknown["event_type"].unique().to_list()))
            notes.append(f"部门数据中有 {unknown.height} 条未知事件类型（{kinds}），已保留并标记为未识别类型")
    return notes


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
