"""Leads from the three channels into cases: one lead typed in, or a whole screening run at once.

A screening run (``jingzhun screen``) flags households; each flagged household becomes one
department-warning lead, merged into the household's open case or opening one. The lead id is
derived from the run — policy hash, assessment day, household — so feeding the same output
twice adds nothing (``case_leads`` has every lead id once), while next month's run, with a new
assessment day, adds a fresh lead to a case still open.

The whole batch is one transaction: either every lead in scope is received, or none is. A
household outside the actor's jurisdiction (or unknown to the store) is not an error of the
batch; it is listed in the report, because a county's screening file may well cover households
a township user must not touch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import WorkingCalendar
from jingzhun.domain.errors import DomainError
from jingzhun.services import auditing
from jingzhun.services.cases import action_time, default_calendar, fold_leads, lead_events, save_folded

SCREENING_DEPARTMENT = "data_comparison"  # the county's 部门数据比对 run, which combines several feeds
NEEDED = ("household_id", "category", "risk_codes", "rule_ids", "policy_id", "policy_version", "policy_hash", "as_of")


@dataclass
class IntakeReport:
    read: int = 0
    opened: int = 0
    merged: int = 0
    already_received: int = 0
    not_found: list[str] = field(default_factory=list)  # unknown, or outside the actor's jurisdiction
    case_ids: list[str] = field(default_factory=list)


def screening_lead(row: dict[str, Any], received_at: dt.datetime) -> Lead:
    """The department-warning lead of one flagged household of a screening output."""
    as_of = row["as_of"]
    day = as_of.strftime("%Y%m%d") if isinstance(as_of, dt.date) else str(as_of).replace("-", "")
    category = row.get("category")
    rules = "、".join(str(x) for x in (row.get("rule_ids") or []))
    return Lead(
        lead_id=f"W-{str(row['policy_hash'])[:8]}-{day}-{row['household_id']}",
        household_id=str(row["household_id"]),
        channel=Channel.DEPARTMENT_WARNING,
        received_at=received_at,
        source=f"批量筛查 {row['policy_id']} {row['policy_version']}（评估日 {as_of}）：{rules}"[:200],
        department=SCREENING_DEPARTMENT,
        suggested_category=MonitoringCategory(str(category)) if category else None,
        suggested_risk_codes=tuple(str(x) for x in (row.get("risk_codes") or []) if x),
    )


def read_warnings(path: Path) -> pl.DataFrame:
    """A ``jingzhun screen`` output: Parquet as written, or the CSV (BOM, lists joined with "|")."""
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    if path.suffix.lower() != ".csv":
        raise DomainError("LEAD_INVALID", f"不支持的筛查结果格式 {path.suffix}（可用 .parquet、.csv）")
    frame = pl.read_csv(path.read_bytes().removeprefix(b"\xef\xbb\xbf"), infer_schema=False)
    lists = [c for c in ("risk_codes", "rule_ids") if c in frame.columns]
    return frame.with_columns(pl.col(c).fill_null("").str.split("|") for c in lists)


def leads_from_warnings(
    engine: Engine,
    actor: Actor,
    warnings: pl.DataFrame,
    *,
    received_at: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
    request_id: str = "",
) -> IntakeReport:
    """Receive every flagged household of a screening output as a lead, in one transaction."""
    missing = [c for c in NEEDED if c not in warnings.columns]
    if missing:
        raise DomainError("LEAD_INVALID", f"筛查结果缺少列：{'、'.join(missing)}（请使用 jingzhun screen 的输出）")
    when = action_time(received_at)
    cal = calendar or default_calendar()
    report = IntakeReport(read=warnings.height)
    rows = warnings.select(NEEDED).iter_rows(named=True)
    leads = list({x.lead_id: x for x in (screening_lead(row, when) for row in rows)}.values())  # a row twice: once
    with auditing.refusals_audited(engine, actor, "case.lead_batch", f"division:{actor.jurisdiction}", request_id):
        require(actor.role, Permission.LEAD_CREATE)
        with engine.begin() as conn:
            ids = sorted({x.household_id for x in leads})
            divisions = _divisions_in_scope(conn, ids, scope_prefix(actor.jurisdiction))
            report.not_found = [h for h in ids if h not in divisions]
            known = case_store.known_lead_ids(conn, [x.lead_id for x in leads])
            fresh = [x for x in leads if x.household_id in divisions and x.lead_id not in known]
            report.already_received = sum(1 for x in leads if x.lead_id in known)
            by_household: dict[str, list[Lead]] = {}
            for lead in fresh:
                by_household.setdefault(lead.household_id, []).append(lead)
            open_cases = case_store.open_cases_of(conn, sorted(by_household))
            closed = case_store.latest_closed_of(conn, sorted(set(by_household) - set(open_cases)))
            folded = [
                fold_leads(open_cases.get(h), group, divisions[h], cal, closed.get(h))
                for h, group in sorted(by_household.items())
            ]
            save_folded(conn, folded, divisions)
            events = [e for f in folded for e in lead_events(actor, f, request_id)]
            report.opened = sum(f.opened for f in folded)
            report.merged = len(fresh) - report.opened
            report.case_ids = [f.case.case_id for f in folded]
            detail = {"read": report.read, "opened": report.opened, "merged": report.merged,
                      "already_received": report.already_received, "not_found": len(report.not_found)}  # fmt: skip
            where = f"division:{actor.jurisdiction}"
            events.append(auditing.entry(actor, "case.lead_batch", where, detail, request_id=request_id))
            auditing.record_many(conn, events)
    return report


def _divisions_in_scope(conn: Connection, household_ids: list[str], scope: str) -> dict[str, str]:
    h = t.households.c
    out: dict[str, str] = {}
    for i in range(0, len(household_ids), 500):
        rows = conn.execute(
            select(h.household_id, h.division_code).where(
                h.household_id.in_(household_ids[i : i + 500]), h.division_code.startswith(scope)
            )
        )
        out.update({str(a): str(b) for a, b in rows})
    return out
