"""Crash safety of an approval (security goal 7): kill -9 at random points of a case's procedure.

A child process takes one household's case from its first lead to monitoring — ``receive_lead``
and then the eight ``act_on_case`` steps, each with its documents, through the 5-day notice —
and is killed with SIGKILL on the way, on SQLite and on the running PostgreSQL. Most kills land
on a randomly chosen database round trip (just before statement N of the run, or just before
a commit: the child kills itself there, so every point of every transaction can be hit,
stratified over the whole run); the rest come from outside after a random delay, so they can
land anywhere, inside the driver or a commit too. After each kill:

* the stored case is at a state the procedure reaches, never half-applied — no case at all, or
  one whose document agrees with its columns, whose history is a prefix of the procedure, with
  ``version == len(history) + 1`` and its one lead indexed;
* the audit chain verifies and holds exactly one ``ok`` event for the opening and one per
  recorded transition, in order, and nothing else from the killed run;
* resuming the remaining steps from the stored state completes the procedure.

The security document asks for 50 kills: this runs ``KILLS`` = 25 per backend, 50 in all (18 at
a database round trip, 7 on a timer), about 15 s per backend on a 2-core machine. Each run draws
new points; set JINGZHUN_CRASH_SEED to replay one (the seed is in every failure message), or
raise ``KILLS`` to soak longer. The child imports this module, so its top-level imports stay
light (services only; the registry generator is imported inside the test).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select, text

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar
from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store, case_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.engine import make_engine
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.workflow import Role
from jingzhun.services.auditing import mask_ref
from jingzhun.services.cases import act_on_case, receive_lead

KILLS = 25
AT_A_ROUND_TRIP = 18  # the other KILLS - AT_A_ROUND_TRIP come on a timer
REPO = Path(__file__).resolve().parents[3]
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # Monday 2 November 2026, 09:00 in Beijing
DAY = dt.timedelta(days=1)
CALENDAR = ChineseWorkingCalendar()
CODES = {"category": MonitoringCategory.SUDDEN_HARDSHIP, "risk_codes": ["01"]}


@dataclass(frozen=True)
class Step:
    action: str
    who: str  # cadre | officer | reviewer | approver
    at: dt.datetime
    target: str
    evidence: tuple[str, ...] = ()
    codes: bool = False


# The procedure from lead to monitoring (as in test_cases_store.py), the notice running 5 days.
PROCEDURE = (
    Step("accept", "cadre", T0, "verifying"),
    Step("submit_verification", "cadre", T0 + DAY, "comparing", ("verification_form", "signed_consent"), codes=True),
    Step("complete_comparison", "officer", T0 + 2 * DAY, "village_review", ("asset_comparison",)),
    Step("pass_village_review", "cadre", T0 + 3 * DAY, "publicizing", ("village_review_minutes",)),
    Step("close_publicity", "cadre", T0 + 9 * DAY, "township_review", ("publicity_record",)),
    Step("approve", "reviewer", T0 + 10 * DAY, "county_approval", ("township_review_opinion",)),
    Step("approve", "approver", T0 + 11 * DAY, "announced", ("county_approval_document",)),
    Step("register", "reviewer", T0 + 12 * DAY, "monitoring", ("announcement_record",)),
)


def actors(village: str) -> dict[str, Actor]:
    county = village[:6] + "000000"
    return {
        "cadre": Actor("cadre", Role.VILLAGE_CADRE, village),
        "officer": Actor("data", Role.DEPARTMENT_DATA_OFFICER, county),
        "reviewer": Actor("town", Role.TOWNSHIP_REVIEWER, village[:9] + "000"),
        "approver": Actor("county", Role.COUNTY_APPROVER, county),
    }


def lead_of(household: str) -> Lead:
    return Lead(f"L-{household}", household, Channel.SELF_DECLARATION, T0, source="12317 热线")


def stored_case(engine: Engine, household: str) -> case_store.Stored | None:
    """The household's case as stored (at most one: each run uses its own household)."""
    c = t.cases.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.document, c.version, c.workflow_id, c.division_code).where(c.household_id == household)
        ).all()
    assert len(rows) <= 1
    return case_store.Stored(case_store.from_document(rows[0][0]), *rows[0][1:]) if rows else None


