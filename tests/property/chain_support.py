"""Test support for the assistance chain: the same inputs through the pure checks and the engine.

``validated`` puts a synthetic county through the importer's validation (so amounts are fen and
every frame is what a county's import yields); ``pure_findings`` rebuilds domain objects from the
frames and runs ``domain.chain`` / ``domain.chain_omissions`` household by household — the slow,
obviously-correct reference; ``engine_findings`` runs ``chain_duckdb.check_chain`` and reads its
rows back as ``Finding`` values, so the two are compared as equal lists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from jingzhun.adapters.engine.chain_duckdb import check_chain
from jingzhun.adapters.files.raw import RawTable
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.chain import Finding, LedgerEntry, entries_from_events, find_duplicates, sort_findings
from jingzhun.domain.chain_omissions import MonitoredHousehold, find_omissions
from jingzhun.domain.eligibility import MonitoringStatus
from jingzhun.domain.features import DepartmentEvent
from jingzhun.domain.measures import Measure
from jingzhun.services.registry_validation import NO_STORE, validate_all
from jingzhun.synth import SynthResult
from jingzhun.synth.chain import ChainCounty

from .screening_support import households_from_frames

REGISTRY = ("households", "members", "income", "conditions")


def validated(county: SynthResult, today: dt.date) -> dict[str, pl.DataFrame]:
    """The county's registry and feeds as the import accepts them (fen); no row may be rejected."""
    raws = {}
    tables = {**county.registry(), "events": county.events}
    for name, frame in tables.items():
        text = frame.with_columns(pl.all().cast(pl.Utf8))
        text = text.with_columns(
            pl.int_range(2, text.height + 2, dtype=pl.Int64).alias("_row"), pl.lit(None, pl.Utf8).alias("_error")
        )
        raws[name] = [RawTable(name, Path(f"{name}.csv"), text)]
    cands = validate_all(raws, today, NO_STORE)
    rejected = {k: c.errors.height for k, c in cands.items() if c.errors.height}
    assert not rejected, rejected
    return {k: c.accepted().drop("_file", "_row") for k, c in cands.items() if k != "divisions"}


def plan_entries(plan: pl.DataFrame) -> list[LedgerEntry]:
    return [
        LedgerEntry(
            r["entry_id"], r["source"], r["record_id"], r["household_id"], r["person_id"], r["measure_id"],
            r["start"], r["end"], r["amount_fen"], r["provider"] or "", r["division_code"] or "",
        )
        for r in plan.iter_rows(named=True)
    ]  # fmt: skip


def monitored_households(monitored: pl.DataFrame) -> list[MonitoredHousehold]:
    return [
        MonitoredHousehold(r["household_id"], r["division_code"], r["identified_on"], tuple(r["risk_codes"]),
                           r["case_id"] or "")
        for r in monitored.iter_rows(named=True)
    ]  # fmt: skip


def statuses(status: pl.DataFrame) -> dict[dt.date, dict[str, MonitoringStatus]]:
    out: dict[dt.date, dict[str, MonitoringStatus]] = defaultdict(dict)
    for r in status.iter_rows(named=True):
        out[r["day"]][r["household_id"]] = MonitoringStatus(
            monitored=bool(r["monitored"]),
            eliminated=bool(r["eliminated"]),
            category=MonitoringCategory(r["category"]) if r["category"] else None,
            receives_dibao=bool(r["receives_dibao"]),
            receives_tekun=bool(r["receives_tekun"]),
        )
    return out


def ledger_of(tables: Mapping[str, pl.DataFrame], catalogue: Sequence[Measure]) -> list[LedgerEntry]:
    """Plan entries plus the feed records of catalogue measures, as ``entries_from_events`` maps them."""
    homes = dict(tables["members"].select("person_id", "household_id").iter_rows())
    divisions = dict(tables["households"].select("household_id", "division_code").iter_rows())
    events = [
        DepartmentEvent(r["source"], r["event_id"], r["event_type"], r["event_date"], r["person_id"],
                        r["household_id"], r["amount"])
        for r in tables["events"].iter_rows(named=True)
    ]  # fmt: skip
    return plan_entries(tables["ledger"]) + entries_from_events(events, catalogue, homes, divisions)


def pure_findings(
    tables: Mapping[str, pl.DataFrame],
    catalogue: Sequence[Measure],
    params: Mapping[str, int],
    *,
    check_day: dt.date,
    risk_labels: Mapping[str, str] | None = None,
) -> list[Finding]:
    entries = ledger_of(tables, catalogue)
    households = [hh for hh, _ in households_from_frames({**tables, "events": tables["events"].head(0)})]
    dup = find_duplicates(entries, catalogue)
    omitted = find_omissions(
        entries, catalogue, monitored_households(tables["monitored"]), households, statuses(tables["status"]), params,
        check_day=check_day, risk_labels=risk_labels,
    )  # fmt: skip
    return sort_findings([*dup, *omitted])


def engine_findings(
    tables: Mapping[str, pl.DataFrame],
    catalogue: Sequence[Measure],
    params: Mapping[str, int],
    *,
    check_day: dt.date,
    risk_labels: Mapping[str, str] | None = None,
) -> list[Finding]:
    frame = check_chain(tables, catalogue, params, check_day=check_day, risk_labels=risk_labels)
    return [Finding(**{**r, "record_ids": tuple(r["record_ids"])}) for r in frame.iter_rows(named=True)]


def chain_tables(chain: ChainCounty) -> dict[str, pl.DataFrame]:
    """A ``synth.chain.ChainCounty`` as the engine's input tables (registry and feeds validated)."""
    tables = validated(chain.county, chain.check_day)
    return {**tables, "ledger": chain.plan, "monitored": chain.monitored, "status": chain.status}
