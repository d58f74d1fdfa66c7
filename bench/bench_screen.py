"""Benchmark of the screening at national scale, with two baselines measured in the same run.

On one synthetic population written once as Parquet (cached outside the repository), each
stage runs in its own subprocess so its peak RSS is its own:

* ``floor``  — one hand-written DuckDB query that reads members and income and computes
  per-capita income per household: the least any screening must do;
* ``engine`` — the screening engine (features + compiled rules of the resolved policies) over
  the Parquet snapshot, i.e. on data already validated at import, one province partition at
  a time (``adapters/engine/snapshot.py``);
* ``e2e``    — ``jingzhun screen`` as a user runs it: read the files, validate every row
  (rejects), then the engine;
* ``pandas`` — a straightforward pandas implementation of the same rules (bench/pandas_screen.py).

Printed: seconds, households/s, peak RSS, the ratios pandas/engine and engine/floor and
e2e/floor, and whether engine and pandas flagged the same households with the same rules.

Usage: ``python bench/bench_screen.py [--households 1000000] [--stages floor engine e2e pandas]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

AS_OF = dt.date(2026, 11, 1)
CACHE = Path(os.environ.get("JINGZHUN_BENCH_DIR", "/tmp/jingzhun-bench"))


PROVINCES = ("53", "52", "51", "45", "62", "63", "64", "61", "50", "43")  # one per part of a scale run


def data_dir(households: int, seed: int, parts: int = 1) -> Path:
    """The population, generated once: ``parts`` provinces of ``households`` households each."""
    if parts == 1:
        root = CACHE / f"screen-{households}-{seed}"
        _make(root, households, seed, PROVINCES[0])
        return root
    root = CACHE / f"screen-{parts}x{households}-{seed}"
    for k in range(parts):  # a subprocess per part keeps the generator's memory to one part
        part = root / f"part-{k:02d}"
        if not (part / "feeds" / "events.parquet").exists():
            code = (
                "from bench_screen import _make; from pathlib import Path; "
                f"_make(Path({str(part)!r}), {households}, {seed + k}, {PROVINCES[k]!r})"
            )
            subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)
    return root


def _make(root: Path, households: int, seed: int, province: str) -> None:
    if not (root / "feeds" / "events.parquet").exists():
        from jingzhun.synth import generate, write

        write(generate(households=households, seed=seed, province=province, as_of=AS_OF), root, "parquet")


def _glob(root: Path, sub: str) -> str:
    """A file of the snapshot, or the same file across all parts of a scale run."""
    return str(root / sub) if (root / sub).exists() else str(root / "part-*" / sub)


def stage(name: str, root: Path, policy: str | None, memory_limit: str | None) -> dict[str, object]:
    import duckdb

    from jingzhun import bootstrap

    loading = time.perf_counter()
    out: dict[str, object] = {}
    resolver = bootstrap.policy_resolver(policy)
    resolver("530000000000" if policy is None else "110000000000", AS_OF)  # packs parsed and checked
    out["policy_load_seconds"] = time.perf_counter() - loading
    start = time.perf_counter()  # the work itself: the same for every stage, packs already loaded
    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if name == "floor":
        members, income = _glob(root, "registry/members.parquet"), _glob(root, "registry/income.parquet")
        n = con.sql(f"""
            WITH n AS (SELECT household_id, count(*) AS members FROM read_parquet('{members}') GROUP BY 1)
            SELECT household_id, (wage + business_net + property + transfer) * 100 / members AS per_capita_fen
            FROM read_parquet('{income}') JOIN n USING (household_id) WHERE period_end = '2026-10'
        """).pl()
        out["rows"] = n.height
    elif name == "engine":
        from jingzhun.adapters.engine.snapshot import screen_snapshot

        result = screen_snapshot(root, AS_OF, resolver, memory_limit=memory_limit)
        out["flagged"] = result.warnings.height
        out["households"] = result.households
        w = result.warnings.select("household_id", "rule_ids")
        out["digest"] = sorted((h, tuple(r)) for h, r in w.iter_rows())[:: max(1, w.height // 2000)]
    elif name == "e2e":
        from jingzhun.services.screening import screen_files

        o = screen_files(root / "registry", root / "feeds", AS_OF, resolver)
        out["flagged"] = o.flagged
        out["rejected"] = o.rows_rejected
    elif name == "pandas":
        sys.path.insert(0, str(Path(__file__).parent))
        import pandas_screen

        policy = resolver("532328000000", AS_OF)
        res = pandas_screen.screen(pandas_screen.features(root, AS_OF), policy)
        out["flagged"] = len(res)
        out["digest"] = sorted((h, tuple(r)) for h, r in zip(res["household_id"], res["rule_ids"], strict=True))[
            :: max(1, len(res) // 2000)
        ]
    out["seconds"] = time.perf_counter() - start
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stages", nargs="+", default=["floor", "engine", "e2e", "pandas"])
    ap.add_argument("--parts", type=int, default=1, help="a scale run: this many provinces of --households each")
    ap.add_argument("--policy", default=None, help="policy pack id or file (default: the packs in force per place)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 6GB")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:  # child process
        print(json.dumps(stage(args.stage, Path(args.root), args.policy, args.memory_limit), default=list))
        return
    console = Console()
    with console.status(f"preparing {args.parts} × {args.households:,} households (cached in {CACHE}) …"):
        root = data_dir(args.households, args.seed, args.parts)
    extra = [
        *(["--policy", args.policy] if args.policy else []),
        *(["--memory-limit", args.memory_limit] if args.memory_limit else []),
    ]
    results: dict[str, dict[str, object]] = {}
    for name in args.stages:
        with console.status(f"stage {name} …"):
            proc = subprocess.run(
                [sys.executable, __file__, "--stage", name, "--root", str(root), *extra],
                capture_output=True,
                text=True,
                check=True,
            )
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    n = args.households * args.parts
    t = Table(title=f"Screening benchmark — {n:,} households, as of {AS_OF} ({dt.date.today()})")
    for col in ("stage", "seconds", "policy load (not included)", "households/s", "peak RSS", "flagged"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    for name, r in results.items():
        secs = float(r["seconds"])  # type: ignore[arg-type]
        t.add_row(
            name,
            f"{secs:.2f}",
            f"{float(r['policy_load_seconds']):.2f}",  # type: ignore[arg-type]
            f"{n / secs:,.0f}",
            f"{float(r['peak_rss_mb']):,.0f} MB",  # type: ignore[arg-type]
            f"{r.get('flagged', '-')}",
        )
    console.print(t)
    sec = {k: float(v["seconds"]) for k, v in results.items()}  # type: ignore[arg-type]
    if "pandas" in sec and "engine" in sec:
        console.print(f"engine is {sec['pandas'] / sec['engine']:.1f}× faster than pandas (target ≥ 20×)")
        same = results["engine"]["digest"] == results["pandas"]["digest"]
        console.print(f"engine and pandas flag the same households with the same rules (sampled): {same}")
    if "floor" in sec:
        for k in ("engine", "e2e"):
            if k in sec:
                console.print(f"{k} takes {sec[k] / sec['floor']:.1f}× the floor query (target ≤ 3× for the engine)")


if __name__ == "__main__":
    main()
