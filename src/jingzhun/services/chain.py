"""The assistance chain of a jurisdiction (一户一条救助链): its ledger, and the duplicate and omission checks.

One run reads, for the actor's jurisdiction, the registry rows, the department records (feeds),
the plan items and the open monitoring cases, and hands them to the columnar checks
(``adapters.engine.chain_duckdb``, held to ``domain.chain`` by the parity tests) under the
catalogue in force for each county on the check day. What goes in:

* the ledger: plan items that were or are being delivered (in progress, delivered, ended — a
  planned item is not yet help, a cancelled one never was), and the feed records of catalogue
  measures (dibao and tekun enrolments, Yulu and education subsidies, medical assistance …);
* the monitoring objects: open cases that reached approval or the green channel, with the risks
  the visit confirmed and the day they were identified;
* the status of each household on each day an entitlement is judged (the first day of term),
  from the cases' own history (monitored, and whether its risk was marked eliminated that day),
  and whether the ledger has dibao or tekun for it that day.

The run is read-only and audited as one event (``chain.check``) with its counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.engine import chain_duckdb as engine_chain
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case
from jingzhun.domain.categories import risk_table
from jingzhun.domain.day_range import CHAIN_DAYS
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.ids import mask_identifiers
from jingzhun.domain.measures import Measure
from jingzhun.domain.plans import ItemStatus
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.policy import PolicyError, load_packs
from jingzhun.policy.workflow_registry import identified_under, workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.screening import frames_of_households, load_store_tables

DELIVERED = (ItemStatus.IN_PROGRESS.value, ItemStatus.DELIVERED.value, ItemStatus.ENDED.value)


@dataclass(frozen=True, slots=True)
class CountyRun:
    county: str  # six digits
    policy: str  # id@version#hash, or why there was none
    households: int
    ledger_entries: int
    findings: int


@dataclass(frozen=True, slots=True)
class ChainReport:
    check_day: dt.date
    scope: str
    counties: tuple[CountyRun, ...]
    findings: pl.DataFrame  # engine_chain.FINDING_SCHEMA plus ``county``

    def count(self, kind: str) -> int:
        return self.findings.filter(pl.col("kind") == kind).height if self.findings.height else 0


def check_chain(engine: Engine, actor: Actor, *, check_day: dt.date | None = None, request_id: str = "") -> ChainReport:
    """Run the duplicate and omission checks over the actor's jurisdiction on ``check_day`` (today)."""
    day = check_day or local_date(dt.datetime.now(dt.UTC))
    scope = scope_prefix(actor.jurisdiction)
    with auditing.refusals_audited(engine, actor, "chain.check", f"division:{actor.jurisdiction}", request_id):
        require(actor.role, Permission.CHAIN_REPORT)
        CHAIN_DAYS.check(day, "day")
        tables = load_store_tables(engine, scope=scope)
        items, cases = _plans_and_cases(engine, scope)
        runs: list[CountyRun] = []
        frames: list[pl.DataFrame] = []
        counties = sorted({code[:6] for code in tables["households"]["division_code"].to_list()})
        for county in counties:
            run, found = _county(county, tables, items, cases, day)
            runs.append(run)
            if found is not None and found.height:
                frames.append(found.with_columns(pl.lit(county).alias("county")))
        findings = pl.concat(frames) if frames else _empty()
        report = ChainReport(day, scope, tuple(runs), findings)
        with engine.begin() as conn:
            detail = {
                "day": day.isoformat(),
                "households": sum(r.households for r in runs),
                "duplicates": report.count("duplicate"),
                "omissions": report.count("omission"),
            }
            auditing.record_read(
                conn, actor, "chain.check", f"division:{actor.jurisdiction}", detail, request_id=request_id
            )
    return report


RULE_LABELS = {
    "CHAIN_DUPLICATE": "重复救助",
    "CHAIN_RISK_WITHOUT_MEASURE": "风险超期未落实措施",
    "CHAIN_ENTITLEMENT_MISSED": "符合条件未享受",
}


def masked_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """The findings as they may be shown or leave the system: person ids (also inside messages) masked,
    record ids joined with ``;``."""
    if not findings.height:
        return findings.with_columns(pl.col("record_ids").list.join(";"))
    return findings.with_columns(
        pl.col("person_id").map_elements(mask_identifiers, return_dtype=pl.Utf8),
        pl.col("message").map_elements(mask_identifiers, return_dtype=pl.Utf8),
        pl.col("record_ids").list.join(";"),
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={**engine_chain.FINDING_SCHEMA, "county": pl.Utf8})