def run_remaining(engine: Engine, household: str, village: str) -> None:
    """Take the household's case from wherever the store has it to monitoring."""
    people = actors(village)
    stored = stored_case(engine, household)
    if stored is None:
        receive_lead(engine, lead_of(household), people["cadre"], calendar=CALENDAR)
        stored = stored_case(engine, household)
        assert stored is not None
    for step in PROCEDURE[len(stored.case.history) :]:
        act_on_case(
            engine, stored.case.case_id, step.action, people[step.who], at=step.at, evidence=step.evidence,
            calendar=CALENDAR, **(CODES if step.codes else {}),
        )  # fmt: skip


def child(argv: list[str]) -> None:
    """The process that gets killed: ``url household village kill_at`` (kill_at 0: run to the end).

    Round trips are counted on the engine — before each statement, before each commit — and at
    number ``kill_at`` the process sends itself SIGKILL. It prints ``ready`` once it is set up,
    and at the end how many round trips and seconds the procedure took.
    """
    url, household, village, kill_at = argv[0], argv[1], argv[2], int(argv[3])
    engine = make_engine(url)
    with engine.connect() as conn:  # connect (and initialise the dialect) before counting starts
        conn.execute(select(1))
    points = itertools.count(1)

    def point(*_: Any) -> None:
        if next(points) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(engine, "before_cursor_execute", point)
    event.listen(engine, "commit", point)
    print("ready", flush=True)
    started = time.perf_counter()
    run_remaining(engine, household, village)
    seconds = time.perf_counter() - started
    print(json.dumps({"points": next(points) - 1, "seconds": seconds}), flush=True)


def start_child(url: str, household: str, village: str, kill_at: int) -> subprocess.Popen[str]:
    code = "import sys; from tests.integration.services.test_case_crash import child; child(sys.argv[1:])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url, household, village, str(kill_at)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"the child did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
    return proc


def wait_for_its_session_to_end(engine: Engine) -> None:
    """On PostgreSQL, wait until the killed child's backend has finished what it had received.

    A child killed just after sending COMMIT leaves the server to commit it a moment later; a
    check made before that reads the state before the commit, and the resumed run then conflicts
    with it (CASE_CONFLICT: seen once, in a full run of the suite). A real client that crashes is in
    the same position: what it sent is the server's to decide, and only then anyone's to read.
    """
    if engine.dialect.name != "postgresql":
        return
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'"
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(busy).scalar_one() == 0:
                return
        time.sleep(0.02)
    raise AssertionError("the killed child's database session did not end")


def audit_seq(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(t.audit_events.c.seq), 0))).scalar_one())


def events_after(engine: Engine, seq: int) -> list[Any]:
    e = t.audit_events.c
    with engine.connect() as conn:
        return conn.execute(select(e.action, e.record, e.result, e.detail).where(e.seq > seq).order_by(e.seq)).all()


