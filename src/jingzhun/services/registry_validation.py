"""Reading and validating a registry (and feeds) directory, shared by import and screening.

Both ``jingzhun import`` and ``jingzhun screen`` must account for every input row the same way:
read every file, check every cell (``adapters.engine.validate``), then the rules across rows
and tables (``import_rules``). The only difference is what is already known: an import checks
against the store (``StoreLookups``), a stateless screening against nothing (``NO_STORE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

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
from jingzhun.services.import_report import FileInfo
from jingzhun.services.import_rules import (
    duplicate_errors,
    event_subject_errors,
    household_reference_errors,
    multiple_head_errors,
    other_household_errors,
)


class SourceError(Exception):
    """The source directory holds nothing we can read (usage error, exit code 2)."""


class ReadLog(Protocol):
    """Where ``read_all`` records the files it read and the files it could not read."""

    files: list[FileInfo]
    file_errors: list[dict[str, str]]


class StoreLookups(Protocol):
    """What validation needs to know about records already in the store."""

    def known_villages(self) -> frozenset[str]: ...

    def existing_households(self, ids: list[str]) -> frozenset[str]: ...

    def existing_memberships(self, person_ids: list[str]) -> pl.DataFrame: ...


class _NoStore:
    def known_villages(self) -> frozenset[str]:
        return frozenset()

    def existing_households(self, ids: list[str]) -> frozenset[str]:
        return frozenset()

    def existing_memberships(self, person_ids: list[str]) -> pl.DataFrame:
        return pl.DataFrame(schema={"person_id": pl.Utf8, "household_id": pl.Utf8})


NO_STORE: StoreLookups = _NoStore()


@dataclass(slots=True)
class Candidate:
    """One table's rows after cell validation, before the cross-table rules."""

    table: Table
    read: int
    typed: pl.DataFrame
    errors: pl.DataFrame
    _accepted: pl.DataFrame | None = field(default=None, repr=False)

    def accepted(self) -> pl.DataFrame:
        """The rows without errors so far (computed once per change of ``errors``)."""
        if self._accepted is None:
            if self.errors.height == 0:
                self._accepted = self.typed
            else:
                bad = self.errors.select("_file", "_row").unique()
                self._accepted = self.typed.join(bad, on=["_file", "_row"], how="anti")
        return self._accepted

    def rejected_rows(self) -> pl.DataFrame:
        return self.errors.select("_file", "_row").unique()

    def add(self, more: pl.DataFrame) -> None:
        if more.height:
            self.errors = concat_errors([self.errors, more])
            self._accepted = None


def locate(source: Path) -> dict[str, Path]:
    """Registry tables live in ``source/registry`` (or ``source`` itself), feeds in ``source/feeds``."""
    if not source.is_dir():
        raise SourceError(f"导入目录不存在：{source}")
    registry = source / "registry" if (source / "registry").is_dir() else source
    feeds = source / "feeds" if (source / "feeds").is_dir() else source
    return {"registry": registry, "feeds": feeds}


def read_all(source: Path, report: ReadLog) -> dict[str, list[RawTable]]:
    """Read every table file of a source directory; whole-file errors are collected, not raised."""
    dirs = locate(source)
    raws = read_dirs(dirs["registry"], dirs["feeds"], report)
    if not raws and not report.file_errors:
        raise SourceError(f"目录 {source} 中没有可导入的文件（households、members、income、conditions、events …）")
    return raws


REGISTRY_TABLES = (DIVISIONS, HOUSEHOLDS, MEMBERS, INCOME, CONDITIONS)


def read_dirs(
    registry: Path, feeds: Path | None, report: ReadLog, *, tables: tuple[Table, ...] = (*REGISTRY_TABLES, EVENTS)
) -> dict[str, list[RawTable]]:
    """Read the registry tables from ``registry`` and the events from ``feeds`` (if given)."""
    if not registry.is_dir():
        raise SourceError(f"登记数据目录不存在：{registry}")
    if feeds is not None and not feeds.is_dir():
        raise SourceError(f"部门数据目录不存在：{feeds}")
    plan = [(tb, registry) for tb in tables if tb is not EVENTS]
    if EVENTS in tables and feeds is not None:
        plan.append((EVENTS, feeds))
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


def validate_all(raws: dict[str, list[RawTable]], today: dt.date, store: StoreLookups) -> dict[str, Candidate]:
    """Cell checks, then the rules across rows, tables and (through ``store``) the store."""
    out: dict[str, Candidate] = {}
    villages = store.known_villages()
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
    ids = pl.DataFrame(schema={"household_id": pl.Utf8})
    accepted_hh, rejected_hh = ids, ids
    if "households" in out:
        accepted_hh = out["households"].accepted().select("household_id").unique()
        rejected_hh = (
            out["households"]
            .typed.select("household_id")
            .drop_nulls()
            .unique()
            .join(accepted_hh, on="household_id", how="anti")
        )
    for name in ("members", "income", "conditions"):
        if name not in out:
            continue
        cand = out[name]
        # Households not in this batch are looked up in the store, only those.
        elsewhere = cand.accepted().select("household_id").unique().join(accepted_hh, on="household_id", how="anti")
        in_store = store.existing_households(elsewhere["household_id"].to_list()) if elsewhere.height else frozenset()
        known = pl.concat([accepted_hh, pl.DataFrame({"household_id": sorted(in_store)}, schema=ids.schema)])
        cand.add(household_reference_errors(cand.accepted(), known, rejected_hh))
    if "events" in out:
        out["events"].add(event_subject_errors(out["events"].accepted()))
    if "members" in out:
        mem = out["members"]
        existing = store.existing_memberships(mem.accepted()["person_id"].to_list())
        mem.add(other_household_errors(mem.accepted(), existing))
        mem.add(multiple_head_errors(mem.accepted()))
    return out


def sorted_rejects(candidates: dict[str, Candidate]) -> pl.DataFrame:
    frames = [c.errors for c in candidates.values() if c.errors.height]
    if not frames:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(frames).unique(maintain_order=True).sort(["_file", "_row", "field"])


def feed_notes(candidates: dict[str, Candidate]) -> list[str]:
    notes = []
    ev = candidates.get("events")
    if ev is not None:
        acc = ev.accepted()
        unknown = acc.filter(~pl.col("event_type").is_in(list(KNOWN_EVENT_TYPES)))
        if unknown.height:
            kinds = "、".join(sorted(unknown["event_type"].unique().to_list()))
            notes.append(f"部门数据中有 {unknown.height} 条未知事件类型（{kinds}），已保留并标记为未识别类型")
    return notes
