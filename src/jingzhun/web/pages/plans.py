"""The household plan page (一户一策): measures and their progress, the two floors, the effect,
the recommended measures per confirmed risk, and who changed what and why.

``GET /cases/{id}/plan`` is ``services.plans.view_plan`` (an audited ``plan.read``); each form
posts to one use case — 加入计划 ``add_measure``, 调整 ``change_measure``, 开始实施 · 已落实 ·
结束 · 取消 ``move_measure``, 成效复核 ``review_plan`` — and a success answers with the page
again (303). Every form carries the plan version it was drawn from: a form drawn before someone
else changed the plan is refused (PLAN_VERSION, 409) and the page says so instead of
overwriting; any refusal shows the page again with the reason beside the form and what was
typed kept (a stale adjustment is listed beside the current values, not put into the form, so
a second click cannot overwrite the other change unseen). Members are named by number with the
masked ID as a check (``web.plan_refs``): no full ID number is ever put into the page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from jingzhun.domain.access import ACCESS_CODES, Permission, allows
from jingzhun.domain.categories import risk_table
from jingzhun.domain.errors import DomainError
from jingzhun.domain.measures import MeasureRole, MeasureType, Provider
from jingzhun.domain.plans import ItemStatus, Option, PlanItem, RiskOptions
from jingzhun.services import plans
from jingzhun.services.auth import Session
from jingzhun.services.plans import PlanView
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.pages.plan_forms import FORM, Typed
from jingzhun.web.plan_refs import members_of, numbers_of, person_of
from jingzhun.web.templating import templates

router = APIRouter()

# The words of the buttons that take an item to each status; which buttons an item shows is the
# domain's lifecycle (``ItemStatus.next``), and the plan decides (ITEM_STATUS) whatever is posted.
STEP_WORDS = {
    ItemStatus.IN_PROGRESS: "开始实施",
    ItemStatus.DELIVERED: "已落实",
    ItemStatus.ENDED: "结束",
    ItemStatus.CANCELLED: "取消",
}
STEPS: dict[ItemStatus, tuple[tuple[ItemStatus, str], ...]] = {
    status: tuple((n, STEP_WORDS[n]) for n in status.next) for status in ItemStatus if status.next
}
# Safety-net support a "stack the safety net" proposal points to (dibao, tekun, temporary assistance).
SAFETY_NET_TYPES = frozenset({MeasureType.DIBAO, MeasureType.TEKUN, MeasureType.TEMPORARY_ASSISTANCE})


def add_form_id(measure_id: str, risk_code: str, member: int | None) -> str:
    return f"add-{measure_id}-{risk_code}-{member or 0}"


def plan_context(request: Request, session: Session, view: PlanView, **extra: object) -> dict[str, object]:
    ctx = view.context
    role = session.actor.role
    numbers = numbers_of(view)
    risks = risk_table(ctx.policy.risk_types) if ctx.policy else risk_table()
    # each risk's options with the id of its 加入计划 form
    groups = [(r, [(o, add_form_id(o.measure.measure_id, r.risk_code, numbers.get(o.person_id or "")))
                   for o in r.options]) for r in view.recommendations]  # fmt: skip
    safety_net: dict[tuple[str, str | None], tuple[RiskOptions, Option, str]] = {}
    for r, options in groups:
        for o, fid in options:
            if o.measure.type in SAFETY_NET_TYPES or o.measure.role is MeasureRole.SAFETY_NET:
                safety_net.setdefault((o.measure.measure_id, o.person_id), (r, o, fid))
    typed = extra.get("typed")
    shown = {fid for _, options in groups for _, fid in options} | {"review"}
    shown |= {f"{k}-{i.item_id}" for i in _items(view) for k in ("change", "move")}
    apart = isinstance(typed, Typed) and (
        (typed.stale and not typed.form.startswith("add-")) or typed.form not in shown
    )
    return {
        "request": request,
        "session": session,
        "view": view,
        "case": ctx.case,
        "items": _items(view),
        "version": view.plan.version if view.plan else 0,
        "can_edit": allows(role, Permission.PLAN_EDIT) and view.measures_allowed and ctx.policy is not None,
        "can_read_households": allows(role, Permission.HOUSEHOLD_READ),
        "members": {m.person_id: m for m in members_of(view)},
        "risk_labels": {code: t.label for code, t in risks.items()},
        "groups": groups,
        "safety_net": list(safety_net.values()),
        "steps": STEPS,
        "providers": list(Provider),
        "today": ctx.on,
        # a refused form that is not on the page any more, or a stale change: its values are listed apart
        "typed_apart": apart,
        **extra,
    }


def _items(view: PlanView) -> list[PlanItem]:
    return list(view.plan.items) if view.plan else []


def _page(
    request: Request, session: Session, view: PlanView, typed: Typed | None = None, status_code: int = 200
) -> Response:
    flash = None
    if typed is not None and typed.errors:
        flash = f"未办理：{typed.message}"
        if typed.stale:
            now = view.plan.version if view.plan else 0
            was = typed.get("expected_version")
            flash = (f"未办理：帮扶计划已被他人修改（您的表单是第 {was} 版，现在是第 {now} 版），"
                     "本次填写未保存。下面是最新的计划，请核对后重新提交。")  # fmt: skip
    context = plan_context(request, session, view, typed=typed, flash=flash, flash_kind="error")
    return templates.TemplateResponse(request, "plan.html", context, status_code=status_code)


def _refused(
    request: Request,
    session: Session,
    engine: Engine,
    rid: str,
    case_id: str,
    typed: Typed,
    error: DomainError,
    view: PlanView | None = None,
) -> Response:
    """The page again with the refusal beside the form; out of scope and permissions stay the app's error page.

    ``view``: the plan as read just before the refused change, shown unless the refusal is that
    the plan changed meanwhile (then it is read again, to show the other change).
    """
    if error.code in ACCESS_CODES or error.code.endswith("NOT_FOUND"):
        raise error
    typed.refuse(error)
    if view is None or typed.stale:
        view = plans.view_plan(engine, case_id, session.actor, request_id=rid)
    return _page(request, session, view, typed, 409 if typed.stale else 422)


def _unreadable(request: Request, session: Session, engine: Engine, rid: str, case_id: str, typed: Typed) -> Response:
    """The page again with the fields that could not be read marked (422); nothing was asked of the plan."""
    return _page(request, session, plans.view_plan(engine, case_id, session.actor, request_id=rid), typed, 422)


def _done(case_id: str, message: str, anchor: str = "") -> Response:
    target = f"/cases/{quote(case_id)}/plan?done={quote(message)}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303)


@router.get("/cases/{case_id}/plan", response_class=HTMLResponse)
def plan_page(request: Request, case_id: str, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    view = plans.view_plan(engine, case_id, session.actor, request_id=rid)
    context = plan_context(request, session, view, flash=request.query_params.get("done"))
    return templates.TemplateResponse(request, "plan.html", context)


Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=64)]


@router.post("/cases/{case_id}/plan/items", response_class=HTMLResponse)
def add_item(
    request: Request,
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    measure_id: Short,
    risk_code: Short,
    expected_version: Short,
    member: Short = "",
    member_check: Short = "",
    amount: Short = "",
    term_months: Short = "",
    start: Short = "",
    end: Short = "",
    note: Text = "",
    reason: Text = "",
) -> Response:
    """加入计划: one recommended measure, for the household or the member the form names."""
    number = int(member) if member.isascii() and member.isdigit() and len(member) < 4 else None
    typed = Typed(add_form_id(measure_id, risk_code, number),
                  {"measure_id": measure_id, "risk_code": risk_code, "expected_version": expected_version,
                   "member": member, "amount": amount, "term_months": term_months, "start": start, "end": end,
                   "note": note, "reason": reason})  # fmt: skip
    view = plans.view_plan(engine, case_id, session.actor, request_id=rid)  # the members, and the page if refused
    amount_fen, months = typed.fen("amount"), typed.months("term_months")
    first, last, version = typed.day("start"), typed.day("end"), typed.version()
    person = None
    try:
        if member:
            person = person_of(view, number or 0, member_check)
    except DomainError as e:
        typed.refuse(e)
    if typed.errors:
        return _page(request, session, view, typed, 422)
    try:
        plan = plans.add_measure(
            engine, case_id, session.actor, measure_id=measure_id, risk_codes=[risk_code], person_id=person,
            amount_fen=amount_fen, term_months=months, start=first, end=last, note=note, reason=reason,
            expected_version=version, request_id=rid,
        )  # fmt: skip
    except DomainError as e:
        return _refused(request, session, engine, rid, case_id, typed, e, view)
    item = plan.items[-1]
    return _done(case_id, f"已加入计划：{item.item_id}（第 {plan.version} 版）", item.item_id)


@router.post("/cases/{case_id}/plan/items/{item_id}", response_class=HTMLResponse)
def change_item(
    request: Request,
    case_id: str,
    item_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    expected_version: Short,
    amount: Short = "",
    term_months: Short = "",
    start: Short = "",
    end: Short = "",
    provider: Short = "",
    fund_source: Annotated[str, Form(max_length=200)] = "",
    note: Text = "",
    reason: Text = "",
) -> Response:
    """调整: the item's amount, term, dates, provider, fund source and note, with a reason (unchanged ones stay)."""
    typed = Typed(f"change-{item_id}",
                  {"expected_version": expected_version, "amount": amount, "term_months": term_months,
                   "start": start, "end": end, "provider": provider, "fund_source": fund_source, "note": note,
                   "reason": reason})  # fmt: skip
    changes = {"amount_fen": typed.fen("amount"), "term_months": typed.months("term_months"),
               "start": typed.day("start"), "end": typed.day("end"), "fund_source": fund_source.strip(),
               "note": note.strip()}  # fmt: skip
    if provider:  # a department or force of the catalogue's list; the form offers nothing else
        changes["provider"] = provider
    version = typed.version()
    if typed.errors:
        return _unreadable(request, session, engine, rid, case_id, typed)
    try:
        plan = plans.change_measure(
            engine, case_id, session.actor, item_id, reason=reason, expected_version=version, request_id=rid, **changes
        )
    except DomainError as e:
        return _refused(request, session, engine, rid, case_id, typed, e)
    if plan.version == version:
        return _done(case_id, f"{item_id} 没有改动", item_id)
    return _done(case_id, f"已调整 {item_id}（第 {plan.version} 版）", item_id)


