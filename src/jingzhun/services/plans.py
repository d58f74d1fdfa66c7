"""Plan use cases: read a case's plan with its recommendations and checks, change it, review its effect.

Each call is one transaction with its audit event (``plan.read``, ``plan.add_measure``,
``plan.change_measure``, ``plan.move_measure``, ``plan.review``); a refusal is audited too.
Scoping is the case's: a plan is found through its case, inside the actor's jurisdiction.

The catalogue is the one in the policy in force for the household's county on the day (as
the live assessment resolves it), and every version records which policy (id@version#hash)
its change was checked against. Eligibility is judged on the household's facts on the
measure's status day — the first day of term for Yulu — from the case's own history.

Measures may be planned once the case allows them (announced, monitoring, green channel:
``Case.measures_allowed``), and only for risks the household visit confirmed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from jingzhun.adapters.db import case_store, plan_store
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case
from jingzhun.domain.categories import risk_table
from jingzhun.domain.chain import coverage, entries_from_events
from jingzhun.domain.deadlines import add_months, local_date
from jingzhun.domain.eligibility import MonitoringStatus, household_facts, members_facts
from jingzhun.domain.errors import DomainError
from jingzhun.domain.features import DepartmentEvent
from jingzhun.domain.household import Household, income_window_end
from jingzhun.domain.measures import Measure, Target, check_eligibility
from jingzhun.domain.plans import (
    AssistancePlan,
    Check,
    Effect,
    ItemStatus,
    PlanItem,
    Review,
    RiskOptions,
    assess_effect,
    plan_checks,
    recommend,
)
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.domain.rules import Value
from jingzhun.domain.workflow import WorkflowDefinition
from jingzhun.policy import PolicyError, load_packs
from jingzhun.policy.workflow_registry import identified_under, workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.assessment import assessment_day, events_of, household_of
from jingzhun.services.cases import action_time
from jingzhun.services.households import household_in_scope, mask_id, store_rows


@dataclass(frozen=True, slots=True)
class PlanContext:
    """Everything a plan decision reads, loaded in one transaction."""

    case: Case
    workflow: WorkflowDefinition
    division_code: str
    household: Household
    events: tuple[DepartmentEvent, ...]
    stored: plan_store.Stored | None
    policy: ResolvedPolicy | None
    no_policy_reason: str
    on: dt.date

    @property
    def plan_items(self) -> tuple[PlanItem, ...]:
        return tuple(self.stored.plan.items) if self.stored else ()

    @property
    def catalogue(self) -> tuple[Measure, ...]:
        return self.policy.measures if self.policy else ()

    @property
    def policy_ref(self) -> str:
        p = self.policy
        return f"{p.policy_id}@{p.version}#{p.content_hash[:12]}" if p else "-"

    def monitored_on(self, day: dt.date) -> bool:
        return self.case.monitored_on(identified_under(self.case.phases, self.workflow.key), day)

    def chain_measures(self, day: dt.date) -> set[str]:
        """Measure ids the household receives on ``day``: running plan items, and department records whose
        coverage (``domain.chain.coverage``, the same the chain check uses) includes the day."""
        out = {i.measure_id for i in self.plan_items if i.covers(day)}
        homes = {m.person_id.value: self.household.household_id for m in self.household.members}
        by_id = {m.measure_id: m for m in self.catalogue}
        divisions = {self.household.household_id: self.division_code}
        for entry in entries_from_events(self.events, self.catalogue, homes, divisions):
            first, last = coverage(by_id[entry.measure_id], entry)
            if first <= day <= last:
                out.add(entry.measure_id)
        return out

    def facts_on(self, day: dt.date) -> dict[str, Value]:
        received = {m.type.value for m in self.catalogue if m.measure_id in self.chain_measures(day)}
        status = MonitoringStatus(
            monitored=self.monitored_on(day),
            eliminated=self.case.eliminated_on(self.workflow, day),
            category=self.case.category,
            receives_dibao="dibao" in received,
            receives_tekun="tekun" in received,
        )
        day_for_window, _ = assessment_day(self.household, day)
        return household_facts(self.household, status, window=income_window_end(day_for_window))


def _load(conn: Connection, case_id: str, actor: Actor, on: dt.date) -> PlanContext:
    scope = scope_prefix(actor.jurisdiction)
    stored_case = case_store.load(conn, case_id, scope)
    rows = store_rows(conn, household_in_scope(conn, stored_case.case.household_id, actor))
    hh = household_of(rows)
    policy, reason = None, ""
    try:
        policy = load_packs().resolve(stored_case.division_code[:6].ljust(12, "0"), on)
    except PolicyError as e:
        reason = e.message
    return PlanContext(
        stored_case.case, workflow_by_key(stored_case.workflow_key), stored_case.division_code, hh,
        tuple(events_of(rows.events)), plan_store.load_for_case(conn, case_id, scope), policy, reason, on,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlanView:
    """A case's plan as a caseworker sees it: items, history, what is recommended and what is missing."""

    context: PlanContext
    plan: AssistancePlan | None
    measures_allowed: bool
    recommendations: tuple[RiskOptions, ...]
    checks: tuple[Check, ...]
    effect: Effect | None
    member_names: Mapping[str, str]  # person id → name
    masked_ids: Mapping[str, str]
    review_due: dt.date | None = None  # next effect review (plan_review_months after the last, or the plan's start)

    @property
    def review_overdue(self) -> bool:
        return self.review_due is not None and self.review_due < self.context.on

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.context.catalogue if m.measure_id == measure_id), None)


