"""The API's household plans (一户一策): read a case's plan, add, change and move measures, review its effect.

The same use cases as the plan page (``services.plans``): scoped through the case (another
jurisdiction's case is 404), permission-checked (``plan.read``; ``plan.edit`` to change),
audited, and checked against the catalogue in force. A change answers with the plan as it now
stands, read again through ``view_plan`` and so audited as a read, like the page a cadre is sent
back to. ID numbers leave only masked — in the members, items and options, and in free text.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path

from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.categories import risk_table
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import mask_identifiers
from jingzhun.domain.measures import Measure, Provider
from jingzhun.domain.plans import EffectVerdict, Option, PlanItem, PlanVersion, Review
from jingzhun.domain.workflow import Role
from jingzhun.services import plans
from jingzhun.services.plans import PlanView
from jingzhun.web.api import plan_models as pm
from jingzhun.web.api.deps import CurrentActor, EngineDep, NoQuery, RequestId
from jingzhun.web.api.models import Labelled
from jingzhun.web.api.problems import documented
from jingzhun.web.api.routes import CaseId
from jingzhun.web.api.views import instant
from jingzhun.web.plan_refs import members_of, numbers_of, person_of

router = APIRouter(responses=documented(401))

ItemId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00-\x20\x7f]+$", examples=["I1"])]
WRITE = documented(400, 403, 404, 409, 422)


def _in_range(**days: dt.date | None) -> None:
    for name, day in days.items():
        if day is not None and not pm.FIRST_DAY <= day <= pm.LAST_DAY:
            raise DomainError("DATE_OUT_OF_RANGE", f"日期 {day} 不在 2000–2099 年之间", field=name)


def _measure(m: Measure) -> pm.MeasureOut:
    return pm.MeasureOut(
        measure_id=m.measure_id, label=m.label, type=m.type, type_label=m.type.label, role=m.role,
        role_label=m.role.label, target=m.target, provider=m.provider, provider_label=m.provider.label,
        fund_source=m.fund_source, max_amount_fen=m.max_amount_fen, max_term_months=m.max_term_months,
        expected_income_fen=m.expected_income_fen, effect_months=m.effect_months,
    )  # fmt: skip


def _provider_label(code: str) -> str:
    try:
        return Provider(code).label
    except ValueError:
        return code


def plan_out(view: PlanView) -> pm.PlanOut:
    """The plan view as the API's body: members numbered, IDs masked, labels added."""
    ctx, plan = view.context, view.plan
    numbers = numbers_of(view)
    risks = risk_table(ctx.policy.risk_types) if ctx.policy else risk_table()

    def who(pid: str | None) -> tuple[int | None, str | None, str | None]:
        """(member number, name, masked ID) of the person an item or option is for; all None for the household."""
        if pid is None:
            return None, None, None
        return numbers.get(pid), view.member_names.get(pid), view.masked_ids.get(pid) or mask_identifiers(pid)

    def item(i: PlanItem) -> pm.ItemOut:
        m = view.measure(i.measure_id)
        number, name, masked = who(i.person_id)
        return pm.ItemOut(
            item_id=i.item_id, measure_id=i.measure_id, measure_label=m.label if m else i.measure_id,
            member=number, person_name=name, person_id_masked=masked,
            risk_codes=[Labelled(code=c, label=risks[c].label if c in risks else c) for c in i.risk_codes],
            status=i.status, status_label=i.status.label, provider=i.provider,
            provider_label=_provider_label(i.provider), fund_source=i.fund_source, amount_fen=i.amount_fen,
            term_months=i.term_months, start=i.start, end=i.end, note=mask_identifiers(i.note),
            eligibility=mask_identifiers(i.eligibility),
        )  # fmt: skip

    def option(o: Option) -> pm.OptionOut:
        number, name, masked = who(o.person_id)
        return pm.OptionOut(measure=_measure(o.measure), member=number, person_name=name, person_id_masked=masked,
                            reason=mask_identifiers(o.reason))  # fmt: skip

    e = view.effect
    return pm.PlanOut(
        case_id=ctx.case.case_id, household_id=ctx.case.household_id, on=ctx.on, measures_allowed=view.measures_allowed,
        policy=ctx.policy_ref if ctx.policy else None, no_policy_reason=ctx.no_policy_reason or None,
        plan_id=plan.plan_id if plan else None, version=plan.version if plan else 0,
        created_at=instant(plan.created_at) if plan else None,
        members=[pm.PlanMember(member=x.number, name=x.name, person_id_masked=x.masked) for x in members_of(view)],
        items=[item(i) for i in plan.items] if plan else [],
        checks=[pm.CheckOut(rule=c.rule, label=c.label, applies=c.applies, satisfied=c.satisfied, message=c.message)
                for c in view.checks],
        effect=pm.EffectOut(
            verdict=e.verdict, verdict_label=e.verdict.label, per_capita_fen=e.per_capita_fen,
            projected_fen=e.projected_fen, threshold_fen=e.threshold_fen, findings=list(e.findings),
            stack_safety_net=e.stack_safety_net,
        ) if e else None,
        review_due=view.review_due, review_overdue=view.review_overdue,
        recommendations=[
            pm.RiskOptionsOut(risk_code=r.risk_code, risk_label=r.risk_label, options=[option(o) for o in r.options])
            for r in view.recommendations
        ],
        versions=[_version(v) for v in plan.versions] if plan else [],
        reviews=[_review(r) for r in plan.reviews] if plan else [],
    )  # fmt: skip


