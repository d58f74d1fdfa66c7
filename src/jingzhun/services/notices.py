"""A village's public notice (公示): the households now in the notice step, read, scoped and audited.

Policy notes §4 (永城 2024 [S]): after 村级民主评议 the households are publicised in the village
for at least five days, and objections go to the township. The notice lists the cases of one
village that are in their workflow's notice state (``WorkflowDefinition.notice.state``:
``publicizing`` for identification, ``elimination_publicizing`` for risk elimination), each with
the head of household's name, the village, the confirmed category, the decision publicised
and the notice period — from the day the case entered the notice (Beijing date) to
``notice_last_day``.

Privacy ("谁救助谁公示", ``shared/design/security.md``): name, village and decision only. The
query reads no ID number, phone, health, disability or income column, and the risk codes
(因病, 因残 …) stay off the notice too — they are health and disability details.

Scope: a village outside the actor's jurisdiction, or one the store does not know, is
VILLAGE_NOT_FOUND (a 404), never a hint that it exists. Every read — the HTML preview and the
PDF alike — writes one ``notice.read`` event naming the cases shown, in the read's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.pdf.fonts import CjkFont, find_cjk_font
from jingzhun.adapters.pdf.notice import Notice, NoticeRow, cn_date, cn_period, render_notice
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case
from jingzhun.domain.deadlines import WorkingCalendar, local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import DivisionCode, DivisionLevel, mask_identifiers
from jingzhun.domain.vocab import Relation, label
from jingzhun.domain.workflow import WorkflowDefinition
from jingzhun.policy.workflow_registry import shipped_workflow_list, workflow_by_key
from jingzhun.services import auditing
from jingzhun.services.cases import default_calendar

__all__ = [
    "KINDS", "Notice", "NoticeKind", "NoticeRow", "cn_date", "cn_period", "village_notice", "village_notice_pdf",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class NoticeKind:
    """The wording of one kind of notice (the workflow id it publicises)."""

    title: str
    basis: str  # the steps before the notice, as one clause
    decision: str


KINDS = {
    "identification": NoticeKind(
        "防止返贫致贫对象识别公示",
        "经农户申请、干部排查或部门筛查预警，并经入户核实、信息比对和村级民主评议",
        "拟纳入防止返贫致贫对象",
    ),
    "elimination": NoticeKind(
        "防止返贫监测对象风险消除公示",
        "经入户核实和村级民主评议",
        "拟标注风险消除",
    ),
}
HEAD_RELATIONS = (Relation.HEAD.value, label(Relation.HEAD))  # the code, and 户主 as some exports write it
UNNAMED = "（户主未登记）"


def village_notice(
    engine: Engine,
    actor: Actor,
    village_code: str,
    *,
    kind: str = "identification",
    on: dt.date | None = None,
    calendar: WorkingCalendar | None = None,
    request_id: str = "",
) -> Notice:
    """The notice of ``kind`` for a village in the actor's jurisdiction, dated ``on`` (default today).

    Cases posted after ``on`` were not on that day's notice and are left out. The read is
    audited (``notice.read``, the case ids shown); a refusal is audited too.
    """
    with auditing.refusals_audited(engine, actor, "notice.read", _ref(village_code), request_id):
        require(actor.role, Permission.CASE_READ)
        wording = KINDS.get(kind)
        if wording is None:
            raise DomainError("NOTICE_KIND_UNKNOWN", f"未知的公示类别 {kind}（可选：{'、'.join(KINDS)}）")
        day = on or local_date(dt.datetime.now(dt.UTC))
        with engine.begin() as conn:
            code = _village_in_scope(conn, village_code, scope_prefix(actor.jurisdiction))
            names = _division_names(conn, (code, code[:9] + "000"))
            cases = [(c, wf) for c, wf in _cases_in_notice(conn, code, kind) if _posted(c) <= day]
            heads = _head_names(conn, [c.household_id for c, _ in cases])
            rows, shown = _rows(cases, heads, names.get(code, code), wording.decision, calendar or default_calendar())
            detail = {"kind": kind, "on": day.isoformat(), "cases": shown}
            auditing.record_read(conn, actor, "notice.read", f"division:{code}", detail, request_id=request_id)
    township = names.get(code[:9] + "000", "")
    return Notice(
        kind=kind, title=wording.title, basis=wording.basis, decision=wording.decision, village_code=code,
        village_name=names.get(code, code), township_name=township,
        issuer=f"{township}人民政府" if township else "＿＿＿＿乡（镇）人民政府",
        period=_period_words([wf for _, wf in cases]), dated=day, rows=rows,
    )  # fmt: skip


def village_notice_pdf(
    engine: Engine,
    actor: Actor,
    village_code: str,
    *,
    kind: str = "identification",
    on: dt.date | None = None,
    font: CjkFont | None = None,
    request_id: str = "",
) -> bytes:
    """The notice as a printable PDF. The font is found first: without one nothing is read (FONT_MISSING)."""
    font = font or find_cjk_font()
    notice = village_notice(engine, actor, village_code, kind=kind, on=on, request_id=request_id)
    return render_notice(notice, font)


def _ref(village_code: str) -> str:
    """The audit reference of a requested village: the code, or what was asked for, masked and cut short.

    A division reference is not masked by ``auditing.mask_ref`` (codes are public), so anything
    that is not a 12-digit code — an ID number typed into the address bar — is masked here.
    """
    if len(village_code) == 12 and village_code.isdigit():
        return f"division:{village_code}"
    return f"division:?{mask_identifiers(village_code[:60])}"


def _village_in_scope(conn: Connection, village_code: str, scope: str) -> str:
    """The 12-digit code of a village the store knows (a division or a household's place) inside ``scope``."""
    missing = DomainError("VILLAGE_NOT_FOUND", f"找不到村 {village_code}")
    try:
        code = DivisionCode(village_code).value
    except DomainError:
        raise missing from None
    if DivisionCode(code).level is not DivisionLevel.VILLAGE or not code.startswith(scope):
        raise missing
    d, h = t.divisions.c, t.households.c
    known = (
        conn.execute(select(d.code).where(d.code == code)).first()
        or conn.execute(select(h.household_id).where(h.division_code == code).limit(1)).first()
    )
    if known is None:
        raise missing
    return code


def _division_names(conn: Connection, codes: Sequence[str]) -> dict[str, str]:
    d = t.divisions.c
    return {str(r.code): str(r.name) for r in conn.execute(select(d.code, d.name).where(d.code.in_(list(codes))))}


def _notice_workflows(kind: str) -> dict[str, WorkflowDefinition]:
    """Every shipped definition of ``kind`` that has a notice, by key (variants and versions)."""
    return {w.key: w for w in shipped_workflow_list() if w.id == kind and w.notice is not None}


def _cases_in_notice(conn: Connection, village: str, kind: str) -> list[tuple[Case, WorkflowDefinition]]:
    workflows = _notice_workflows(kind)
    states = sorted({w.notice.state for w in workflows.values() if w.notice is not None})
    c = t.cases.c
    query = select(c.workflow_id, c.document).where(
        c.division_code == village, ~c.closed, c.workflow_id.in_(list(workflows)), c.state.in_(states)
    )
    out = []
    for row in conn.execute(query.order_by(c.case_id)):
        case, wf = case_store.from_document(row.document), workflow_by_key(row.workflow_id)
        if wf.notice is not None and case.state == wf.notice.state:  # a variant may name its notice state otherwise
            out.append((case, wf))
    return out


def _head_names(conn: Connection, household_ids: list[str]) -> dict[str, str]:
    """Each household's head of household: the name only (no other member column is read)."""
    m = t.members.c
    out: dict[str, str] = {}
    for i in range(0, len(household_ids), 500):
        query = select(m.household_id, m.name).where(
            m.household_id.in_(household_ids[i : i + 500]), m.relation.in_(HEAD_RELATIONS)
        )
        for r in conn.execute(query.order_by(m.household_id, m.person_id)):
            out.setdefault(str(r.household_id), str(r.name))
    return out


def _posted(case: Case) -> dt.date:
    """The day the notice was posted: the Beijing date the case entered the notice state."""
    return local_date(case.entered_at())


def _rows(
    cases: list[tuple[Case, WorkflowDefinition]],
    heads: dict[str, str],
    village_name: str,
    decision: str,
    calendar: WorkingCalendar,
) -> tuple[tuple[NoticeRow, ...], list[str]]:
    """The notice's rows, earliest posted first, and the ids of the cases they show (for the audit)."""
    ordered = sorted(cases, key=lambda x: (_posted(x[0]), x[0].opened_at, x[0].case_id))
    rows = []
    for case, wf in ordered:
        posted = _posted(case)
        category = case.category.label if case.category is not None and case.confirmed else "—"
        name = mask_identifiers(heads.get(case.household_id, UNNAMED))
        rows.append(NoticeRow(name, village_name, category, decision, posted, wf.notice_last_day(posted, calendar)))
    return tuple(rows), [c.case_id for c, _ in ordered]


def _period_words(workflows: Sequence[WorkflowDefinition]) -> str:
    """The minimum notice period of the cases shown, in words ("5个自然日"); the shortest if they differ."""
    periods = sorted((w.notice.period for w in workflows if w.notice is not None), key=lambda d: d.days)
    if not periods:
        return "5个自然日"  # nothing is shown; policy notes §4 [S]: 公示不少于5天
    return f"{periods[0].days}个{periods[0].kind.label}"