def view_plan(
    engine: Engine, case_id: str, actor: Actor, *, today: dt.date | None = None, request_id: str = ""
) -> PlanView:
    """The case's plan (or none yet), recommendations for its confirmed risks, the plan rules and its effect."""
    on = today or local_date(dt.datetime.now(dt.UTC))
    with auditing.refusals_audited(engine, actor, "plan.read", f"case:{case_id}", request_id):
        require(actor.role, Permission.PLAN_READ)
        with engine.begin() as conn:
            ctx = _load(conn, case_id, actor, on)
            auditing.record_read(conn, actor, "plan.read", f"case:{case_id}", request_id=request_id)
    return _view(ctx)


def _view(ctx: PlanContext) -> PlanView:
    hh = ctx.household
    names = {m.person_id.value: m.name for m in hh.members}
    masked = {pid: mask_id(pid) for pid in names}
    allowed = ctx.case.measures_allowed(ctx.workflow)
    if ctx.policy is None:
        return PlanView(ctx, ctx.stored.plan if ctx.stored else None, allowed, (), (), None, names, masked)
    facts = ctx.facts_on(ctx.on)
    others = {m.status_day(ctx.on) for m in ctx.catalogue} - {ctx.on}
    has = [
        (i.measure_id, i.person_id) for i in ctx.plan_items if i.status not in (ItemStatus.CANCELLED, ItemStatus.ENDED)
    ]
    labels = {code: t.label for code, t in risk_table(ctx.policy.risk_types).items()}
    recs = recommend(
        ctx.catalogue, ctx.case.risk_codes if ctx.case.confirmed else (), labels, facts,
        members_facts(hh, ctx.on), names, ctx.policy.params, on=ctx.on,
        household_on={d: ctx.facts_on(d) for d in others}, has=has,
    )  # fmt: skip
    checks = plan_checks(facts, ctx.catalogue, ctx.plan_items, ctx.chain_measures(ctx.on))
    effect = _effect(ctx, facts) if ctx.stored else None
    plan = ctx.stored.plan if ctx.stored else None
    due = review_due(plan, ctx.policy.params.get("plan_review_months", 3)) if plan else None
    return PlanView(ctx, plan, allowed, recs if allowed else (), checks, effect, names, masked, due)


def review_due(plan: AssistancePlan, months: int) -> dt.date:
    """When the next effect review falls due: ``months`` after the last review, or after the plan was made."""
    last = plan.reviews[-1].at if plan.reviews else plan.created_at
    return add_months(local_date(last), months)


def _effect(ctx: PlanContext, facts: Mapping[str, Value]) -> Effect:
    assert ctx.policy is not None
    day, _ = assessment_day(ctx.household, ctx.on)
    window = income_window_end(day)
    last_day = dt.date(window.year, window.month, calendar.monthrange(window.year, window.month)[1])
    net = facts.get("net_income_fen")
    return assess_effect(
        ctx.plan_items, ctx.catalogue, members=ctx.household.size, net_income_fen=None if net is None else int(net),
        window_end=last_day if net is not None else None, threshold_fen=ctx.policy.monitoring_threshold_fen,
        on=ctx.on, able_labourers=ctx.household.able_labourers,
    )  # fmt: skip


