"""The county batch of risk-elimination candidates (风险消除候选): which monitored households may be proposed.

One run takes, in the actor's jurisdiction, every open case whose current state allows
提出风险消除 (``propose_elimination`` — a case in monitoring, identified or rolled back), the facts
only the case and its plan know (``domain.elimination.CaseFacts``), and the registry and feed
rows of its household, and hands them to the columnar criteria (``adapters.engine.
elimination_duckdb``, held to ``domain.elimination`` by the parity tests) under the criteria in
force for each county on the day. Each household is assessed as the case page assesses it
(``services.elimination.assess_case``): on the day after its newest income window when the
window the day needs is not imported yet (``services.assessment.assessment_day``), against the
policy in force on the day asked. A candidate meets every ``block`` criterion; an unmet ``flag``
one (e.g. within two months of identification) must be answered with a reason when proposed.

The run is read-only and audited as one event (``elimination.candidates``) with its counts.
The rows carry no ID numbers; reasons are masked anyway (``domain.ids.mask_identifiers``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from jingzhun.adapters.db import case_store, plan_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.engine import elimination_duckdb as engine_elimination
from jingzhun.adapters.engine.screen_duckdb import PolicyUnavailable
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.day_range import ELIMINATION_DAYS
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.elimination import CaseFacts, EliminationMethod
from jingzhun.domain.features import Value
from jingzhun.domain.household import YearMonth, income_window_end
from jingzhun.domain.ids import mask_identifiers
from jingzhun.domain.plans import AssistancePlan
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.policy import PolicyError, load_packs
from jingzhun.policy.workflow_registry import identified_under, workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.assessment import assessment_day_of
from jingzhun.services.cases import next_phase
from jingzhun.services.screening import frames_of_households, load_store_tables

ACTION = "propose_elimination"
AUDIT = "elimination.candidates"
CHUNK = 500  # ids per IN (…): well inside every database's limit on bound parameters


@dataclass(frozen=True, slots=True)
class Unmet:
    """One criterion a household does not meet, and why (masked)."""

    criterion_id: str
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A monitored household against the elimination criteria: a candidate (``eligible``) or not, and why."""

    household_id: str
    case_id: str
    division_code: str
    eligible: bool  # every ``block`` criterion met: the village may propose elimination
    method: EliminationMethod  # 帮扶消除 when a plan measure was started, else 自然消除
    blocked: tuple[Unmet, ...]  # unmet ``block`` criteria, in policy order
    flagged: tuple[Unmet, ...]  # unmet ``flag`` criteria: a proposal must give a reason
    open_rules: tuple[str, ...]  # identification rules that still fire
    evidence: Mapping[str, Value]  # every name the criteria read or show
    policy: str  # id@version#hash
    as_of: dt.date  # the day assessed
    window: str  # the income window read, e.g. "2026-10"

    @property
    def township_code(self) -> str:
        return self.division_code[:9]


@dataclass(frozen=True, slots=True)
class CountyRun:
    county: str  # six digits
    policy: str  # id@version#hash, or -#CODE when no criteria are in force there
    monitored: int  # cases that may be proposed
    candidates: int
    problem: str = ""  # why there is no policy (its households are not assessed)


@dataclass(frozen=True, slots=True)
class CandidateReport:
    on: dt.date
    scope: str
    counties: tuple[CountyRun, ...]
    rows: tuple[Candidate, ...]  # candidates first, then the others; each by village and household
    criteria: Mapping[str, str]  # criterion id → label, of the policies in force

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return tuple(r for r in self.rows if r.eligible)

    @property
    def others(self) -> tuple[Candidate, ...]:
        return tuple(r for r in self.rows if not r.eligible)

    def by_method(self) -> dict[EliminationMethod, int]:
        """Candidates by the method the county would approve them by."""
        found = Counter(r.method for r in self.candidates)
        return {m: found[m] for m in EliminationMethod}

    def refusals(self) -> list[tuple[str, int]]:
        """(criterion id, households it keeps from being candidates), most first."""
        found = Counter(u.criterion_id for r in self.rows for u in r.blocked)
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))

    def label(self, criterion_id: str) -> str:
        return self.criteria.get(criterion_id) or criterion_id

    @property
    def flagged(self) -> int:
        """Candidates whose proposal needs a reason."""
        return sum(1 for r in self.candidates if r.flagged)


