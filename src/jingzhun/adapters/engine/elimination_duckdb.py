"""The elimination criteria over a county or more in DuckDB: which monitored households may exit, and why not.

Input: the registry and feed tables the screening reads (``households`` … ``events``) and
``monitored`` (``MONITORED_SCHEMA``): the households whose case is in monitoring, with the facts
only the case and its plan know. For each group of counties sharing a policy the engine builds,
in SQL, the identification features (``screen_features``), which identification rules still
fire (``screen_rules``, the same compiled SELECT as the screening), the stable months of
income, and then evaluates every elimination criterion of the policy — the condition printed
as SQL with its parameters inlined, the reason of an unmet one filled in SQL — so a county's
monitored households never pass through Python one by one. ``domain.elimination`` is the
definition; the parity tests hold this module to it on synthetic counties.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl

from jingzhun.adapters.engine.screen_duckdb import TABLES, PolicyResolver, PolicyUnavailable
from jingzhun.adapters.engine.screen_features import features_sql
from jingzhun.adapters.engine.screen_rules import inline_params, reason_sql, rules_select
from jingzhun.domain.elimination import ELIMINATION_FACTS
from jingzhun.domain.features import FEATURES
from jingzhun.domain.household import income_window_end
from jingzhun.domain.policy import ResolvedPolicy, Severity
from jingzhun.domain.rules import to_sql
from jingzhun.domain.screening import shown_names

MONITORED_SCHEMA = pl.Schema(
    {
        "household_id": pl.Utf8(),
        "risks_without_measure": pl.Int64(),
        "measures_in_effect": pl.Int64(),
        "months_since_identification": pl.Int64(),
    }
)
OUTPUT_SCHEMA = pl.Schema(
    {
        "household_id": pl.Utf8(),
        "division_code": pl.Utf8(),
        "eligible": pl.Boolean(),
        "method": pl.Utf8(),
        "blocked": pl.List(pl.Utf8()),  # unmet ``block`` criteria, in policy order
        "flagged": pl.List(pl.Utf8()),  # unmet ``flag`` criteria
        "reasons": pl.List(pl.Utf8()),  # why each unmet criterion is not met, in policy order
        "open_rules": pl.List(pl.Utf8()),  # identification rules that still fire
        "evidence": pl.Utf8(),  # JSON object: every name the criteria read or show
        "policy_id": pl.Utf8(),
        "policy_version": pl.Utf8(),
        "policy_hash": pl.Utf8(),
        "as_of": pl.Date(),
    }
)
COLUMNS = frozenset(f.name for f in (*FEATURES, *ELIMINATION_FACTS))
BOOLS = frozenset(f.name for f in (*FEATURES, *ELIMINATION_FACTS) if f.kind == "bool")


def assess(
    tables: dict[str, pl.DataFrame], as_of: dt.date, resolve: PolicyResolver, *, threads: int | None = None
) -> tuple[pl.DataFrame, dict[str, tuple[str, str]]]:
    """Every household of ``tables["monitored"]`` against the criteria in force for its county on ``as_of``.

    Returns the assessments (``OUTPUT_SCHEMA``, by household id) and the counties without a
    policy that day (county → (code, message)), whose households are not assessed.
    """
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for name in (*TABLES, "monitored"):
        con.register(name, tables[name])
    try:
        return _assess(con, as_of, resolve)
    finally:
        con.close()


def _assess(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, resolve: PolicyResolver
) -> tuple[pl.DataFrame, dict[str, tuple[str, str]]]:
    counties = con.execute(
        "SELECT DISTINCT substr(h.division_code, 1, 6) FROM households h SEMI JOIN monitored m USING (household_id)"
    ).fetchall()
    groups: dict[tuple[str, str], tuple[ResolvedPolicy, list[str]]] = {}
    unresolved: dict[str, tuple[str, str]] = {}
    for (county,) in sorted(counties):
        try:
            policy = resolve(county.ljust(12, "0"), as_of)
        except PolicyUnavailable as e:
            unresolved[county] = (e.code, e.message)
            continue
        groups.setdefault((policy.policy_id, policy.content_hash), (policy, []))[1].append(county)
    parts = []
    for policy, group in groups.values():
        where = "substr(division_code, 1, 6) IN (" + ", ".join(f"'{c}'" for c in group) + ")"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE features AS SELECT * FROM "
            f"({features_sql(as_of, policy.event_lookback_months)}) f "
            f"SEMI JOIN monitored m USING (household_id) WHERE {where}"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE facts AS {facts_sql(policy, as_of)}")
        frame = con.sql(criteria_sql(policy)).pl()
        parts.append(
            frame.with_columns(
                pl.lit(policy.policy_id).alias("policy_id"),
                pl.lit(policy.version).alias("policy_version"),
                pl.lit(policy.content_hash).alias("policy_hash"),
                pl.lit(as_of).alias("as_of"),
            ).cast(OUTPUT_SCHEMA)  # type: ignore[arg-type]
        )
    out = pl.concat(parts).sort("household_id") if parts else pl.DataFrame(schema=OUTPUT_SCHEMA)
    return out, unresolved


def _month_index(col: str) -> str:
    """``'2026-11'`` → year × 12 + month − 1, as ``domain.elimination.month_index``."""
    return f"(CAST(substr({col}, 1, 4) AS INTEGER) * 12 + CAST(substr({col}, 6, 2) AS INTEGER) - 1)"


def facts_sql(policy: ResolvedPolicy, as_of: dt.date) -> str:
    """The ``features`` rows with the elimination facts (``domain.elimination``) beside them."""
    window = income_window_end(as_of)
    current = window.year * 12 + window.month - 1
    threshold = int(policy.monitoring_threshold_fen)
    net = "coalesce(i.wage, 0) + coalesce(i.business_net, 0) + coalesce(i.property, 0) + coalesce(i.transfer, 0)"
    return f"""