def _editable(ctx: PlanContext) -> ResolvedPolicy:
    if ctx.policy is None:
        raise DomainError("POLICY_NOT_FOUND", f"没有适用的帮扶措施目录：{ctx.no_policy_reason}")
    if not ctx.case.measures_allowed(ctx.workflow):
        raise DomainError("CASE_NO_MEASURES", "案件尚未审批纳入（或未走绿色通道），还不能制定帮扶措施")
    return ctx.policy


def _write(
    engine: Engine,
    case_id: str,
    actor: Actor,
    action: str,
    expected_version: int | None,
    change: Any,
    request_id: str,
) -> AssistancePlan:
    """Load, apply ``change(ctx, plan, policy, at) -> detail``, save, audit — one transaction."""
    with auditing.refusals_audited(engine, actor, action, f"case:{case_id}", request_id):
        require(actor.role, Permission.PLAN_EDIT)
        at = action_time(None)
        with engine.begin() as conn:
            ctx = _load(conn, case_id, actor, local_date(at))
            policy = _editable(ctx)
            stored = ctx.stored
            if stored is not None and expected_version is not None and stored.version != expected_version:
                raise DomainError("PLAN_VERSION", "帮扶计划已被他人修改，请刷新后重试")
            plan = (
                stored.plan
                if stored
                else AssistancePlan(f"P{uuid.uuid4().hex[:12]}", case_id, ctx.case.household_id, at)
            )
            detail = change(ctx, plan, policy, at)
            plan_store.save(conn, plan, ctx.division_code, expected_version=stored.version if stored else None)
            detail = {**detail, "plan": plan.plan_id, "version": plan.version}
            auditing.record(conn, actor, action, f"case:{case_id}", detail, request_id=request_id)
    return plan


def _measure(policy: ResolvedPolicy, measure_id: str) -> Measure:
    m = policy.measure(measure_id)
    if m is None:
        raise DomainError("MEASURE_UNKNOWN", f"措施目录（{policy.policy_id}）中没有 {measure_id}", field="measure_id")
    return m


def add_measure(
    engine: Engine,
    case_id: str,
    actor: Actor,
    *,
    measure_id: str,
    risk_codes: Sequence[str],
    person_id: str | None = None,
    amount_fen: int | None = None,
    term_months: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    provider: str = "",
    fund_source: str = "",
    note: str = "",
    reason: str = "",
    expected_version: int | None = None,
    request_id: str = "",
) -> AssistancePlan:
    """Add a catalogue measure for confirmed risks, if the household (member) is eligible on its status day."""

    def change(ctx: PlanContext, plan: AssistancePlan, policy: ResolvedPolicy, at: dt.datetime) -> dict[str, Any]:
        m = _measure(policy, measure_id)
        codes = [c for c in dict.fromkeys(risk_codes) if c]
        confirmed = set(ctx.case.risk_codes) if ctx.case.confirmed else set()
        if not codes or not set(codes) <= confirmed:
            shown = "、".join(sorted(confirmed)) or "无"
            raise DomainError(
                "RISK_NOT_CONFIRMED", f"措施须针对入户核实确认的风险（已确认：{shown}）", field="risk_codes"
            )
        uncovered = [c for c in codes if not m.addresses_risk(c)]
        if uncovered:
            raise DomainError("MEASURE_RISK", f"{m.label} 不针对风险 {'、'.join(uncovered)}", field="risk_codes")
        members = members_facts(ctx.household, ctx.on)
        if m.target is Target.PERSON and person_id not in members:
            raise DomainError("PERSON_NOT_IN_HOUSEHOLD", f"{m.label} 须指定本户成员", field="person_id")
        pid = person_id if m.target is Target.PERSON else None
        if any(
            i.measure_id == m.measure_id
            and i.person_id == pid
            and i.status not in (ItemStatus.CANCELLED, ItemStatus.ENDED)
            for i in plan.items
        ):
            raise DomainError("MEASURE_DUPLICATE", f"计划中已有同一对象的 {m.label}，请调整原措施而不是重复添加")
        facts = ctx.facts_on(m.status_day(ctx.on))
        e = check_eligibility(m, facts, members.get(pid) if pid else None, policy.params, on=ctx.on, person_id=pid)
        item = plan.add_item(
            m, e, risk_codes=codes, by=actor.actor_id, role=actor.role.value, at=at, reason=reason,
            catalogue=ctx.policy_ref, amount_fen=amount_fen, term_months=term_months, start=start, end=end,
            provider=provider, fund_source=fund_source, note=note,
        )  # fmt: skip
        return {"item": item.item_id, "measure": m.measure_id, "person": mask_id(pid) if pid else None}

    return _write(engine, case_id, actor, "plan.add_measure", expected_version, change, request_id)


