"""Benchmark of the assistance-chain checks, with the pure-Python domain as the baseline in the same run.

On one synthetic county completed into a chain (``synth.chain.base_chain`` then ``plant_chain``:
monitored households with their plan items, Yulu for every vocational student, plus the planted
duplicates and omissions) and put through the importer's validation, as the tests do
(``tests/property/chain_support.py``):

* **engine** — ``adapters.engine.chain_duckdb.check_chain`` on the tables (registry, feeds, plan
  ledger, monitored households, status per day): duplicates and both omission checks, set-based;
* **pure** — the baseline: the same tables made into domain objects (ledger entries, households,
  monitored households, statuses; timed apart) and ``domain.chain.find_duplicates`` plus
  ``domain.chain_omissions.find_omissions``, household by household.

Both must give the same findings (same count, same set, and equal in order) and the planted truth
must be among them, so the two do the same work; then rows/s (rows of the input tables) and the
ratio pure/engine are printed.

Usage: ``python bench/bench_chain.py [--households 20000] [--seed 11]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' support modules

from tests.property.chain_support import (
    chain_tables,
    engine_findings,
    ledger_of,
    monitored_households,
    statuses,
)
from tests.property.screening_support import households_from_frames

from jingzhun import bootstrap
from jingzhun.domain.categories import DEFAULT_RISK_TYPES
from jingzhun.domain.chain import Finding, find_duplicates, sort_findings
from jingzhun.domain.chain_omissions import find_omissions
from jingzhun.synth import generate
from jingzhun.synth.chain import base_chain, plant_chain

CHECK = dt.date(2026, 11, 1)
COUNTY = "532328000000"
console = Console()
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def key(f: Finding) -> tuple[object, ...]:
    return (f.rule_id, f.household_id, f.person_id, f.measure_id, f.risk_code, frozenset(f.record_ids))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    policy = bootstrap.policy_resolver()(COUNTY, CHECK)
    catalogue, params = policy.measures, policy.params
    deadline = params["measure_deadline_days"]
    labels = {t.code: t.label for t in DEFAULT_RISK_TYPES}

    steps = ["generate county", "base + planted chain", "validate (import)", "engine: check_chain"]
    steps += ["pure: domain objects", "pure: checks"]
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=len(steps))

        def step(k: int) -> None:
            progress.update(task, completed=k, description=steps[k])

        step(0)
        county, t_gen = timed(lambda: generate(args.households, args.seed, as_of=CHECK))
        step(1)
        base = base_chain(county, catalogue, deadline_days=deadline, seed=args.seed)
        chain = plant_chain(base, catalogue, deadline_days=deadline, seed=args.seed)
        step(2)
        tables, t_val = timed(lambda: chain_tables(chain))
        step(3)
        engine, t_engine = timed(
            lambda: engine_findings(tables, catalogue, params, check_day=CHECK, risk_labels=labels)
        )
        step(4)

        def objects():  # type: ignore[no-untyped-def]
            entries = ledger_of(tables, catalogue)
            homes = [hh for hh, _ in households_from_frames({**tables, "events": tables["events"].head(0)})]
            return entries, homes, monitored_households(tables["monitored"]), statuses(tables["status"])

        (entries, homes, monitored, status), t_objects = timed(objects)
        step(5)

        def pure_checks():  # type: ignore[no-untyped-def]
            dup = find_duplicates(entries, catalogue)
            omitted = find_omissions(
                entries, catalogue, monitored, homes, status, params, check_day=CHECK, risk_labels=labels
            )
            return sort_findings([*dup, *omitted])

        pure, t_pure = timed(pure_checks)
        progress.update(task, completed=len(steps))

    # the same work: equal findings, and the planted truth found by both
    assert len(engine) == len(pure), (len(engine), len(pure))
    assert {key(f) for f in engine} == {key(f) for f in pure}
    assert engine == pure, "same findings, but not equal in messages, offices or order"
    truth = {(t.rule_id, t.household_id, t.person_id, t.measure_id, t.risk_code, t.record_ids) for t in chain.truth}
    assert truth <= {key(f) for f in engine}, truth - {key(f) for f in engine}

    names = ("households", "members", "income", "conditions", "events", "ledger", "monitored", "status")
    rows = sum(tables[n].height for n in names)
    by_rule: dict[str, int] = {}
    for f in engine:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    console.print(
        f"[bold]{args.households:,} households[/] (seed {args.seed}, check day {CHECK}): "
        + ", ".join(f"{n} {tables[n].height:,}" for n in names)
        + f" → {rows:,} input rows; {len(entries):,} ledger entries; generated in {t_gen:.2f} s, "
        f"validated in {t_val:.2f} s"
    )
    console.print(
        f"findings: {len(engine):,} in both engines, equal ("
        + ", ".join(f"{r} {n:,}" for r, n in sorted(by_rule.items()))
        + f"); all {len(truth)} planted found"
    )
    t = Table(title="Assistance chain check")
    for col in ("stage", "seconds", "rows/s", "households/s"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    t_full = t_objects + t_pure
    for label, secs in (
        ("engine: check_chain (DuckDB)", t_engine),
        ("pure: domain checks only", t_pure),
        ("pure: domain objects from the tables", t_objects),
        ("pure: objects + checks", t_full),
    ):
        t.add_row(label, f"{secs:.2f}", f"{rows / secs:,.0f}", f"{args.households / secs:,.0f}")
    console.print(t)
    console.print(
        f"[bold]pure ÷ engine: {t_pure / t_engine:.1f}×[/] on the checks alone, "
        f"{t_full / t_engine:.1f}× counting the building of domain objects (same data, same run)"
    )


if __name__ == "__main__":
    main()