def find_candidates(
    engine: Engine, actor: Actor, *, as_of: dt.date | None = None, request_id: str = ""
) -> CandidateReport:
    """Every case of the actor's jurisdiction that may be proposed for elimination, assessed on ``as_of`` (today)."""
    on = as_of or local_date(dt.datetime.now(dt.UTC))
    scope = scope_prefix(actor.jurisdiction)
    ref = f"division:{actor.jurisdiction}"
    with auditing.refusals_audited(engine, actor, AUDIT, ref, request_id):
        require(actor.role, Permission.CASE_READ)
        ELIMINATION_DAYS.check(on, "as_of")
        cases, plans = _proposable(engine, scope, on)
        report = _assess(engine, scope, on, cases, plans)
        methods = report.by_method()
        detail = {
            "on": on.isoformat(),
            "monitored": len(report.rows),
            "candidates": len(report.candidates),
            "assistance": methods[EliminationMethod.ASSISTANCE],
            "natural": methods[EliminationMethod.NATURAL],
            "unresolved": [c.county for c in report.counties if c.problem],
        }
        with engine.begin() as conn:
            auditing.record_read(conn, actor, AUDIT, ref, detail, request_id=request_id)
    return report


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    return (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK))


def _proposable(engine: Engine, scope: str, on: dt.date) -> tuple[list[case_store.Stored], dict[str, AssistancePlan]]:
    """The open cases in scope whose state allows the proposal on ``on``, and their plans (by case id)."""
    c, p = t.cases.c, t.plans.c
    allowed: dict[tuple[str, str, str], bool] = {}

    def may_propose(key: str, division: str, state: str) -> bool:
        if (key, division, state) not in allowed:
            wf = workflow_by_key(key)
            found = wf.rule(ACTION, state) is not None or next_phase(wf, division, on, ACTION, state) is not None
            allowed[(key, division, state)] = found
        return allowed[(key, division, state)]

    with engine.connect() as conn:
        heads = conn.execute(
            select(c.case_id, c.workflow_id, c.state, c.division_code).where(
                c.division_code.startswith(scope), ~c.closed
            )
        ).all()
        chosen = sorted(r.case_id for r in heads if may_propose(str(r.workflow_id), str(r.division_code), str(r.state)))
        cases: list[case_store.Stored] = []
        plans: dict[str, AssistancePlan] = {}
        for part in _chunks(chosen):
            rows = conn.execute(
                select(c.document, c.version, c.workflow_id, c.division_code).where(c.case_id.in_(part))
            ).all()
            cases += [
                case_store.Stored(case_store.from_document(r.document), int(r.version), str(r.workflow_id),
                                  str(r.division_code))
                for r in rows
            ]  # fmt: skip
            docs = conn.execute(
                select(p.case_id, p.document).where(p.case_id.in_(part), p.division_code.startswith(scope))
            )
            plans |= {str(r.case_id): plan_store.from_document(r.document) for r in docs}
    return sorted(cases, key=lambda s: s.case.case_id), plans


def _assess(
    engine: Engine, scope: str, on: dt.date, cases: Sequence[case_store.Stored], plans: Mapping[str, AssistancePlan]
) -> CandidateReport:
    by_household = {s.case.household_id: s for s in cases}
    facts = [
        (hh, CaseFacts.of(s.case, identified_under(s.case.phases, s.workflow_key), plans.get(s.case.case_id), on))
        for hh, s in by_household.items()
    ]
    monitored = pl.DataFrame(
        [(hh, f.risks_without_measure, f.measures_in_effect, f.months_since_identification) for hh, f in facts],
        schema=engine_elimination.MONITORED_SCHEMA,
        orient="row",
    )
    tables = frames_of_households(load_store_tables(engine, scope=scope), set(by_household))
    resolved: dict[str, ResolvedPolicy] = {}
    packs = load_packs()

    def resolve(division_code: str, _: dt.date) -> ResolvedPolicy:
        # the policy in force on the day asked, as ``services.elimination`` resolves it (the
        # income may be read on an earlier day, when the day's window is not imported yet)
        try:
            policy = packs.resolve(division_code, on)
        except PolicyError as e:
            raise PolicyUnavailable(e.code, e.message) from None
        resolved[division_code[:6]] = policy
        return policy

    frames: list[pl.DataFrame] = []
    unresolved: dict[str, tuple[str, str]] = {}
    for day, households in _assessment_days(tables["income"], list(by_household), on).items():
        part = frames_of_households(tables, set(households))
        part["monitored"] = monitored.filter(pl.col("household_id").is_in(households))
        frame, missing = engine_elimination.assess(part, day, resolve)
        frames.append(frame)
        unresolved |= missing
    rows = [
        _candidate(r, by_household[r["household_id"]].case.case_id, resolved[r["division_code"][:6]])
        for frame in frames
        for r in frame.iter_rows(named=True)
    ]
    rows.sort(key=lambda r: (not r.eligible, r.division_code, r.household_id))
    criteria = {c.criterion_id: c.label for p in resolved.values() for c in p.elimination}
    return CandidateReport(on, scope, _counties(by_household, rows, resolved, unresolved), tuple(rows), criteria)


