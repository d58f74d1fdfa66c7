"""Benchmark of the synthetic population generator, with a baseline measured in the same run.

Why this shape: absolute seconds depend on the machine, so besides timings for ``generate()``
and for writing CSV and Parquet, the script measures a baseline on the same data and the same
machine — building resident ID numbers one person at a time with the domain's
``make_resident_id`` (the straightforward loop) — and prints how many times faster the
vectorised builder is. Each population size runs in a fresh subprocess so that its peak RSS
is its own.

Usage: ``python bench/bench_synth.py [--households 100000 1000000] [--seed 1] [--id-sample 100000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from jingzhun.domain.ids import make_resident_id
from jingzhun.synth import generate, write
from jingzhun.synth.ids import build_ids, resident_ids


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _id_parts(person_ids: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Address code, birth date and sequence of existing IDs, so both builders redo them."""
    parts = pl.DataFrame({"v": person_ids}).select(
        addr=pl.col("v").str.slice(0, 6).cast(pl.Int64),
        birth=pl.col("v").str.slice(6, 8).str.to_date("%Y%m%d"),
        seq=pl.col("v").str.slice(14, 3).cast(pl.Int64),
    )
    return (
        parts["addr"].to_numpy(),
        parts["birth"].to_numpy().astype("datetime64[D]"),
        parts["seq"].to_numpy(),
    )


def run_one(households: int, seed: int, id_sample: int) -> dict[str, float]:
    """Generate, write both formats and time the ID builders; returns the figures."""
    started = time.perf_counter()
    result = generate(households, seed)
    gen_s = time.perf_counter() - started
    figures: dict[str, float] = {
        "households": households,
        "members": result.members.height,
        "events": result.events.height,
        "generate_s": gen_s,
    }
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        for fmt in ("csv", "parquet"):
            out = Path(tmp) / fmt
            t0 = time.perf_counter()
            write(result, out, fmt)
            figures[f"write_{fmt}_s"] = time.perf_counter() - t0
            figures[f"{fmt}_mb"] = _dir_mb(out)
    figures.update(_time_ids(result.members["person_id"], id_sample))
    figures["peak_rss_mb"] = _peak_rss_mb()
    return figures


def _time_ids(person_ids: pl.Series, id_sample: int) -> dict[str, float]:
    addr, birth, seq = _id_parts(person_ids)
    n = min(id_sample, len(addr))
    # The baseline gets its inputs as ready Python objects; only the per-row building is timed.
    rows = [
        (str(a), dt.date.fromisoformat(str(b)), int(s)) for a, b, s in zip(addr[:n], birth[:n], seq[:n], strict=True)
    ]
    t0 = time.perf_counter()
    looped = [make_resident_id(a, b, s).value for a, b, s in rows]
    loop_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    vectorised = build_ids(addr[:n], birth[:n], seq[:n]).to_list() if n else []
    vec_s = time.perf_counter() - t0
    if looped != vectorised:
        raise AssertionError("the vectorised builder disagrees with make_resident_id")
    male = seq % 2 == 1
    t0 = time.perf_counter()
    resident_ids(addr, birth, male)  # all persons, with the uniqueness ranking
    all_s = time.perf_counter() - t0
    return {"id_sample": n, "id_loop_s": loop_s, "id_vec_s": vec_s, "id_all_s": all_s, "id_all_n": len(addr)}


def _report(rows: list[dict[str, float]], console: Console) -> None:
    table = Table(title="jingzhun synth benchmark")
    for col in (
        "households",
        "members",
        "events",
        "generate",
        "households/s",
        "write csv",
        "write parquet",
        "peak RSS",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            f"{r['households']:,.0f}",
            f"{r['members']:,.0f}",
            f"{r['events']:,.0f}",
            f"{r['generate_s']:.2f} s",
            f"{r['households'] / r['generate_s']:,.0f}",
            f"{r['write_csv_s']:.2f} s ({r['csv_mb']:.0f} MB)",
            f"{r['write_parquet_s']:.2f} s ({r['parquet_mb']:.0f} MB)",
            f"{r['peak_rss_mb']:,.0f} MB",
        )
    console.print(table)
    ids = Table(title="Resident IDs: per-row loop (make_resident_id) vs vectorised (same persons)")
    for col in (
        "persons",
        "loop",
        "vectorised",
        "loop per 1M (extrapolated)",
        "vectorised, all persons",
        "speed-up",
    ):
        ids.add_column(col, justify="right")
    for r in rows:
        per_loop = r["id_loop_s"] / max(r["id_sample"], 1)
        per_vec = r["id_vec_s"] / max(r["id_sample"], 1)
        ids.add_row(
            f"{r['id_sample']:,.0f}",
            f"{r['id_loop_s']:.2f} s",
            f"{r['id_vec_s']:.3f} s",
            f"{per_loop * 1e6:.1f} s",
            f"{r['id_all_s']:.2f} s for {r['id_all_n']:,.0f}",
            f"{per_loop / per_vec:,.0f}×",
        )
    console.print(ids)
    best = rows[-1]
    ratio = (best["id_loop_s"] / best["id_sample"]) / (best["id_vec_s"] / best["id_sample"])
    console.print(f"vectorised IDs are {ratio:,.0f}× faster than the per-row loop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--id-sample", type=int, default=100_000, help="persons in the per-row baseline")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args(argv)
    if args.single:
        print(json.dumps(run_one(args.households[0], args.seed, args.id_sample)))
        return 0
    console = Console(width=150)  # wide enough for the tables when output is piped
    rows = []
    for n in args.households:
        with console.status(f"{n:,} households…"):
            cmd = [sys.executable, __file__, "--single", "--households", str(n), "--seed", str(args.seed)]
            out = subprocess.run([*cmd, "--id-sample", str(args.id_sample)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    _report(rows, console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