def change_measure(
    engine: Engine,
    case_id: str,
    actor: Actor,
    item_id: str,
    *,
    reason: str,
    expected_version: int | None = None,
    request_id: str = "",
    **changes: object,
) -> AssistancePlan:
    """Adjust an item (amount, term, dates, provider, fund source, note) with a reason."""

    def change(ctx: PlanContext, plan: AssistancePlan, policy: ResolvedPolicy, at: dt.datetime) -> dict[str, Any]:
        m = _measure(policy, plan.item(item_id).measure_id)
        plan.change_item(item_id, m, by=actor.actor_id, role=actor.role.value, at=at, reason=reason,
                         catalogue=ctx.policy_ref, **changes)  # fmt: skip
        return {"item": item_id, "fields": sorted(changes)}

    return _existing(engine, case_id, actor, "plan.change_measure", expected_version, change, request_id)


def move_measure(
    engine: Engine,
    case_id: str,
    actor: Actor,
    item_id: str,
    status: ItemStatus,
    *,
    on: dt.date | None = None,
    reason: str = "",
    amount_fen: int | None = None,
    expected_version: int | None = None,
    request_id: str = "",
) -> AssistancePlan:
    """A lifecycle step of an item (started, delivered, ended, cancelled) on a day (today by default)."""

    def change(ctx: PlanContext, plan: AssistancePlan, policy: ResolvedPolicy, at: dt.datetime) -> dict[str, Any]:
        day = on or ctx.on
        if day > ctx.on:
            raise DomainError("TIME_IN_FUTURE", f"日期 {day} 晚于今天，不能预先登记")
        m = _measure(policy, plan.item(item_id).measure_id)
        plan.move_item(item_id, status, by=actor.actor_id, role=actor.role.value, at=at, on=day, reason=reason,
                       catalogue=ctx.policy_ref, amount_fen=amount_fen, measure=m)  # fmt: skip
        return {"item": item_id, "status": status.value, "on": day.isoformat()}

    return _existing(engine, case_id, actor, "plan.move_measure", expected_version, change, request_id)


def review_plan(
    engine: Engine,
    case_id: str,
    actor: Actor,
    *,
    note: str = "",
    expected_version: int | None = None,
    request_id: str = "",
) -> AssistancePlan:
    """Record an effect review: the income re-check from the latest window, and the verdict."""

    def change(ctx: PlanContext, plan: AssistancePlan, policy: ResolvedPolicy, at: dt.datetime) -> dict[str, Any]:
        effect = _effect(ctx, ctx.facts_on(ctx.on))
        day, _ = assessment_day(ctx.household, ctx.on)
        window = str(income_window_end(day)) if effect.per_capita_fen is not None else ""
        review = Review(at, actor.actor_id, window, effect.per_capita_fen, effect.projected_fen,
                        effect.threshold_fen, effect.verdict.value, effect.findings, note.strip())  # fmt: skip
        plan.add_review(review, role=actor.role.value, catalogue=ctx.policy_ref)
        return {"verdict": effect.verdict.value, "window": window}

    return _existing(engine, case_id, actor, "plan.review", expected_version, change, request_id)


def _existing(
    engine: Engine, case_id: str, actor: Actor, action: str, expected_version: int | None, change: Any, request_id: str
) -> AssistancePlan:
    def guarded(ctx: PlanContext, plan: AssistancePlan, policy: ResolvedPolicy, at: dt.datetime) -> dict[str, Any]:
        if ctx.stored is None:
            raise DomainError("PLAN_NOT_FOUND", f"案件 {case_id} 还没有帮扶计划")
        result: dict[str, Any] = change(ctx, plan, policy, at)
        return result

    return _write(engine, case_id, actor, action, expected_version, guarded, request_id)