WITH
w AS (  -- recorded windows up to the current one, at or above the line (net ≥ threshold × members)
    SELECT i.household_id, {_month_index("i.period_end")} AS mi, ({net}) >= {threshold} * f.members AS above
    FROM income i JOIN features f USING (household_id)
    WHERE {_month_index("i.period_end")} <= {current}
),
last_below AS (SELECT household_id, max(mi) AS mi FROM w WHERE NOT above GROUP BY household_id),
run AS (  -- the earliest window of the unbroken run above the line that ends in the current window
    SELECT w.household_id, min(w.mi) AS start
    FROM w LEFT JOIN last_below b USING (household_id)
    WHERE w.above AND w.mi > coalesce(b.mi, -1)
    GROUP BY w.household_id
),
stable AS (
    SELECT w.household_id, CASE WHEN w.above THEN {current} - r.start ELSE 0 END AS stable_income_months
    FROM w LEFT JOIN run r USING (household_id)
    WHERE w.mi = {current}
),
flagged AS ({rules_select(policy, "features", "true")})
SELECT f.*,
       s.stable_income_months,
       fl.household_id IS NOT NULL AS still_flagged,
       coalesce(fl.rule_ids, []) AS open_rules,
       m.risks_without_measure, m.measures_in_effect, m.months_since_identification
FROM features f
JOIN monitored m USING (household_id)
LEFT JOIN stable s USING (household_id)
LEFT JOIN flagged fl USING (household_id)
"""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def criteria_sql(policy: ResolvedPolicy) -> str:
    """SELECT over ``facts``: each criterion TRUE or not (NULL is not met), the verdict, reasons and evidence."""
    params = dict(policy.params)
    criteria = policy.elimination
    met = [f"coalesce({to_sql(inline_params(c.when, params, COLUMNS))}, false) AS c{i}" for i, c in enumerate(criteria)]

    def unmet_ids(severity: Severity) -> str:
        items = [f"CASE WHEN NOT c{i} THEN {_quote(c.criterion_id)} END" for i, c in enumerate(criteria)
                 if c.severity is severity]  # fmt: skip
        return f"list_filter([{', '.join(items)}]::VARCHAR[], lambda x: x IS NOT NULL)" if items else "[]::VARCHAR[]"

    blocks = [f"c{i}" for i, c in enumerate(criteria) if c.severity is Severity.BLOCK]
    reasons = [f"CASE WHEN NOT c{i} THEN {reason_sql(c.unmet, policy, COLUMNS, BOOLS)} END" for i, c in
               enumerate(criteria)]  # fmt: skip
    return f"""
SELECT household_id, division_code,
       {" AND ".join(blocks) if blocks else "true"} AS eligible,
       CASE WHEN coalesce(measures_in_effect, 0) > 0 THEN 'assistance' ELSE 'natural' END AS method,
       {unmet_ids(Severity.BLOCK)} AS blocked,
       {unmet_ids(Severity.FLAG)} AS flagged,
       list_filter([{", ".join(reasons) or "NULL"}]::VARCHAR[], lambda x: x IS NOT NULL) AS reasons,
       open_rules,
       {_evidence_sql(policy)} AS evidence
FROM (SELECT *, {", ".join(met) if met else "true AS c0"} FROM facts)
"""


def _evidence_sql(policy: ResolvedPolicy) -> str:
    """JSON object of every name the criteria read or show, keys sorted (as the domain's dict)."""
    params = dict(policy.params)
    known: dict[str, object] = {name: None for name in (*COLUMNS, *params)}
    names: set[str] = set()
    for c in policy.elimination:
        names |= shown_names(c.when, c.unmet, known)
    entries = []
    for name in sorted(names):
        # a column prints as JSON when cast to text (NULL becomes null); a parameter is a constant
        column = f"coalesce(CAST(\"{name}\" AS VARCHAR), 'null')"
        value = column if name in COLUMNS else _quote(json.dumps(params[name]))
        entries.append(f"{_quote(json.dumps(name) + ':')} || {value}")
    if not entries:
        return "'{}'"
    return "'{' || concat_ws(',', " + ", ".join(entries) + ") || '}'"
