"""Web latency at county-to-province scale: household page and work-queue API under 50 concurrent users.

Issue 5 asks: with 1,000,000 households in PostgreSQL, household page and work-queue API p95
below 100 ms at 50 concurrent users on this 2-core machine, measured with a load tool against
loopback. This script builds that store (synthetic households imported through the importer,
accounts, and cases opened from leads for a sample of households), starts ``jingzhun serve``'s
app under uvicorn in its own process, and drives it with ``wrk`` (C, so the load generator
takes little of the two cores), printing p50/p95/p99 and requests/s for:

* the floor — ``GET /login``, a page with no query (what the stack itself costs);
* ``GET /households/{id}`` for random households of the county, each request with one of 50
  sessions of the county approver (a masked, audited person read, with its live assessment:
  one audit event per request);
* ``GET /api/v1/cases?page_size=50`` with the approver's bearer token (the work queue).

After a 10-second warm-up (the sampled households' pages read into the caches), each is run
once per ``--think-ms`` value: 1000 is 50 users who each pause a random 0–2 s between
requests; 0 is 50 connections firing back to back (a saturation test: latency is then 50 ÷
throughput, so it measures capacity). Besides latency it prints the CPU milliseconds per request of the
server's processes and the store's PostgreSQL backends together — the figure that says what a
request costs, whatever the load model.

Usage: ``python bench/bench_web.py [--households 1000000] [--cases 20000] [--seconds 20]
[--think-ms 1000 0] [--keep NAME | --reuse NAME]`` (needs PostgreSQL at 127.0.0.1 and Debian's
``wrk``; ``--keep`` leaves the built store for later ``--reuse`` runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade
from jingzhun.domain.workflow import Role
from jingzhun.services.auth import create_api_token, set_password
from jingzhun.services.importer import run_import
from jingzhun.services.leads import leads_from_warnings
from jingzhun.services.users import User, actor_of, add_user
from jingzhun.synth import generate, write

console = Console(width=150)  # the table is wide; a pipe would get 80 columns
PASSWORD = "bench-password-2026"
USERS = 50  # the "50 concurrent users": 50 wrk connections, each request with one of 50 sessions
LUA = """
local paths, cookies = {}, {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
for line in io.lines("%(cookies)s") do cookies[#cookies + 1] = line end
local headers = %(headers)s
request = function()
  if #cookies > 0 then headers["Cookie"] = cookies[math.random(#cookies)] end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
%(delay)s
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50=%%.2f p95=%%.2f p99=%%.2f rps=%%.1f errors=%%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def build_store(url: str, households: int, cases: int, tmp: Path) -> tuple[list[str], str]:
    """Import the county, create the approver and open ``cases`` cases; return household ids and a token."""
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    write(generate(households=households, seed=11), tmp / "reg", "parquet")
    report = run_import(tmp / "reg", engine, actor="bench")
    console.print(f"imported {report.rows_accepted:,} rows in {time.perf_counter() - started:.0f} s")
    hh = pl.read_parquet(tmp / "reg" / "registry" / "households.parquet").select("household_id", "division_code")
    county = hh["division_code"][0][:6] + "000000"
    admin = add_user(engine, User("admin", "管理员", Role.ADMINISTRATOR, county), by=None).actor
    add_user(engine, User("approver", "县审批", Role.COUNTY_APPROVER, county), by=admin)
    add_user(engine, User("data", "数据", Role.DEPARTMENT_DATA_OFFICER, county), by=admin)
    set_password(engine, "approver", PASSWORD, by=admin)
    token = create_api_token(engine, "approver", "bench", by=admin)
    in_county = hh.filter(pl.col("division_code").str.starts_with(county[:6]))
    sample = in_county.sample(n=min(cases, in_county.height), seed=5)
    warnings = sample.with_columns(  # leads in the screening output's shape, for the work queue
        pl.lit("marginal_at_risk").alias("category"), pl.lit(["99"]).alias("risk_codes"),
        pl.lit(["BENCH"]).alias("rule_ids"), pl.lit("bench").alias("policy_id"), pl.lit("1").alias("policy_version"),
        pl.lit("0" * 64).alias("policy_hash"), pl.lit(dt.date(2026, 11, 1)).alias("as_of"),
    )  # fmt: skip
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    intake = leads_from_warnings(engine, actor_of(engine, "data"), warnings, received_at=received)
    console.print(f"opened {intake.opened:,} cases")
    engine.dispose()
    return in_county["household_id"].to_list(), token


def reuse_store(url: str) -> tuple[list[str], str]:
    """The household ids of the approver's county in a kept store, and a fresh token for the approver."""
    engine = make_engine(url)
    upgrade(engine)  # a store kept before a new migration
    with engine.connect() as c:
        county = c.execute(text("SELECT jurisdiction FROM users WHERE user_id = 'approver'")).scalar_one()
        ids = c.execute(
            text("SELECT household_id FROM households WHERE division_code LIKE :p"), {"p": county[:6] + "%"}
        ).scalars().all()
    token = create_api_token(engine, "approver", "bench", by=actor_of(engine, "admin"))
    engine.dispose()
    return list(ids), token


def session_cookie(base: str) -> str:
    data = f"user_id=approver&password={PASSWORD}".encode()
    request = urllib.request.Request(f"{base}/login", data=data, method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request)
    except urllib.error.HTTPError as e:
        cookie = e.headers.get("set-cookie", "")
        return cookie.split(";")[0]
    raise RuntimeError("login did not answer with a redirect")


def cpu_ticks(server_pid: int, url: str) -> dict[int, int]:
    """CPU clock ticks (user + system) so far of the server's processes and the store's backends, by pid."""
    pids = {server_pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server_pid:  # uvicorn's workers are its children
            pids.add(int(stat.parent.name))
    engine = create_engine(url)
    with engine.connect() as c:
        pids |= set(c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars())
    engine.dispose()
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def run_wrk(
    base: str, paths: list[str], headers: dict[str, str], seconds: int, tmp: Path, name: str, think_ms: int = 0,
    cookies: list[str] = (), cpu: tuple[int, str] | None = None,
) -> dict[str, float]:  # fmt: skip
    """One wrk run: latency percentiles, requests/s, errors — and CPU ms per request of server and database."""
    paths_file, cookies_file = tmp / f"{name}.paths", tmp / f"{name}.cookies"
    paths_file.write_text("\n".join(paths))
    cookies_file.write_text("\n".join(cookies))
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()) + "}"
    script = tmp / f"{name}.lua"
    delay = f"delay = function() return math.random(0, {2 * think_ms}) end" if think_ms else ""  # mean think_ms
    script.write_text(LUA % {"paths": paths_file, "cookies": cookies_file, "headers": lua_headers, "delay": delay})
    before = cpu_ticks(*cpu) if cpu else {}
    out = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "-s", str(script), base], capture_output=True, text=True, check=True
    ).stdout
    after = cpu_ticks(*cpu) if cpu else {}
    found = re.search(r"RESULT p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) rps=([\d.]+) errors=(\d+)", out)
    assert found, out
    result = dict(zip(("p50", "p95", "p99", "rps", "errors"), map(float, found.groups()), strict=True))
    used = sum(t - before.get(pid, 0) for pid, t in after.items()) / os.sysconf("SC_CLK_TCK")
    result["cpu_ms"] = 1000 * used / (result["rps"] * seconds) if cpu and result["rps"] else float("nan")
    return result