def _assessment_days(income: pl.DataFrame, households: Sequence[str], on: dt.date) -> dict[dt.date, list[str]]:
    """The households by the day each is assessed on (``assessment_day``: ``on``, or after its newest window)."""
    windows: dict[str, set[YearMonth]] = {hh: set() for hh in households}
    for hh, period in income.select("household_id", "period_end").iter_rows():
        windows[hh].add(YearMonth.parse(period))
    days: dict[dt.date, list[str]] = {}
    for hh in households:
        days.setdefault(assessment_day_of(windows[hh], on)[0], []).append(hh)
    return days


def _ref(policy: ResolvedPolicy) -> str:
    return f"{policy.policy_id}@{policy.version}#{policy.content_hash[:12]}"


def _candidate(row: Mapping[str, Any], case_id: str, policy: ResolvedPolicy) -> Candidate:
    blocked, flagged = set(row["blocked"] or ()), set(row["flagged"] or ())
    unmet = [c for c in policy.elimination if c.criterion_id in blocked | flagged]
    reasons = list(row["reasons"] or ())
    pairs = [Unmet(c.criterion_id, c.label or c.criterion_id, mask_identifiers(why))
             for c, why in zip(unmet, reasons, strict=True)]  # fmt: skip
    as_of: dt.date = row["as_of"]
    return Candidate(
        household_id=str(row["household_id"]),
        case_id=case_id,
        division_code=str(row["division_code"]),
        eligible=bool(row["eligible"]),
        method=EliminationMethod(str(row["method"])),
        blocked=tuple(u for u in pairs if u.criterion_id in blocked),
        flagged=tuple(u for u in pairs if u.criterion_id in flagged),
        open_rules=tuple(row["open_rules"] or ()),
        evidence=json.loads(str(row["evidence"])),
        policy=_ref(policy),
        as_of=as_of,
        window=str(income_window_end(as_of)),
    )


def _counties(
    cases: Mapping[str, case_store.Stored],
    rows: Sequence[Candidate],
    resolved: Mapping[str, ResolvedPolicy],
    unresolved: Mapping[str, tuple[str, str]],
) -> tuple[CountyRun, ...]:
    monitored = Counter(s.division_code[:6] for s in cases.values())
    candidates = Counter(r.division_code[:6] for r in rows if r.eligible)
    runs = []
    for county in sorted(monitored):
        if county in resolved:
            runs.append(CountyRun(county, _ref(resolved[county]), monitored[county], candidates[county]))
        else:
            code, message = unresolved.get(county, ("POLICY_NOT_FOUND", ""))
            runs.append(CountyRun(county, f"-#{code}", monitored[county], 0, message))
    return tuple(runs)


def export_frame(report: CandidateReport) -> pl.DataFrame:
    """Every row as a flat table for CSV or Parquet: lists joined with ``;`` (reasons with ``；``), evidence as JSON."""
    records = [
        {
            "household_id": r.household_id,
            "case_id": r.case_id,
            "division_code": r.division_code,
            "township_code": r.township_code,
            "eligible": r.eligible,
            "method": r.method.value,
            "method_label": r.method.label,
            "blocked": ";".join(u.criterion_id for u in r.blocked),
            "blocked_reasons": "；".join(u.reason for u in r.blocked),
            "flagged": ";".join(u.criterion_id for u in r.flagged),
            "flagged_reasons": "；".join(u.reason for u in r.flagged),
            "open_rules": ";".join(r.open_rules),
            "evidence": json.dumps(r.evidence, ensure_ascii=False, sort_keys=True),
            "policy": r.policy,
            "as_of": r.as_of,
            "window": r.window,
        }
        for r in report.rows
    ]
    return pl.DataFrame(records, schema=EXPORT_SCHEMA)


EXPORT_SCHEMA = pl.Schema(
    {
        "household_id": pl.Utf8(),
        "case_id": pl.Utf8(),
        "division_code": pl.Utf8(),
        "township_code": pl.Utf8(),
        "eligible": pl.Boolean(),
        "method": pl.Utf8(),
        "method_label": pl.Utf8(),
        "blocked": pl.Utf8(),
        "blocked_reasons": pl.Utf8(),
        "flagged": pl.Utf8(),
        "flagged_reasons": pl.Utf8(),
        "open_rules": pl.Utf8(),
        "evidence": pl.Utf8(),
        "policy": pl.Utf8(),
        "as_of": pl.Date(),
        "window": pl.Utf8(),
    }
)