def _version(v: PlanVersion) -> pm.VersionOut:
    role = Role(v.role)
    return pm.VersionOut(
        version=v.version, at=instant(v.at), by=v.by, role=role, role_label=ROLE_LABELS[role],
        reason=mask_identifiers(v.reason), changes=[mask_identifiers(c) for c in v.changes], catalogue=v.catalogue,
    )  # fmt: skip


def _review(r: Review) -> pm.ReviewOut:
    verdict = EffectVerdict(r.verdict)
    return pm.ReviewOut(
        at=instant(r.at), by=r.by, window=r.window or None, per_capita_fen=r.per_capita_fen,
        projected_fen=r.projected_fen, threshold_fen=r.threshold_fen, verdict=verdict, verdict_label=verdict.label,
        findings=list(r.findings), note=mask_identifiers(r.note),
    )  # fmt: skip


@router.get(
    "/cases/{case_id}/plan",
    summary="A case's household plan, its recommendations, floor checks and effect (an audited read)",
    responses=documented(403, 404, 422),
    dependencies=[NoQuery],
)
def get_plan(case_id: CaseId, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> pm.PlanOut:
    """Before the first measure there is no plan yet (`plan_id` null, `version` 0): recommendations are still given."""
    return plan_out(plans.view_plan(engine, case_id, actor, request_id=rid))


@router.post(
    "/cases/{case_id}/plan/items",
    status_code=201,
    summary="Add a catalogue measure to the plan",
    responses=WRITE,
    dependencies=[NoQuery],
)
def add_item(case_id: CaseId, body: pm.ItemIn, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> pm.PlanOut:
    """Refused, changing nothing, when the household or member is not eligible (422 MEASURE_NOT_ELIGIBLE, with
    every unmet condition), over a cap (MEASURE_AMOUNT_CAP, MEASURE_TERM_CAP), for a risk the visit did not
    confirm (RISK_NOT_CONFIRMED), before the case allows measures (CASE_NO_MEASURES), or stale (409 PLAN_VERSION)."""
    _in_range(start=body.start, end=body.end)
    person = body.person_id
    if body.member is not None:
        if person is not None:
            raise DomainError("MEMBER_TWICE", "成员只能用 member 或 person_id 之一指定", field="member")
        person = person_of(plans.view_plan(engine, case_id, actor, request_id=rid), body.member)
    plans.add_measure(
        engine, case_id, actor, measure_id=body.measure_id, risk_codes=body.risk_codes, person_id=person,
        amount_fen=body.amount_fen, term_months=body.term_months, start=body.start, end=body.end,
        provider=body.provider.value if body.provider else "", fund_source=body.fund_source, note=body.note,
        reason=body.reason, expected_version=body.expected_version, request_id=rid,
    )  # fmt: skip
    return plan_out(plans.view_plan(engine, case_id, actor, request_id=rid))


@router.patch(
    "/cases/{case_id}/plan/items/{item_id}",
    summary="Adjust an item (amount, term, dates, provider, fund source, note) with a reason",
    responses=WRITE,
    dependencies=[NoQuery],
)
def change_item(
    case_id: CaseId, item_id: ItemId, body: pm.ItemChangeIn, actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> pm.PlanOut:
    """Nothing that differs is nothing changed (no new version). An ended or cancelled item is 422 ITEM_STATUS."""
    _in_range(start=body.changes.start, end=body.changes.end)
    sent = body.changes.model_fields_set
    changes: dict[str, object] = {k: getattr(body.changes, k) for k in ("amount_fen", "term_months", "start", "end")
                                  if k in sent}  # fmt: skip
    for k in ("provider", "fund_source", "note"):
        value = getattr(body.changes, k)
        if value is not None:
            changes[k] = value.value if isinstance(value, Provider) else value
    plans.change_measure(
        engine, case_id, actor, item_id, reason=body.reason, expected_version=body.expected_version, request_id=rid,
        **changes,
    )  # fmt: skip
    return plan_out(plans.view_plan(engine, case_id, actor, request_id=rid))


@router.post(
    "/cases/{case_id}/plan/items/{item_id}/status",
    summary="Move an item on: in_progress, delivered, ended or cancelled",
    responses=WRITE,
    dependencies=[NoQuery],
)
def move_item(
    case_id: CaseId, item_id: ItemId, body: pm.ItemStatusIn, actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> pm.PlanOut:
    """A step the lifecycle does not allow is 422 ITEM_STATUS; a cancellation without a reason 422 REASON_MISSING."""
    _in_range(on=body.on)
    plans.move_measure(
        engine, case_id, actor, item_id, body.status, on=body.on, reason=body.reason, amount_fen=body.amount_fen,
        expected_version=body.expected_version, request_id=rid,
    )  # fmt: skip
    return plan_out(plans.view_plan(engine, case_id, actor, request_id=rid))


@router.post(
    "/cases/{case_id}/plan/reviews",
    status_code=201,
    summary="Record an effect review (成效复核) from the latest income window",
    responses=WRITE,
    dependencies=[NoQuery],
)
def review(case_id: CaseId, body: pm.ReviewIn, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> pm.PlanOut:
    """A case without a plan yet is 404 PLAN_NOT_FOUND."""
    plans.review_plan(engine, case_id, actor, note=body.note, expected_version=body.expected_version, request_id=rid)
    return plan_out(plans.view_plan(engine, case_id, actor, request_id=rid))