def measure(
    url: str, households: list[str], token: str, args: argparse.Namespace, tmp: Path, *, durable: bool
) -> dict[tuple[str, str, int], dict[str, float]]:
    """Serve the store (read audit events durable or not) and run every endpoint at every think time."""
    env = {**os.environ, "JINGZHUN_DATABASE_URL": url, "JINGZHUN_COOKIE_SECURE": "false",
           "JINGZHUN_AUDIT_READS_DURABLE": str(durable).lower()}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "jingzhun.bootstrap:web_app", "--port", "8799",
         "--workers", str(args.workers), "--log-level", "warning"], env=env,
    )  # fmt: skip
    try:
        base = "http://127.0.0.1:8799"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        cookies = [session_cookie(base) for _ in range(USERS)]  # one session per simulated user
        pages = [f"/households/{h}" for h in random.Random(3).sample(households, 2000)]
        queue, bearer = ["/api/v1/cases?page_size=50"], {"Authorization": f"Bearer {token}"}
        cpu, reads = (server.pid, url), "durable" if durable else "fast"
        run_wrk(base, pages, {}, 10, tmp, "warm", 200, cookies=cookies)  # the sampled pages into the caches
        runs = {}
        for think in args.think_ms:
            runs[("floor: GET /login", reads, think)] = run_wrk(base, ["/login"], {}, args.seconds, tmp, "floor", think)
            runs[("household page", reads, think)] = run_wrk(
                base, pages, {}, args.seconds, tmp, "household", think, cookies=cookies, cpu=cpu
            )
            runs[("work-queue API (50)", reads, think)] = run_wrk(
                base, queue, bearer, args.seconds, tmp, "queue", think, cpu=cpu
            )
        return runs
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--think-ms", type=int, nargs="+", default=[1000, 0],
        help="mean pause of each user between requests (uniform 0–2×); one set of runs per value",
    )  # fmt: skip
    parser.add_argument(
        "--read-audit", choices=("durable", "fast", "both"), default="both",
        help="reads' audit events waiting for the disk (the default setting), not (audit_reads_durable=false), or both",
    )  # fmt: skip
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1/test")
    parser.add_argument("--keep", metavar="NAME", help="build the store in database NAME and keep it for --reuse")
    parser.add_argument("--reuse", metavar="NAME", help="measure a store kept by an earlier --keep run")
    args = parser.parse_args()
    name = args.reuse or args.keep or f"jz_bench_web_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            households, token = reuse_store(url) if args.reuse else build_store(url, args.households, args.cases, tmp)
            runs = {}
            for durable in {"durable": [True], "fast": [False], "both": [True, False]}[args.read_audit]:
                runs.update(measure(url, households, token, args, tmp, durable=durable))
        table = Table(title=f"web: {args.households:,} households, {args.cases:,} cases, {USERS} users "
                            f"(wrk connections), {args.workers} workers, PostgreSQL")  # fmt: skip
        for col in ("endpoint", "read audit", "think ms", "p50 ms", "p95 ms", "p99 ms", "req/s", "errors",
                    "CPU ms/req", "p95 / floor p95"):  # fmt: skip
            table.add_column(col)
        for (label, reads, think), r in runs.items():
            floor = runs[("floor: GET /login", reads, think)]["p95"]
            cells = [f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}", f"{r['rps']:.0f}", f"{r['errors']:.0f}"]
            table.add_row(label, reads, str(think), *cells, f"{r['cpu_ms']:.2f}", f"{r['p95'] / floor:.1f}×")
        console.print(table)
    finally:
        if not (args.keep or args.reuse):
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
