"""Hand-made registries for screening acceptance tests: each household a case a caseworker knows."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jingzhun.domain.ids import make_resident_id


@dataclass
class Person:
    name: str
    relation: str
    birth: dt.date
    labor: str = "ordinary"
    health: str = "healthy"
    schooling: str = "none"
    insured: str = "true"
    seq: int = 0
    person_id: str = ""


@dataclass
class HH:
    household_id: str
    village: str
    alleviated: bool
    people: list[Person]
    income: dict[str, str]  # wage, business_net, … in yuan
    prev_income: dict[str, str] | None = None
    housing_safe: bool = True
    water_safe: bool = True
    events: list[dict[str, str]] = field(default_factory=list)  # person index → event fields


def write_registry(root: Path, households: list[HH], period_end: str, prev_period_end: str) -> Path:
    """Write households/members/income/conditions CSVs and feeds/events.csv under ``root``."""
    reg, feeds = root / "registry", root / "feeds"
    reg.mkdir(parents=True)
    feeds.mkdir(parents=True)
    seq = 100
    hh_rows, mem_rows, inc_rows, cond_rows, ev_rows = [], [], [], [], []
    for h in households:
        hh_rows.append(
            {
                "household_id": h.household_id,
                "division_code": h.village,
                "alleviated": str(h.alleviated).lower(),
                "alleviated_year": "2018" if h.alleviated else "",
            }
        )
        for p in h.people:
            seq += 2
            p.person_id = make_resident_id(h.village[:6], p.birth, seq + (1 if p.relation in ("head",) else 0)).value
            mem_rows.append(
                {
                    "person_id": p.person_id,
                    "household_id": h.household_id,
                    "name": p.name,
                    "relation": p.relation,
                    "health": p.health,
                    "labor_capacity": p.labor,
                    "schooling": p.schooling,
                    "medical_insured": p.insured,
                    "work_months": "0",
                }
            )
        base = {
            "wage": "0",
            "business_net": "0",
            "property": "0",
            "transfer": "0",
            "medical_self_paid": "0",
            "education_self_paid": "0",
        }
        inc_rows.append({"household_id": h.household_id, "period_end": period_end, **base, **h.income})
        if h.prev_income is not None:
            inc_rows.append({"household_id": h.household_id, "period_end": prev_period_end, **base, **h.prev_income})
        cond_rows.append(
            {
                "household_id": h.household_id,
                "housing_safe": str(h.housing_safe).lower(),
                "water_safe": str(h.water_safe).lower(),
                "assessed_on": "2026-06-30",
            }
        )
        for k, e in enumerate(h.events):
            row = {
                "event_id": f"{h.household_id}-{k}",
                "source": e["source"],
                "person_id": "",
                "household_id": "",
                "event_type": e["event_type"],
                "event_date": e["event_date"],
                "amount": e.get("amount", ""),
                "detail": e.get("detail", ""),
            }
            if "person" in e:
                row["person_id"] = h.people[int(e["person"])].person_id
            else:
                row["household_id"] = h.household_id
            ev_rows.append(row)
    _write(reg / "households.csv", hh_rows)
    _write(reg / "members.csv", mem_rows)
    _write(reg / "income.csv", inc_rows)
    _write(reg / "conditions.csv", cond_rows)
    _write(
        feeds / "events.csv",
        ev_rows
        or [
            {
                "event_id": "",
                "source": "",
                "person_id": "",
                "household_id": "",
                "event_type": "",
                "event_date": "",
                "amount": "",
                "detail": "",
            }
        ][:0],
    )
    return root


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    if not rows:
        path.write_text("event_id,source,person_id,household_id,event_type,event_date,amount,detail\n", "utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
