"""The columnar screening engine: a county to a nation of households in DuckDB.

Input: the validated registry and feed tables as Arrow-backed Polars frames (or any relation
DuckDB can scan). The engine computes the feature table once, groups households by the
policy in force for their place (a province or county pack), runs each group's compiled
rules as one SELECT, and returns one row per flagged household with its category, risk
codes, rule ids, Chinese reasons and evidence. DuckDB's built-in functions only: no
extension is ever downloaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from jingzhun.adapters.engine.screen_features import features_sql
from jingzhun.adapters.engine.screen_rules import rules_select
from jingzhun.domain.policy import ResolvedPolicy

OUTPUT_SCHEMA = {
    "household_id": pl.Utf8,
    "division_code": pl.Utf8,
    "category": pl.Utf8,
    "risk_codes": pl.List(pl.Utf8),
    "rule_ids": pl.List(pl.Utf8),
    "reasons": pl.List(pl.Utf8),
    "evidence": pl.Utf8,
    "policy_id": pl.Utf8,
    "policy_version": pl.Utf8,
    "policy_hash": pl.Utf8,
    "as_of": pl.Date,
}
TABLES = ("households", "members", "income", "conditions", "events")


class PolicyUnavailable(Exception):
    """No policy can be resolved for a place (e.g. no monitoring threshold in force)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


PolicyResolver = Callable[[str, dt.date], ResolvedPolicy]  # (12-digit division code, day) → policy


@dataclass(slots=True)
class EngineResult:
    warnings: pl.DataFrame  # OUTPUT_SCHEMA, sorted by household_id
    households: int
    unresolved: dict[str, tuple[str, str]] = field(default_factory=dict)  # county → (code, message)
    unresolved_households: pl.DataFrame | None = None  # household_id, division_code


def screen(
    tables: dict[str, pl.DataFrame],
    as_of: dt.date,
    resolve: PolicyResolver,
    *,
    threads: int | None = None,
) -> EngineResult:
    """Screen every household of ``tables`` (keys: households, members, income, conditions, events)."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for name in TABLES:
        con.register(name, tables[name])
    try:
        return screen_connection(con, as_of, resolve)
    finally:
        con.close()


def screen_connection(con: duckdb.DuckDBPyConnection, as_of: dt.date, resolve: PolicyResolver) -> EngineResult:
    """Screen the relations named ``households`` … ``events`` visible on ``con``."""
    counties = [r[0] for r in con.execute("SELECT DISTINCT substr(division_code, 1, 6) FROM households").fetchall()]
    by_policy: dict[tuple[str, str], tuple[ResolvedPolicy, list[str]]] = {}
    unresolved: dict[str, tuple[str, str]] = {}
    for county in sorted(counties):
        try:
            policy = resolve(county.ljust(12, "0"), as_of)
        except PolicyUnavailable as e:
            unresolved[county] = (e.code, e.message)
            continue
        key = (policy.policy_id, policy.content_hash)
        by_policy.setdefault(key, (policy, []))[1].append(county)
    lookbacks = {p.event_lookback_months for p, _ in by_policy.values()} or {12}
    parts: list[pl.DataFrame] = []
    for months in sorted(lookbacks):
        groups = [(p, g) for p, g in by_policy.values() if p.event_lookback_months == months]
        if len(groups) == 1:  # one policy: rules straight over the feature query, nothing stored
            source, single = f"({features_sql(as_of, months)})", True
        else:  # several: compute the features once, read them per group
            con.execute(f"CREATE OR REPLACE TEMP TABLE features AS {features_sql(as_of, months)}")
            source, single = "features", False
        for policy, group in groups:
            where = "true" if single else "substr(division_code, 1, 6) IN (" + ", ".join(f"'{c}'" for c in group) + ")"
            sql = rules_select(policy, source, where)
            frame = con.sql(sql).pl()
            parts.append(
                frame.with_columns(
                    pl.lit(policy.policy_id).alias("policy_id"),
                    pl.lit(policy.version).alias("policy_version"),
                    pl.lit(policy.content_hash).alias("policy_hash"),
                    pl.lit(as_of).alias("as_of"),
                )
            )
    total = con.execute("SELECT count(*) FROM households").fetchall()[0]
    warnings = (
        pl.concat([p.cast(OUTPUT_SCHEMA) for p in parts]).sort("household_id")  # type: ignore[arg-type]
        if parts
        else pl.DataFrame(schema=OUTPUT_SCHEMA)
    )
    unresolved_hh = None
    if unresolved:
        unresolved_hh = con.sql(
            "SELECT household_id, division_code FROM households WHERE substr(division_code, 1, 6) IN ("
            + ", ".join(f"'{c}'" for c in unresolved)
            + ") ORDER BY household_id"
        ).pl()
    return EngineResult(warnings, int(total[0]) if total else 0, unresolved, unresolved_hh)
