"""Benchmark of case intake and the daily deadline job, with a per-lead baseline in the same run.

What it measures, on one synthetic county imported into a fresh store:

* receiving a whole screening run as leads in **one batch** (``leads_from_warnings``: one
  transaction, open cases fetched in chunks, one audit event per lead) versus the baseline of
  calling ``receive_lead`` once per flagged household (one transaction each, as a page would);
  the same warnings, each into its own fresh store; the ratio is printed;
* the daily deadline job (``daily_overdue``) over all the open cases of the county;
* the work queue (``list_cases``, the first 50 by due date) of the county approver.

Usage: ``python bench/bench_cases.py [--households 20000] [--pg postgresql+psycopg://postgres@127.0.0.1/test]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from jingzhun import bootstrap
from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade
from jingzhun.domain.cases import Actor
from jingzhun.domain.workflow import Role
from jingzhun.services.cases import receive_lead
from jingzhun.services.deadlines import daily_overdue, list_cases
from jingzhun.services.importer import run_import
from jingzhun.services.leads import leads_from_warnings, screening_lead
from jingzhun.services.screening import screen_store
from jingzhun.synth import DEFAULT_AS_OF, generate, write

console = Console()
RECEIVED = dt.datetime.combine(DEFAULT_AS_OF + dt.timedelta(days=1), dt.time(1, 0), tzinfo=dt.UTC)
OFFICER = Actor("bench", Role.DEPARTMENT_DATA_OFFICER, "532328000000")


@contextmanager
def fresh_store(pg: str | None, tmp: Path) -> Iterator[Engine]:
    if pg is None:
        engine = make_engine(f"sqlite:///{tmp / f'{uuid.uuid4().hex}.sqlite'}")
        name = None
    else:
        name = f"jz_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(make_url(pg).set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if name is not None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(backend: str, pg: str | None, registry: Path, tmp: Path, table: Table) -> None:
    with fresh_store(pg, tmp) as batch_store, fresh_store(pg, tmp) as row_store:
        for engine in (batch_store, row_store):
            run_import(registry, engine, actor="bench")
        warnings = screen_store(batch_store, DEFAULT_AS_OF, bootstrap.policy_resolver()).warnings
        assert warnings is not None
        n = warnings.height
        batch = timed(lambda: leads_from_warnings(batch_store, OFFICER, warnings, received_at=RECEIVED))
        leads = [screening_lead(row, RECEIVED) for row in warnings.iter_rows(named=True)]
        per_lead = timed(lambda: [receive_lead(row_store, lead, OFFICER) for lead in leads])
        county = Actor("bench-county", Role.COUNTY_APPROVER, "532328000000")
        today = DEFAULT_AS_OF + dt.timedelta(days=5)
        job = timed(lambda: daily_overdue(batch_store, county, today=today))
        queue = timed(lambda: list_cases(batch_store, county, today=today, limit=50))
    table.add_row(backend, "leads: batch", f"{n:,}", f"{batch:.2f}", f"{n / batch:,.0f}/s", "")
    table.add_row(backend, "leads: one call per lead", f"{n:,}", f"{per_lead:.2f}", f"{n / per_lead:,.0f}/s",
                  f"batch {per_lead / batch:.1f}× faster")  # fmt: skip
    table.add_row(backend, "daily deadline job", f"{n:,} cases", f"{job:.2f}", f"{n / job:,.0f}/s", "")
    table.add_row(backend, "work queue, first 50", f"{n:,} cases", f"{queue * 1000:.0f} ms", "", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a server where databases may be created")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        write(generate(households=args.households, seed=3), tmp / "reg", "csv")
        table = Table(title=f"cases: {args.households:,} households")
        for col in ("store", "stage", "items", "seconds", "rate", "ratio"):
            table.add_column(col)
        run("sqlite", None, tmp / "reg", tmp, table)
        if args.pg:
            run("postgres", args.pg, tmp / "reg", tmp, table)
    console.print(table)


if __name__ == "__main__":
    main()