def _plans_and_cases(engine: Engine, scope: str) -> tuple[pl.DataFrame, list[tuple[Case, str, str]]]:
    """Delivered plan items as ledger rows, and the open cases (case, workflow key, division) in scope."""
    p, c = t.plan_items.c, t.cases.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.plan_id, p.item_id, p.household_id, p.person_id, p.measure_id, p.start_on, p.end_on,
                   p.amount_fen, p.provider, p.division_code)
            .where(p.division_code.startswith(scope), p.status.in_(DELIVERED), p.start_on.is_not(None))
        ).all()  # fmt: skip
        open_cases = conn.execute(
            select(c.document, c.workflow_id, c.division_code).where(c.division_code.startswith(scope), ~c.closed)
        ).all()
    items = pl.DataFrame(
        [
            (f"plan:{r.plan_id}:{r.item_id}", "plan", f"{r.plan_id}:{r.item_id}", r.household_id, r.person_id,
             r.measure_id, r.start_on, r.end_on, r.amount_fen, r.provider, r.division_code)
            for r in rows
        ],
        schema=engine_chain.LEDGER_SCHEMA,
        orient="row",
    )  # fmt: skip
    cases = [(case_store.from_document(r.document), str(r.workflow_id), str(r.division_code)) for r in open_cases]
    return items, cases


def _county(
    county: str,
    tables: dict[str, pl.DataFrame],
    items: pl.DataFrame,
    cases: Sequence[tuple[Case, str, str]],
    day: dt.date,
) -> tuple[CountyRun, pl.DataFrame | None]:
    try:
        policy = load_packs().resolve(county.ljust(12, "0"), day)
    except PolicyError as e:
        return CountyRun(county, f"-#{e.code}", 0, 0, 0), None
    homes = tables["households"].filter(pl.col("division_code").str.starts_with(county))
    part = frames_of_households(tables, homes["household_id"].to_list())
    part["ledger"] = items.filter(pl.col("division_code").str.starts_with(county))
    mine = [(case, key, division) for case, key, division in cases if division.startswith(county)]
    catalogue = policy.measures
    ledger = engine_chain.ledger(part, catalogue)
    part["monitored"] = _monitored(mine)
    part["status"] = _status(mine, ledger, catalogue, engine_chain.status_days(catalogue, day))
    labels = {code: r.label for code, r in risk_table(policy.risk_types).items()}
    found = engine_chain.check_chain(part, catalogue, _params(policy), check_day=day, risk_labels=labels)
    ref = f"{policy.policy_id}@{policy.version}#{policy.content_hash[:12]}"
    return CountyRun(county, ref, homes.height, ledger.height, found.height), found


def _params(policy: ResolvedPolicy) -> dict[str, int]:
    return {**policy.params}


def _monitored(cases: Sequence[tuple[Case, str, str]]) -> pl.DataFrame:
    rows = []
    for case, key, division in cases:
        since = case.identified_on(identified_under(case.phases, key))
        if since is not None and case.confirmed:
            rows.append((case.household_id, division, since, list(case.risk_codes), case.case_id))
    return pl.DataFrame(rows, schema=engine_chain.MONITORED_SCHEMA, orient="row")


def _status(
    cases: Sequence[tuple[Case, str, str]], ledger: pl.DataFrame, catalogue: Sequence[Measure], days: Sequence[dt.date]
) -> pl.DataFrame:
    """Each household with an open case, on each day: monitored then, and dibao/tekun in the ledger that day."""
    rows = []
    for day in days:
        receives: dict[str, set[str]] = {"dibao": set(), "tekun": set()}
        for m in catalogue:
            if m.type.value not in receives:
                continue
            # a department record without an end covers ``coverage_months`` from its day (domain.chain.coverage)
            last = pl.col("start").dt.offset_by(f"{m.coverage_months}mo") - pl.duration(days=1)
            covering = ledger.filter(
                (pl.col("measure_id") == m.measure_id)
                & (pl.col("start") <= day)
                & (pl.coalesce(pl.col("end"), last) >= day)
            )
            receives[m.type.value] |= set(covering["household_id"].to_list())
        dibao, tekun = receives["dibao"], receives["tekun"]
        for case, key, _ in cases:
            monitored = case.monitored_on(identified_under(case.phases, key), day)
            eliminated = case.eliminated_on(workflow_by_key(key), day)
            category = case.category.value if case.category else None
            hh = case.household_id
            rows.append((day, hh, monitored, eliminated, category, hh in dibao, hh in tekun))
    return pl.DataFrame(rows, schema=engine_chain.STATUS_SCHEMA, orient="row")
