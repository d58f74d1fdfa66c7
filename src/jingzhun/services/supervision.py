""" "四个不摘" supervision report of a jurisdiction, and the quality checks of its eliminations.

For every household whose case stands eliminated (tracked or detached, within its follow-up
period), the four checks of ``domain.supervision`` on the day: a helper assigned, no measure cut
short after the elimination, a measure still in effect, the follow-up visit not overdue. The
report counts households and gaps per county and township and lists each gap.

The quality checks (质量检查) list the eliminations whose gate found an unmet ``flag`` criterion
(e.g. within two months of identification): allowed with a reason, which the report shows with
the criterion, so a county can review them. (A ``block`` criterion — income below the line, no
labour capacity — refuses the step, so an elimination recorded in the system never has one.)

A report of ids, dates and gaps, without person data; the run is audited as one event. A day
outside 2000–2199 is refused (``FOLLOW_UP_DAY_INVALID``): the follow-up schedules run months past it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import Engine

from jingzhun.adapters.db import case_store, plan_store
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.supervision import Gap, Pillar, Standing, gaps
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.follow_ups import checked_day, eliminated_cases, follow_up_of, helpers_of, visits_of


@dataclass(frozen=True, slots=True)
class HouseholdSupervision:
    case_id: str
    household_id: str
    division_code: str
    case_state: str
    eliminated_on: dt.date
    gaps: tuple[Gap, ...]


@dataclass(frozen=True, slots=True)
class QualityFlag:
    case_id: str
    household_id: str
    division_code: str
    action: str  # the gated step (propose_elimination, eliminate_…)
    on: dt.date
    criterion_id: str
    message: str  # why the criterion was not met
    reason: str  # what the person who took the step wrote


@dataclass
class SupervisionReport:
    day: dt.date
    scope: str
    households: list[HouseholdSupervision] = field(default_factory=list)
    quality: list[QualityFlag] = field(default_factory=list)

    def summary(self, level: int = 6) -> list[dict[str, object]]:
        """Per division prefix of ``level`` digits (6 county, 9 township): households and gaps per pillar."""
        rows: dict[str, dict[str, object]] = {}
        for h in self.households:
            key = h.division_code[:level]
            row = rows.setdefault(key, {"division": key, "households": 0, "kept": 0, **{p.value: 0 for p in Pillar}})
            row["households"] = int(row["households"]) + 1  # type: ignore[call-overload]
            found = {g.pillar for g in h.gaps}
            row["kept"] = int(row["kept"]) + (not found)  # type: ignore[call-overload]
            for p in found:
                row[p.value] = int(row[p.value]) + 1  # type: ignore[call-overload]
        return [rows[k] for k in sorted(rows)]


def supervise(engine: Engine, actor: Actor, *, today: dt.date | None = None, request_id: str = "") -> SupervisionReport:
    """The four checks for every eliminated household of the actor's jurisdiction on ``today``."""
    day = today or local_date(dt.datetime.now(dt.UTC))
    scope = scope_prefix(actor.jurisdiction)
    with auditing.refusals_audited(engine, actor, "supervision.report", f"division:{actor.jurisdiction}", request_id):
        require(actor.role, Permission.CASE_READ)
        checked_day(day)  # 2000–2199: a caller may send any date; the schedules run months past it
        report = SupervisionReport(day, scope)
        with engine.begin() as conn:
            cases = eliminated_cases(conn, scope)
            households = sorted({s.case.household_id for s in cases})
            helpers = helpers_of(conn, households, day)
            visits = visits_of(conn, [s.case.case_id for s in cases])
            for s in cases:
                wf = workflow_by_key(s.workflow_key)
                since = s.case.eliminated_since(wf)
                if since is None or since > day:
                    continue
                stored_plan = plan_store.load_for_case(conn, s.case.case_id, scope)
                due = follow_up_of(s, visits.get(s.case.case_id, []), helpers.get(s.case.household_id, []), day)
                standing = Standing(
                    s.case.household_id, since, len(helpers.get(s.case.household_id, [])),
                    tuple(stored_plan.plan.items) if stored_plan else (), due.due_on if due else None,
                )  # fmt: skip
                report.households.append(
                    HouseholdSupervision(s.case.case_id, s.case.household_id, s.division_code, s.case.state, since,
                                         tuple(gaps(standing, day)))
                )  # fmt: skip
                report.quality += _quality(s)
            detail = {
                "day": day.isoformat(),
                "households": len(report.households),
                "with_gaps": sum(1 for h in report.households if h.gaps),
                "quality_flags": len(report.quality),
            }
            auditing.record_read(conn, actor, "supervision.report", f"division:{actor.jurisdiction}", detail,
                                 request_id=request_id)  # fmt: skip
    return report


def _quality(s: case_store.Stored) -> list[QualityFlag]:
    """The unmet flag criteria recorded on the case's gated steps (the latest elimination's only)."""
    out = []
    steps = s.case.history
    start = max((i for i, x in enumerate(steps) if x.action == "propose_elimination"), default=None)
    for x in steps[start:] if start is not None else ():
        if not x.basis:
            continue
        basis = json.loads(x.basis)
        for r in basis.get("results", ()):
            if not r["met"] and r["severity"] == "flag":
                out.append(QualityFlag(s.case.case_id, s.case.household_id, s.division_code, x.action,
                                       local_date(x.at), r["id"], r["reason"], x.reason))  # fmt: skip
    return out
