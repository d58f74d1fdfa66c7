"""The assistance-chain checks over a whole county in DuckDB: duplicates and omissions, set-based.

Why a columnar engine beside ``domain.chain``: the county runs the chain check in batch over
every household, plan item and department record at once; one household at a time in Python
would take minutes where a few SQL statements take a second. The pure functions remain the
definition — the parity test holds this engine to them finding for finding.

Input tables (Arrow-backed Polars frames; amounts in fen, as validated by the importer):
``households``, ``members``, ``income``, ``conditions`` (the registry), ``events`` (feeds,
optional: records of a catalogue measure join the ledger), ``ledger`` (plan items and any other
entries already in chain form, ``LEDGER_SCHEMA``, optional), ``status`` (``STATUS_SCHEMA``: the
household's monitoring status on each day the checks need — see ``status_days``; optional) and
``monitored`` (``MONITORED_SCHEMA``: monitoring objects with their confirmed risks; optional).
Output: one row per finding, the columns of ``domain.chain.Finding`` (``FINDING_SCHEMA``), in
``finding_sort_key`` order. Built-in DuckDB functions only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import duckdb
import polars as pl

from jingzhun.adapters.engine.chain_facts import household_facts_sql, person_facts_sql
from jingzhun.adapters.engine.chain_sql import (
    covered_sql,
    duplicates_sql,
    entitlement_sql,
    events_ledger_sql,
    risks_sql,
)
from jingzhun.domain.measures import Measure

LEDGER_SCHEMA = pl.Schema(
    {
        "entry_id": pl.Utf8(),
        "source": pl.Utf8(),
        "record_id": pl.Utf8(),
        "household_id": pl.Utf8(),
        "person_id": pl.Utf8(),
        "measure_id": pl.Utf8(),
        "start": pl.Date(),
        "end": pl.Date(),
        "amount_fen": pl.Int64(),
        "provider": pl.Utf8(),
        "division_code": pl.Utf8(),
    }
)
STATUS_SCHEMA = pl.Schema(
    {
        "day": pl.Date(),
        "household_id": pl.Utf8(),
        "monitored": pl.Boolean(),
        "eliminated": pl.Boolean(),
        "category": pl.Utf8(),
        "receives_dibao": pl.Boolean(),
        "receives_tekun": pl.Boolean(),
    }
)
MONITORED_SCHEMA = pl.Schema(
    {
        "household_id": pl.Utf8(),
        "division_code": pl.Utf8(),
        "identified_on": pl.Date(),
        "risk_codes": pl.List(pl.Utf8()),
        "case_id": pl.Utf8(),
    }
)
FINDING_SCHEMA = pl.Schema(  # the fields of domain.chain.Finding, in order
    {
        "kind": pl.Utf8(),
        "rule_id": pl.Utf8(),
        "household_id": pl.Utf8(),
        "person_id": pl.Utf8(),
        "measure_id": pl.Utf8(),
        "risk_code": pl.Utf8(),
        "record_ids": pl.List(pl.Utf8()),
        "day_from": pl.Date(),
        "day_to": pl.Date(),
        "provider": pl.Utf8(),
        "office": pl.Utf8(),
        "township_code": pl.Utf8(),
        "message": pl.Utf8(),
    }
)
_OPTIONAL = {"ledger": LEDGER_SCHEMA, "status": STATUS_SCHEMA, "monitored": MONITORED_SCHEMA}
_REGISTRY = ("households", "members", "income", "conditions")
_ORDER = (
    "rule_id, household_id, coalesce(person_id, ''), coalesce(measure_id, ''), coalesce(risk_code, ''), "
    "day_from, record_ids"
)


def status_days(catalogue: Sequence[Measure], check_day: dt.date) -> list[dt.date]:
    """The days the ``status`` table must describe: each entitlement measure's status day."""
    return sorted({m.status_day(check_day) for m in catalogue if m.entitlement})