def check_consistent(engine: Engine, household: str, since: int, why: str) -> int:
    """Assert the store holds a whole prefix of the procedure for ``household``; return its length."""
    count, problems = audit_store.verify(engine, sm3)
    assert problems == [] and count == audit_seq(engine), f"{why}: the audit chain does not verify: {problems}"
    events = [(e.action, e.record, e.result, json.loads(e.detail)) for e in events_after(engine, since)]
    k = t.case_leads.c
    with engine.connect() as conn:
        leads = conn.execute(select(k.lead_id, k.case_id).where(k.household_id == household)).all()
    stored = stored_case(engine, household)
    if stored is None:
        assert leads == [] and events == [], f"{why}: no case, yet leads {leads} or events {events}"
        return -1
    case = stored.case
    c = t.cases.c
    with engine.connect() as conn:
        state, closed = conn.execute(select(c.state, c.closed).where(c.case_id == case.case_id)).one()
    done = len(case.history)
    assert (state, closed) == (case.state, case.closed), f"{why}: columns {state} disagree with document {case.state}"
    assert stored.version == done + 1, f"{why}: version {stored.version} after {done} steps"
    assert [(x.action, x.target) for x in case.history] == [(s.action, s.target) for s in PROCEDURE[:done]], why
    assert case.state == ([s.target for s in PROCEDURE[:done]] or ["lead"])[-1] and not case.closed, why
    assert [x.lead_id for x in case.leads] == [lead_of(household).lead_id], why
    assert [(lead, k) for lead, k in leads] == [(lead_of(household).lead_id, case.case_id)], why
    ref = mask_ref(f"case:{case.case_id}")  # how the services write a case's record (never masked)
    expected = [("case.open", ref, "ok")] + [(f"case.{s.action}", ref, "ok") for s in PROCEDURE[:done]]
    assert [e[:3] for e in events] == expected, f"{why}: audit events {events}"
    moves = [(e[3]["from"], e[3]["to"]) for e in events[1:]]
    assert moves == [(x.source, x.target) for x in case.history], f"{why}: audit details {moves}"
    return done


def test_kill_9_at_random_points_of_an_approval_never_half_applies_it(store_url: str, tmp_path: Path) -> None:
    from jingzhun.adapters.db.migrate import upgrade
    from jingzhun.services.importer import run_import

    from .helpers import read_csv, synthetic_registry  # here, not at the top: the child imports this module

    engine = make_engine(store_url)
    upgrade(engine)
    src = synthetic_registry(tmp_path / "reg", households=40)
    run_import(src, engine)
    households = sorted(read_csv(src / "registry" / "households.csv").select("household_id", "division_code").rows())
    seed = int(os.environ.get("JINGZHUN_CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)

    # One run to the end: how many round trips and how long the whole procedure takes.
    (household, village), *others = households[: KILLS + 1]
    since = audit_seq(engine)
    proc = start_child(store_url, household, village, 0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    measured = json.loads(out)
    assert check_consistent(engine, household, since, "uninterrupted run") == len(PROCEDURE)

    # Round-trip kills stratified over the whole run, then kills on a timer.
    total = measured["points"]
    width = total / AT_A_ROUND_TRIP
    plan = [("point", 1 + int(i * width + rng.random() * width)) for i in range(AT_A_ROUND_TRIP)]
    plan += [("timer", rng.uniform(0.0, 1.0) * measured["seconds"]) for _ in range(KILLS - AT_A_ROUND_TRIP)]
    midway = []
    for (household, village), (how, where) in zip(others, plan, strict=True):
        why = f"seed {seed}, kill {how} {where}"
        since = audit_seq(engine)
        proc = start_child(store_url, household, village, int(where) if how == "point" else 0)
        if how == "timer":
            time.sleep(where)
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        wait_for_its_session_to_end(engine)
        killed = proc.returncode == -signal.SIGKILL
        assert killed or (how == "timer" and proc.returncode == 0), f"{why}: the child failed ({proc.returncode})"
        done = check_consistent(engine, household, since, why)
        if killed and done < len(PROCEDURE):
            midway.append(done)
        run_remaining(engine, household, village)  # resume from the stored state …
        assert check_consistent(engine, household, since, f"{why}, resumed") == len(PROCEDURE)  # … to the end
    assert len(midway) >= AT_A_ROUND_TRIP, f"seed {seed}: only {midway} kills landed before the end"
    assert len(set(midway)) >= 3, f"seed {seed}: the kills all left the case at the same step {midway}"
    engine.dispose()