@router.post("/cases/{case_id}/plan/items/{item_id}/status", response_class=HTMLResponse)
def move_item(
    request: Request,
    case_id: str,
    item_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    status: Short,
    expected_version: Short,
    on: Short = "",
    amount: Short = "",
    reason: Text = "",
) -> Response:
    """开始实施 · 已落实 · 结束 · 取消 on a day (today unless given); a cancellation needs a reason.

    ``amount``: the amount actually granted or paid, in yuan, when it differs from the planned one
    (a loan approved lower, a grant paid in part); checked against the measure's caps like any change.
    """
    typed = Typed(f"move-{item_id}", {"expected_version": expected_version, "status": status, "on": on,
                                      "amount": amount, "reason": reason})  # fmt: skip
    day, version, fen = typed.day("on"), typed.version(), typed.fen("amount")
    try:
        target = ItemStatus(status)
    except ValueError:
        typed.errors[FORM] = "请选择措施的新进度"
    if typed.errors:
        return _unreadable(request, session, engine, rid, case_id, typed)
    try:
        plan = plans.move_measure(
            engine, case_id, session.actor, item_id, target, on=day, reason=reason, amount_fen=fen,
            expected_version=version, request_id=rid,
        )  # fmt: skip
    except DomainError as e:
        return _refused(request, session, engine, rid, case_id, typed, e)
    return _done(case_id, f"{item_id} {target.label}（第 {plan.version} 版）", item_id)


@router.post("/cases/{case_id}/plan/reviews", response_class=HTMLResponse)
def review(
    request: Request,
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    expected_version: Short,
    note: Text = "",
) -> Response:
    """成效复核: the income re-checked from the latest window, the verdict recorded as a version."""
    typed = Typed("review", {"expected_version": expected_version, "note": note})
    version = typed.version()
    if typed.errors:
        return _unreadable(request, session, engine, rid, case_id, typed)
    try:
        plan = plans.review_plan(engine, case_id, session.actor, note=note, expected_version=version, request_id=rid)
    except DomainError as e:
        return _refused(request, session, engine, rid, case_id, typed, e)
    return _done(case_id, f"已记录成效复核（第 {plan.version} 版）", "effect")
