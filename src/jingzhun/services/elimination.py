"""Risk elimination of one case: its assessment against the criteria in force, and the gate of the procedure.

The criteria are the policy's (``ResolvedPolicy.elimination``), evaluated by the pure domain
(``domain.elimination``) on the household's store rows, its department events and its case and
plan — the same definition the county batch (``adapters.engine.elimination_duckdb``) is held to.
Like the household page, the household is assessed on the day after its newest income window
when this month's window is not imported yet (``services.assessment.assessment_day``), and the
assessment names the window it read.

The gate (``gate: elimination`` on a workflow step — proposing elimination, the county's two
approvals) refuses the step while a ``block`` criterion is unmet (ELIMINATION_CRITERIA_UNMET,
every reason listed), asks for a reason when a ``flag`` criterion is unmet
(ELIMINATION_FLAG_REASON), and refuses an approval by the wrong method (ELIMINATION_METHOD:
帮扶消除 when measures were started, else 自然消除). What it found is recorded on the step
(``Transition.basis``, JSON), so the decision can be checked later against its evidence.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from jingzhun.adapters.db import case_store, plan_store
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.elimination import (
    CaseFacts,
    EliminationAssessment,
    EliminationMethod,
    assess_household,
    unmet_text,
)
from jingzhun.domain.errors import DomainError
from jingzhun.domain.household import income_window_end
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.policy import PolicyError, load_packs
from jingzhun.policy.workflow_registry import identified_under
from jingzhun.services import auditing
from jingzhun.services.assessment import assessment_day, events_of, household_of
from jingzhun.services.households import household_in_scope, store_rows

GATE = "elimination"


@dataclass(frozen=True, slots=True)
class CaseAssessment:
    """A case's household against the elimination criteria on a day, and what that was read from."""

    case_id: str
    household_id: str
    on: dt.date  # the day asked
    as_of: dt.date  # the day assessed (``on``, or the day after the newest income window)
    window: str  # the income window read, e.g. "2026-11"
    policy: str  # id@version#hash
    assessment: EliminationAssessment

    def basis(self) -> str:
        """The assessment as the JSON recorded on a gated step."""
        a = self.assessment
        return json.dumps(
            {
                "policy": self.policy, "on": self.on.isoformat(), "as_of": self.as_of.isoformat(),
                "window": self.window, "eligible": a.eligible, "method": a.method.value,
                "results": [{"id": r.criterion_id, "severity": r.severity.value, "met": r.met, "reason": r.reason}
                            for r in a.results],
                "evidence": a.evidence, "open_rules": list(a.open_rules),
            },
            ensure_ascii=False, sort_keys=True,
        )  # fmt: skip


def assess_stored(conn: Connection, stored: case_store.Stored, actor: Actor, on: dt.date) -> CaseAssessment:
    """Assess a loaded case's household on ``on`` (no audit: the caller's use case records it)."""
    case = stored.case
    rows = store_rows(conn, household_in_scope(conn, case.household_id, actor))
    hh = household_of(rows)
    as_of, _ = assessment_day(hh, on)
    policy = _policy(stored.division_code, on)
    plan = plan_store.load_for_case(conn, case.case_id, scope_prefix(actor.jurisdiction))
    facts = CaseFacts.of(case, identified_under(case.phases, stored.workflow_key), plan.plan if plan else None, on)
    a = assess_household(hh, events_of(rows.events), as_of, policy, facts)
    ref = f"{policy.policy_id}@{policy.version}#{policy.content_hash[:12]}"
    return CaseAssessment(case.case_id, case.household_id, on, as_of, str(income_window_end(as_of)), ref, a)


def assess_case(
    engine: Engine, case_id: str, actor: Actor, *, on: dt.date | None = None, request_id: str = ""
) -> CaseAssessment:
    """The case's household against the elimination criteria today (or ``on``): an audited read."""
    day = on or local_date(dt.datetime.now(dt.UTC))
    with auditing.refusals_audited(engine, actor, "elimination.assess", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_READ)
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            found = assess_stored(conn, stored, actor, day)
            detail = {"on": day.isoformat(), "eligible": found.assessment.eligible, "policy": found.policy}
            auditing.record_read(conn, actor, "elimination.assess", f"case:{case_id}", detail, request_id=request_id)
    return found


def check_gate(conn: Connection, stored: case_store.Stored, action: str, actor: Actor, on: dt.date, reason: str) -> str:
    """Run the elimination gate for ``action`` on ``on``; the basis to record, or a refusal."""
    found = assess_stored(conn, stored, actor, on)
    a = found.assessment
    if a.blocked:
        raise DomainError("ELIMINATION_CRITERIA_UNMET", f"不符合风险消除条件：{unmet_text(a.blocked)}")
    if a.flagged and not reason.strip():
        raise DomainError("ELIMINATION_FLAG_REASON", f"{unmet_text(a.flagged)}", field="reason")
    # the county's approval names a method; an earlier gated step (proposing, say) names none
    approvals = {m.action for m in EliminationMethod}
    if action in approvals and action != a.method.action:
        why = "本户有已实施的帮扶措施" if a.method is EliminationMethod.ASSISTANCE else "本户没有已实施的帮扶措施"
        raise DomainError("ELIMINATION_METHOD", f"{why}，应按“{a.method.label}”审批")
    return found.basis()


def _policy(division_code: str, on: dt.date) -> ResolvedPolicy:
    try:
        return load_packs().resolve(division_code[:6].ljust(12, "0"), on)
    except PolicyError as e:
        raise DomainError("ELIMINATION_NO_POLICY", f"本地没有在 {on} 生效的风险消除条件：{e.message}") from None
