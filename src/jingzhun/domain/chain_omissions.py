"""The chain's omission checks: a confirmed risk left without a measure, an entitlement not received.

Why two checks: the plan must answer every confirmed risk within ``measure_deadline_days`` of
identification (a measure addressing it, ``Measure.addresses_risk``), and an *entitlement*
measure (应享尽享, e.g. the Yulu plan) must reach everyone its conditions admit, whatever the
plan says. Both read the ledger of ``domain.chain``; the second reads the same eligibility
facts and ``check_eligibility`` as a plan recommendation, so "eligible" means one thing.
The columnar checks (``adapters/engine/chain_duckdb.py``) are parity-tested against these.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from jingzhun.domain.chain import (
    PLAN_OFFICE,
    ChainRule,
    Covered,
    Finding,
    LedgerEntry,
    covered_entries,
    make_finding,
    sort_findings,
    who,
)
from jingzhun.domain.eligibility import MonitoringStatus, household_facts, person_facts
from jingzhun.domain.household import Household, YearMonth, income_window_end
from jingzhun.domain.measures import Measure, Target, check_eligibility


@dataclass(frozen=True, slots=True)
class MonitoredHousehold:
    """A monitoring object with its confirmed risks, as the case says (case_id names the record)."""

    household_id: str
    division_code: str
    identified_on: dt.date
    risk_codes: tuple[str, ...]
    case_id: str = ""


def find_omissions(
    entries: Sequence[LedgerEntry],
    catalogue: Sequence[Measure],
    monitored: Iterable[MonitoredHousehold],
    households: Iterable[Household],
    statuses: Mapping[dt.date, Mapping[str, MonitoringStatus]],
    params: Mapping[str, int],
    *,
    check_day: dt.date,
    risk_labels: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Both omission checks (``params`` are the policy's: ``measure_deadline_days`` and those the
    conditions read)."""
    deadline = params["measure_deadline_days"]
    risks = find_risks_without_measure(
        entries, catalogue, monitored, check_day=check_day, deadline_days=deadline, risk_labels=risk_labels
    )
    missed = find_missed_entitlements(entries, catalogue, households, statuses, params, check_day=check_day)
    return sort_findings([*risks, *missed])


def find_risks_without_measure(
    entries: Iterable[LedgerEntry],
    catalogue: Sequence[Measure],
    monitored: Iterable[MonitoredHousehold],
    *,
    check_day: dt.date,
    deadline_days: int,
    risk_labels: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Each confirmed risk, more than ``deadline_days`` after identification, with no entry of a
    measure addressing it that started by the check day and still ran on or after identification."""
    labels = risk_labels or {}
    by_household: dict[str, list[Covered]] = defaultdict(list)
    for c in covered_entries(entries, catalogue):
        if c.entry.start <= check_day:
            by_household[c.entry.household_id].append(c)
    out = []
    for h in monitored:
        days = (check_day - h.identified_on).days
        if days <= deadline_days:
            continue
        for code in dict.fromkeys(h.risk_codes):
            helped = any(
                c.measure.addresses_risk(code) and c.last >= h.identified_on for c in by_household[h.household_id]
            )
            if helped:
                continue
            values = {
                "who": who(h.household_id, None),
                "risk": code + (f"（{labels[code]}）" if code in labels else ""),
                "identified_on": h.identified_on,
                "days": days,
                "deadline": deadline_days,
            }
            out.append(
                make_finding(ChainRule.RISK_WITHOUT_MEASURE, h.household_id, None, None, code,
                             (h.case_id,) if h.case_id else (), h.identified_on, check_day, PLAN_OFFICE,
                             h.division_code, values)
            )  # fmt: skip
    return sort_findings(out)


def income_window_on(hh: Household, day: dt.date) -> YearMonth | None:
    """The newest income window ending by the month before ``day`` (what an assessment that day reads)."""
    end = income_window_end(day)
    ends = [w.period_end for w in hh.incomes if w.period_end <= end]
    return max(ends) if ends else None


def find_missed_entitlements(
    entries: Iterable[LedgerEntry],
    catalogue: Sequence[Measure],
    households: Iterable[Household],
    statuses: Mapping[dt.date, Mapping[str, MonitoringStatus]],
    params: Mapping[str, int],
    *,
    check_day: dt.date,
) -> list[Finding]:
    """Everyone eligible for an entitlement measure on ``check_day`` with no entry of its key covering it.

    A person's facts are taken on the check day, the household's on the measure's status day
    (``statuses[day][household_id]``; a household absent there has the default status), its
    income from ``income_window_on`` that day; housing and water as the registry last assessed.
    """
    covered: set[tuple[str, str, str]] = set()
    for c in covered_entries(entries, catalogue):
        if c.first <= check_day <= c.last:
            covered.add((c.measure.key, "P" if c.person_id else "H", c.person_id or c.entry.household_id))
    homes = list(households)
    out = []
    for m in catalogue:
        if not m.entitlement:
            continue
        day = m.status_day(check_day)
        on_day = statuses.get(day, {})
        for hh in homes:
            status = on_day.get(hh.household_id, MonitoringStatus())
            facts = household_facts(hh, status, window=income_window_on(hh, day))
            if m.target is Target.PERSON:
                people = [(p.person_id.value, person_facts(p, check_day)) for p in hh.members]
                missing: list[str | None] = [
                    pid
                    for pid, pf in people
                    if (m.key, "P", pid) not in covered
                    and check_eligibility(m, facts, pf, params, on=check_day, person_id=pid).eligible
                ]
            else:
                eligible = check_eligibility(m, facts, None, params, on=check_day).eligible
                missing = [None] if eligible and (m.key, "H", hh.household_id) not in covered else []
            for pid in missing:
                values = {
                    "who": who(hh.household_id, pid),
                    "measure": m.label,
                    "status_day": day,
                    "check_day": check_day,
                }
                out.append(
                    make_finding(ChainRule.ENTITLEMENT_MISSED, hh.household_id, pid, m, None, (), day, check_day,
                                 m.provider, hh.division_code.value, values)
                )  # fmt: skip
    return sort_findings(out)