def check_chain(
    tables: Mapping[str, pl.DataFrame],
    catalogue: Sequence[Measure],
    params: Mapping[str, int],
    *,
    check_day: dt.date,
    risk_labels: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Duplicates and omissions of every household in ``tables`` on ``check_day`` (``FINDING_SCHEMA``).

    ``params``: the policy's integer parameters (``measure_deadline_days`` and whatever the
    eligibility conditions read); ``risk_labels``: risk code → Chinese label for the messages.
    """
    con = connect(tables, catalogue, risk_labels)
    try:
        dup = con.sql(duplicates_sql()).pl()
        omitted = omissions(con, catalogue, params, check_day=check_day)
        return _sorted(con, [dup, omitted])
    finally:
        con.close()


def ledger(tables: Mapping[str, pl.DataFrame], catalogue: Sequence[Measure]) -> pl.DataFrame:
    """The ledger the checks read: the given entries and the feed records of catalogue measures."""
    con = connect(tables, catalogue, None)
    try:
        frame: pl.DataFrame = con.sql("SELECT * FROM chain_ledger ORDER BY entry_id").pl()
        return frame
    finally:
        con.close()


def connect(
    tables: Mapping[str, pl.DataFrame], catalogue: Sequence[Measure], risk_labels: Mapping[str, str] | None
) -> duckdb.DuckDBPyConnection:
    """A connection with the input tables, the catalogue tables, ``chain_ledger`` and ``chain_covered``."""
    con = duckdb.connect()
    for name in _REGISTRY:
        con.register(name, tables[name])
    for name, schema in _OPTIONAL.items():
        con.register(name, tables[name] if name in tables else pl.DataFrame(schema=schema))
    register_catalogue(con, catalogue, risk_labels)
    columns = ", ".join(f'"{c}"' for c in LEDGER_SCHEMA)
    parts = [f"SELECT {columns} FROM ledger"]
    if "events" in tables:
        con.register("events", tables["events"])
        parts.append(f"SELECT {columns} FROM ({events_ledger_sql()})")
    con.execute("CREATE TEMP VIEW chain_ledger AS " + " UNION ALL ".join(parts))
    con.execute(f"CREATE TEMP TABLE chain_covered AS {covered_sql(catalogue)}")
    return con


def register_catalogue(
    con: duckdb.DuckDBPyConnection, catalogue: Sequence[Measure], risk_labels: Mapping[str, str] | None
) -> None:
    """The catalogue as small tables: measures, the risks each addresses (NULL: any), feed event types."""
    con.register(
        "chain_measures",
        pl.DataFrame(
            {
                "measure_id": [m.measure_id for m in catalogue],
                "key": [m.key for m in catalogue],
                "target": [m.target.value for m in catalogue],
                "period": [m.period.value for m in catalogue],
                "coverage_months": [m.coverage_months for m in catalogue],
                "label": [m.label for m in catalogue],
                "provider": [m.provider.value for m in catalogue],
                "office": [m.provider.label for m in catalogue],
            },
            schema_overrides={"coverage_months": pl.Int32, **dict.fromkeys(("measure_id", "key", "label"), pl.Utf8)},
        ),
    )
    addresses = [(m.measure_id, a) for m in catalogue for a in (m.addresses or (None,))]
    con.register(
        "chain_addresses",
        pl.DataFrame(addresses, schema={"measure_id": pl.Utf8, "address": pl.Utf8}, orient="row"),
    )
    first_measure: dict[str, Measure] = {}
    for m in catalogue:
        for t in m.feed_events:
            first_measure.setdefault(t, m)
    con.register(
        "chain_feed_map",
        pl.DataFrame(
            [(t, m.measure_id, m.provider.value) for t, m in first_measure.items()],
            schema={"event_type": pl.Utf8, "measure_id": pl.Utf8, "provider": pl.Utf8},
            orient="row",
        ),
    )
    labels = sorted((risk_labels or {}).items())
    con.register("chain_risk_labels", pl.DataFrame(labels, schema={"code": pl.Utf8, "label": pl.Utf8}, orient="row"))


def omissions(
    con: duckdb.DuckDBPyConnection, catalogue: Sequence[Measure], params: Mapping[str, int], *, check_day: dt.date
) -> pl.DataFrame:
    """Risks without a measure past the deadline, and entitlements missed, on a ``connect``-ed connection."""
    parts = [con.sql(risks_sql(check_day, params["measure_deadline_days"])).pl()]
    entitled = [m for m in catalogue if m.entitlement]
    if entitled:
        con.execute(f"CREATE OR REPLACE TEMP TABLE chain_person_facts AS {person_facts_sql(check_day)}")
        facts: dict[dt.date, str] = {}
        for day in status_days(catalogue, check_day):
            facts[day] = f"chain_household_facts_{day:%Y%m%d}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {facts[day]} AS {household_facts_sql(day)}")
        for m in entitled:
            sql = entitlement_sql(
                m,
                params,
                check_day=check_day,
                person_facts="chain_person_facts",
                household_facts=facts[m.status_day(check_day)],
            )
            parts.append(con.sql(sql).pl())
    return pl.concat([_typed(p) for p in parts])


def _sorted(con: duckdb.DuckDBPyConnection, parts: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [_typed(p) for p in parts if p.height]
    if not frames:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    con.register("chain_findings", pl.concat(frames))
    return _typed(con.sql(f"SELECT * FROM chain_findings ORDER BY {_ORDER}").pl())


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.cast(FINDING_SCHEMA)
