"""Benchmark of the elimination criteria over a county, with the pure-Python domain as the baseline in the same run.

On one synthetic county put through the importer's validation, a third of its households
monitored with case facts drawn at random and extra income windows planted
(``tests/property/test_elimination_parity.monitored_county``, as the parity tests build it):

* **engine** — ``adapters.engine.elimination_duckdb.assess``: the features, the identification
  rules still firing, the stable-income runs and every criterion with its reason and evidence,
  in DuckDB;
* **pure** — the baseline: the same tables made into domain households (timed apart), then
  ``domain.elimination.assess_household`` household by household.

Both must give the same verdict, reasons and evidence for every monitored household, so the two
do the same work; then households/s and the ratio pure/engine are printed.

Usage: ``python bench/bench_elimination.py [--households 20000] [--seed 11]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' support modules

from tests.property.screening_support import households_from_frames
from tests.property.test_elimination_parity import engine_rows, monitored_county
from tests.property.test_screening_parity import AS_OF

from jingzhun import bootstrap
from jingzhun.adapters.engine.elimination_duckdb import assess
from jingzhun.domain.elimination import CaseFacts, assess_household

console = Console()
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    resolve = bootstrap.policy_resolver()

    steps = ["generate + validate county", "engine: assess", "pure: domain objects", "pure: assess"]
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=len(steps))

        def step(k: int) -> None:
            progress.update(task, completed=k, description=steps[k])

        step(0)
        tables, t_gen = timed(lambda: monitored_county(args.seed, "alleviated", args.households))
        step(1)
        (found, unresolved), t_engine = timed(lambda: assess(tables, AS_OF, resolve))
        assert not unresolved
        step(2)
        facts = {r["household_id"]: r for r in tables["monitored"].iter_rows(named=True)}
        homes, t_objects = timed(
            lambda: [(hh, ev) for hh, ev in households_from_frames(tables) if hh.household_id in facts]
        )
        step(3)

        def pure():  # type: ignore[no-untyped-def]
            out = {}
            for hh, events in homes:
                f = facts[hh.household_id]
                case = CaseFacts(f["risks_without_measure"], f["measures_in_effect"], f["months_since_identification"])
                policy = resolve(hh.division_code.value[:6].ljust(12, "0"), AS_OF)
                a = assess_household(hh, events, AS_OF, policy, case)
                out[hh.household_id] = {
                    "eligible": a.eligible, "method": a.method.value, "blocked": [r.criterion_id for r in a.blocked],
                    "flagged": [r.criterion_id for r in a.flagged],
                    "reasons": [r.reason for r in a.results if not r.met], "open_rules": list(a.open_rules),
                    "evidence": json.loads(json.dumps(a.evidence)),
                }  # fmt: skip
            return out

        expected, t_pure = timed(pure)
        progress.update(task, completed=len(steps))

    got = engine_rows(found)
    assert got.keys() == expected.keys() and got == expected, "engine and domain disagree"
    n = len(expected)
    eligible = sum(1 for v in expected.values() if v["eligible"])
    console.print(
        f"[bold]{args.households:,} households[/] (seed {args.seed}, as of {AS_OF}): {n:,} monitored, "
        f"{eligible:,} candidates; generated and validated in {t_gen:.2f} s"
    )
    table = Table(title="风险消除条件：引擎与纯 Python 基线（同一次运行、同一数据）")
    for col in ("path", "seconds", "monitored households/s", "ratio (pure / engine)"):
        table.add_column(col, justify="right")
    table.add_row("engine (DuckDB)", f"{t_engine:.3f}", f"{n / t_engine:,.0f}", "1.0×")
    table.add_row("pure: domain objects", f"{t_objects:.3f}", "", "")
    table.add_row("pure: assess", f"{t_pure:.3f}", f"{n / t_pure:,.0f}", f"{t_pure / t_engine:.1f}×")
    table.add_row(
        "pure: objects + assess", f"{t_objects + t_pure:.3f}", f"{n / (t_objects + t_pure):,.0f}",
        f"{(t_objects + t_pure) / t_engine:.1f}×",
    )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
