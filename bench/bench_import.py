"""Benchmark of the registry import, with a per-row baseline measured in the same run.

What it measures, on one synthetic county written once as CSV:

* reading the files (CSV readers, all cells as text);
* validating members and income **columnar** (``adapters.engine.validate``) versus the
  straightforward **per-row** way — one ``ResidentId``, ``yuan_to_fen`` and vocabulary lookup
  per cell with the pure domain objects — on the same rows; the ratio is printed;
* the whole ``run_import`` into a fresh SQLite file (and PostgreSQL with ``--pg URL``):
  rows per second and peak RSS.

Usage: ``python bench/bench_import.py [--households 100000] [--pg postgresql+psycopg://postgres@127.0.0.1/test]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade
from jingzhun.adapters.engine.validate import Reference, validate
from jingzhun.adapters.files.readers import read_table
from jingzhun.domain.errors import DomainError
from jingzhun.domain.exchange import INCOME, MEMBERS, Kind
from jingzhun.domain.exchange import Table as XTable
from jingzhun.domain.ids import ResidentId
from jingzhun.domain.money import yuan_to_fen
from jingzhun.domain.vocab import aliases
from jingzhun.services.importer import run_import
from jingzhun.synth import generate, write

console = Console()


def per_row_validate(frame: pl.DataFrame, table: XTable) -> int:
    """The baseline: every cell through the domain value objects, one Python call at a time."""
    errors = 0
    maps = {c.name: aliases(c.enum) for c in table.columns if c.enum is not None}
    for row in frame.iter_rows(named=True):
        for col in table.columns:
            value = row.get(col.name)
            if value is None:
                errors += col.required
                continue
            try:
                if col.kind is Kind.RESIDENT_ID:
                    ResidentId.parse(value)
                elif col.kind in (Kind.MONEY, Kind.MONEY_NONNEG):
                    if yuan_to_fen(value) < 0 and col.kind is Kind.MONEY_NONNEG:
                        errors += 1
                elif col.kind is Kind.ENUM:
                    errors += value not in maps[col.name]
                elif col.kind is Kind.INT:
                    int(value)
            except (DomainError, ValueError):
                errors += 1
    return errors


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg", default=None, help="PostgreSQL URL of a server database to create scratch DBs in")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jz-bench-import-"))
    src = work / "county"
    write(generate(households=args.households, seed=args.seed), src, "csv")

    raws, t_read = timed(lambda: {t.name: read_table(src / "registry" / f"{t.name}.csv", t) for t in (MEMBERS, INCOME)})
    ref = Reference.load()
    frames = {k: r.frame.with_columns(pl.lit(k).alias("_file")) for k, r in raws.items()}
    rows = sum(f.height for f in frames.values())
    _, t_col = timed(lambda: [validate(frames[t.name], t, ref) for t in (MEMBERS, INCOME)])
    _, t_row = timed(lambda: [per_row_validate(frames[t.name], t) for t in (MEMBERS, INCOME)])

    results = []
    engine = make_engine(f"sqlite:///{work / 'store.sqlite'}")
    upgrade(engine)
    report, t_sqlite = timed(run_import, src, engine)
    results.append(("SQLite file", report.rows_read, t_sqlite))
    report, t_again = timed(run_import, src, engine)  # same files again: every row unchanged
    results.append(("SQLite file, re-import (all unchanged)", report.rows_read, t_again))
    engine.dispose()
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"jz_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            pg = make_engine(make_url(args.pg).set(database=name))
            upgrade(pg)
            report, t_pg = timed(run_import, src, pg)
            results.append(("PostgreSQL 15", report.rows_read, t_pg))
            pg.dispose()
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    t = Table(title=f"Import benchmark — {args.households:,} households ({dt.date.today()})")
    for col in ("step", "rows", "seconds", "rows/s"):
        t.add_column(col, justify="right" if col != "step" else "left")
    t.add_row("read members+income CSV", f"{rows:,}", f"{t_read:.2f}", f"{rows / t_read:,.0f}")
    t.add_row("validate, columnar (Polars)", f"{rows:,}", f"{t_col:.2f}", f"{rows / t_col:,.0f}")
    t.add_row("validate, per-row domain objects (baseline)", f"{rows:,}", f"{t_row:.2f}", f"{rows / t_row:,.0f}")
    for label, n, secs in results:
        t.add_row(f"whole import → {label}", f"{n:,}", f"{secs:.2f}", f"{n / secs:,.0f}")
    console.print(t)
    console.print(f"columnar validation is {t_row / t_col:.1f}× faster than the per-row baseline (same rows, same run)")
    console.print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
