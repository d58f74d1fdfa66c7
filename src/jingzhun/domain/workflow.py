"""The case procedure as data: states, transitions, who may act, evidence, notice and time limits.

Identification (policy notes §4, 永城 2024 [S]): 入户核实 with a signed 承诺授权书 → 信息比对 →
村级民主评议 → 公示 (≥ 5 days) → 乡镇审核 → 县级审批 → 结果公告 → monitoring. Risk elimination
(§5) has the same shape. Provinces vary the steps (安徽 has one 评议, 岳普湖 adds a township field
check) and the time limits, so the procedure is a ``WorkflowDefinition`` built from plain
dicts — the policy layer (``jingzhun.policy.workflow_schema``) parses the versioned YAML into
them — and the case aggregate (``cases.py``) only follows what the definition says.

Guarantees a definition must give, checked here so that a mistaken policy file cannot lower
them (``definition_problems``):

* **no level is skipped** — ``path`` is the ordered list of steps to approval; a transition
  into ``path[i]`` (i ≥ 1) may only come from ``path[i-1]``, so whatever detours a case takes
  (returned for information, green channel), it reaches approval only through every step in
  order;
* closed states have no exits; every procedure state has one; actions are unambiguous;
* the read-only roles (auditor, administrator) never move a case;
* a transition that ends the public notice leaves the notice state only.

Variants: a definition has a ``scope`` (a division-code prefix: "" national, "34" Anhui, "532328"
a county) beside its id and version; the policy layer picks, for a place and a day, the in-force
definition of the longest matching scope. ``key`` (``identification@34@2024.1``) names one exact
definition, so a case stores it and keeps the rules it was opened under.

Self-approval (enforced in ``cases.py``): the actor of a transition marked ``review`` must not
have acted on the case in the current pass — the transitions since the case last entered
``path[0]``. So the township reviewer and the county approver are always someone other than the
cadre who verified and submitted the file, and other than each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from jingzhun.domain.categories import MAX_RISKS_PER_CASE, MonitoringCategory, risk_table
from jingzhun.domain.deadlines import (
    DayKind,
    Duration,
    ProcedureDeadline,
    WarningPolicy,
    WorkingCalendar,
    add_months,
    period_ends,
)
from jingzhun.domain.errors import DomainError

Loc = tuple[str | int, ...]
KEY_MAX = 40  # cases.workflow_id is String(40): a longer key could not be stored with the case
SCOPE_LENGTHS = (0, 2, 4, 6, 9, 12)  # national, GB/T 2260 province / prefecture / county, township, village


class Role(StrEnum):
    VILLAGE_CADRE = "village_cadre"  # 村干部 / 帮扶联系人 / 驻村工作队
    TOWNSHIP_REVIEWER = "township_reviewer"  # 乡镇审核
    COUNTY_APPROVER = "county_approver"  # 县级审批（乡村振兴/农业农村部门）
    DEPARTMENT_DATA_OFFICER = "department_data_officer"  # 部门数据比对
    ASSISTANCE_PARTNER = "assistance_partner"  # 帮扶力量
    AUDITOR = "auditor"  # 只读
    ADMINISTRATOR = "administrator"  # 用户与系统管理，不办理案件


READ_ONLY_ROLES = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})
GATES = frozenset({"", "elimination"})  # the checks a step may ask the service for (``TransitionRule.gate``)


class StateKind(StrEnum):
    PROCEDURE = "procedure"  # a step of a procedure in progress
    OPEN = "open"  # the case is open but no procedure runs (e.g. monitoring)
    CLOSED = "closed"  # the case ended (rejected, withdrawn, eliminated); it never changes again


@dataclass(frozen=True, slots=True)
class StateSpec:
    name: str
    label: str
    kind: StateKind
    deadline: Duration | None = None  # time allowed in this state, from the day it was entered
    allows_measures: bool = False  # assistance may start once the case has been here (green channel)
    risk_eliminated: bool = False  # the household's risk counts as eliminated while the case is here


@dataclass(frozen=True, slots=True)
class TransitionRule:
    """One action from some states to one state, and what it takes."""

    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    evidence: tuple[str, ...] = ()  # keys of documents that must be attached
    needs_reason: bool = False
    review: bool = False  # a review or approval: the four-eyes rule applies
    decision: bool = False  # the final decision of the procedure (approval, rejection)
    sets_codes: bool = False  # category and risk codes are confirmed or corrected here
    after_notice: bool = False  # only after the public notice has run its full period
    after_tracking: bool = False  # only after the tracking period has run (先跟踪、再脱钩)
    gate: str = ""  # a check the service makes first, with data the case does not hold ("elimination")


@dataclass(frozen=True, slots=True)
class TrackingRule:
    """先跟踪、再脱钩: a case stays ``months`` in ``state`` before it may leave it by an ``after_tracking`` step."""

    state: str
    months: int


@dataclass(frozen=True, slots=True)
class NoticeRule:
    """公示: the state it is, how long at least, and who answers objections."""

    state: str
    period: Duration
    first_day_counts: bool = True
    answer_roles: frozenset[Role] = frozenset()


@dataclass(frozen=True, slots=True)
class WorkflowProblem:
    loc: Loc
    message: str


@dataclass(frozen=True, slots=True)
class WorkflowDefinition:
    id: str
    version: str
    title: str
    effective_from: dt.date
    initial: str
    path: tuple[str, ...]
    states: Mapping[str, StateSpec]
    transitions: tuple[TransitionRule, ...]
    notice: NoticeRule | None = None
    deadline: ProcedureDeadline | None = None
    warning: WarningPolicy = field(default_factory=WarningPolicy)
    tracking: TrackingRule | None = None
    max_risk_codes: int = MAX_RISKS_PER_CASE
    effective_to: dt.date | None = None
    document: str = ""
    content_hash: str = ""
    scope: str = ""  # division-code prefix where it applies; "" nationwide
    _index: Mapping[tuple[str, str], TransitionRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], TransitionRule] = {}
        for rule in self.transitions:
            for source in rule.sources:
                index.setdefault((rule.action, source), rule)  # a duplicate is a definition problem
        object.__setattr__(self, "_index", MappingProxyType(index))
        object.__setattr__(self, "states", MappingProxyType(dict(self.states)))

    @property
    def key(self) -> str:
        """``id@scope@version`` (``cn`` for national): the exact definition, stable across releases."""
        return f"{self.id}@{self.scope or 'cn'}@{self.version}"

    def rule(self, action: str, state: str) -> TransitionRule | None:
        return self._index.get((action, state))

    def rules_from(self, state: str) -> list[TransitionRule]:
        return [r for r in self.transitions if state in r.sources]

    def is_closed(self, name: str) -> bool:
        return name in self.states and self.states[name].kind is StateKind.CLOSED

    def notice_last_day(self, posted: dt.date, calendar: WorkingCalendar | None = None) -> dt.date:
        """The last day of a 公示 posted on ``posted``; the notice may be closed from the next day."""
        if self.notice is None:
            raise DomainError("WORKFLOW_NOT_ALLOWED", f"程序 {self.id} 没有公示环节")
        return period_ends(posted, self.notice.period, calendar, first_day_counts=self.notice.first_day_counts)

    def tracking_first_day(self, entered: dt.date) -> dt.date:
        """The first day a case tracked since ``entered`` may leave tracking (the same day, months later)."""
        if self.tracking is None:
            raise DomainError("WORKFLOW_NOT_ALLOWED", f"程序 {self.id} 没有跟踪期")
        return add_months(entered, self.tracking.months)

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, content_hash: str = "", check: bool = True) -> WorkflowDefinition:
        """Build from the plain-dict form of the YAML; with ``check`` refuse an unsound definition."""
        wf = _build(data, content_hash)
        if check:
            problems = definition_problems(wf)
            if problems:
                first = problems[0]
                text = "；".join(f"{_field(p.loc)}: {p.message}" for p in problems)
                raise DomainError("WORKFLOW_DEFINITION", text, field=_field(first.loc))
        return wf


def _field(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = ...) -> Any:
    if not isinstance(data, Mapping):
        raise DomainError("WORKFLOW_DEFINITION", f"{where} 应为映射", field=where)
    if key not in data or data[key] is None:
        if default is ...:
            raise DomainError("WORKFLOW_DEFINITION", f"缺少 {key}", field=f"{where}.{key}".lstrip("."))
        return default
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DomainError("WORKFLOW_DEFINITION", f"{key} 的类型不对：{value!r}", field=f"{where}.{key}".lstrip("."))
    return value


def _duration(data: Any, where: str) -> Duration:
    days = _get(data, "days", int, where)
    kind = _get(data, "kind", str, where, "calendar")
    roll_forward = _get(data, "roll_forward", bool, where, False)
    try:
        return Duration(days, DayKind(kind), roll_forward)
    except DomainError as e:  # before ValueError: DomainError is one
        raise DomainError("WORKFLOW_DEFINITION", e.message, field=where) from None
    except ValueError as e:
        raise DomainError("WORKFLOW_DEFINITION", str(e), field=where) from None


def _roles(values: Sequence[Any], where: str) -> frozenset[Role]:
    try:
        return frozenset(Role(v) for v in values)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise DomainError("WORKFLOW_DEFINITION", f"未知角色 {list(values)}（可用：{known}）", field=where) from None


def _state(name: str, data: Mapping[str, Any]) -> StateSpec:
    where = f"states.{name}"
    deadline = data.get("deadline") if isinstance(data, Mapping) else None
    try:
        kind = StateKind(_get(data, "kind", str, where, "procedure"))
    except ValueError:
        raise DomainError("WORKFLOW_DEFINITION", "kind 应为 procedure、open 或 closed", field=where) from None
    return StateSpec(
        name,
        _get(data, "label", str, where, name),
        kind,
        None if deadline is None else _duration(deadline, f"{where}.deadline"),
        _get(data, "allows_measures", bool, where, False),
        _get(data, "risk_eliminated", bool, where, False),
    )


def _transition(i: int, data: Mapping[str, Any]) -> TransitionRule:
    where = f"transitions[{i}]"
    flags = ("review", "decision", "sets_codes", "after_notice", "after_tracking")
    flag = {k: _get(data, k, bool, where, False) for k in flags}
    return TransitionRule(
        action=_get(data, "action", str, where),
        label=_get(data, "label", str, where, ""),
        sources=frozenset(_get(data, "from", (list, tuple), where)),
        target=_get(data, "to", str, where),
        roles=_roles(_get(data, "roles", (list, tuple), where), f"{where}.roles"),
        evidence=tuple(_get(data, "evidence", (list, tuple), where, ())),
        needs_reason=_get(data, "reason", bool, where, False),
        gate=_get(data, "gate", str, where, None) or "",
        **flag,
    )


def _build(data: Mapping[str, Any], content_hash: str) -> WorkflowDefinition:
    states = {str(k): _state(str(k), v) for k, v in _get(data, "states", Mapping, "").items()}
    notice_d = _get(data, "notice", Mapping, "", None)
    notice = None
    if notice_d is not None:
        notice = NoticeRule(
            _get(notice_d, "state", str, "notice"),
            _duration(notice_d, "notice"),
            _get(notice_d, "first_day_counts", bool, "notice", True),
            _roles(_get(notice_d, "answer_roles", (list, tuple), "notice", ()), "notice.answer_roles"),
        )
    tracking_d = _get(data, "tracking", Mapping, "", None)
    tracking = None
    if tracking_d is not None:
        tracking = TrackingRule(_get(tracking_d, "state", str, "tracking"), _get(tracking_d, "months", int, "tracking"))
    deadline_d = _get(data, "deadline", Mapping, "", None)
    deadline = None
    if deadline_d is not None:
        stops = frozenset(_get(deadline_d, "stops_at", (list, tuple), "deadline"))
        starts = _get(deadline_d, "starts_at", str, "deadline", _get(data, "initial", str, ""))
        deadline = ProcedureDeadline(_duration(deadline_d, "deadline"), starts, stops)
    warn_d = _get(data, "warnings", Mapping, "", {})
    warning = WarningPolicy(
        _duration(warn_d["due_soon"], "warnings.due_soon") if "due_soon" in warn_d else Duration(3),
        _duration(warn_d["escalate_after"], "warnings.escalate_after") if "escalate_after" in warn_d else Duration(5),
    )
    return WorkflowDefinition(
        id=_get(data, "id", str, ""),
        version=_get(data, "version", str, ""),
        title=_get(data, "title", str, "", ""),
        effective_from=_get(data, "effective_from", dt.date, ""),
        effective_to=_get(data, "effective_to", dt.date, "", None),
        document=_get(data, "document", str, "", ""),
        scope=_get(data, "scope", str, "", ""),
        initial=_get(data, "initial", str, ""),
        path=tuple(_get(data, "path", (list, tuple), "")),
        states=states,
        transitions=tuple(_transition(i, t) for i, t in enumerate(_get(data, "transitions", (list, tuple), ""))),
        notice=notice,
        deadline=deadline,
        warning=warning,
        tracking=tracking,
        max_risk_codes=_get(data, "max_risk_codes", int, "", MAX_RISKS_PER_CASE),
        content_hash=content_hash,
    )


def definition_problems(wf: WorkflowDefinition) -> list[WorkflowProblem]:
    """Everything that makes a definition unsound, each with where it is written."""
    out = _state_problems(wf)
    seen: dict[tuple[str, str], int] = {}
    for i, rule in enumerate(wf.transitions):
        out += _rule_problems(wf, i, rule)
        for source in sorted(rule.sources):
            if (rule.action, source) in seen:
                message = f"动作 {rule.action} 从 {source} 出发重复定义"
                out.append(WorkflowProblem(("transitions", i, "action"), message))
            seen.setdefault((rule.action, source), i)
    for name, spec in wf.states.items():
        if spec.kind is StateKind.PROCEDURE and not wf.rules_from(name):
            out.append(WorkflowProblem(("states", name), f"程序中的状态 {name} 没有任何出口"))
    return out


def _state_problems(wf: WorkflowDefinition) -> list[WorkflowProblem]:
    out: list[WorkflowProblem] = []
    if wf.initial not in wf.states or wf.states[wf.initial].kind is StateKind.CLOSED:
        out.append(WorkflowProblem(("initial",), f"初始状态 {wf.initial} 未定义或已是结束状态"))
    if not wf.path or len(set(wf.path)) != len(wf.path):
        out.append(WorkflowProblem(("path",), "path 应列出审批必经的各环节，且不能重复"))
    out += [WorkflowProblem(("path", i), f"未定义的状态 {s}") for i, s in enumerate(wf.path) if s not in wf.states]
    if wf.notice is not None and wf.notice.state not in wf.states:
        out.append(WorkflowProblem(("notice", "state"), f"未定义的状态 {wf.notice.state}"))
    if wf.notice is not None and wf.notice.answer_roles & READ_ONLY_ROLES:
        out.append(WorkflowProblem(("notice", "answer_roles"), "只读角色不能答复异议"))
    if wf.tracking is not None and wf.tracking.state not in wf.states:
        out.append(WorkflowProblem(("tracking", "state"), f"未定义的状态 {wf.tracking.state}"))
    if wf.deadline is not None and wf.deadline.starts_at not in wf.states:
        out.append(WorkflowProblem(("deadline", "starts_at"), f"未定义的状态 {wf.deadline.starts_at}"))
    if wf.deadline is not None:
        out += [
            WorkflowProblem(("deadline", "stops_at"), f"未定义的状态 {s}")
            for s in sorted(wf.deadline.stops_at - set(wf.states))
        ]
    if not 1 <= wf.max_risk_codes <= MAX_RISKS_PER_CASE:
        out.append(WorkflowProblem(("max_risk_codes",), f"应在 1–{MAX_RISKS_PER_CASE} 之间"))
    if wf.effective_to is not None and wf.effective_to < wf.effective_from:
        out.append(WorkflowProblem(("effective_to",), "effective_to 早于 effective_from"))
    if not (wf.scope == "" or wf.scope.isdigit()) or len(wf.scope) not in SCOPE_LENGTHS:
        message = f"scope 应为空（全国）或 2、4、6、9、12 位区划代码前缀，实际为 {wf.scope!r}"
        out.append(WorkflowProblem(("scope",), message))
    if len(wf.key) > KEY_MAX:
        out.append(WorkflowProblem(("id",), f"程序键 {wf.key} 超过 {KEY_MAX} 个字符，请缩短 id 或 version"))
    return out


def _rule_problems(wf: WorkflowDefinition, i: int, rule: TransitionRule) -> list[WorkflowProblem]:
    def at(key: str, message: str) -> WorkflowProblem:
        return WorkflowProblem(("transitions", i, key), message)

    out = [at("from", f"未定义的状态 {s}") for s in sorted(rule.sources - set(wf.states))]
    if not rule.sources:
        out.append(at("from", "至少要有一个起始状态"))
    if rule.target not in wf.states:
        out.append(at("to", f"未定义的状态 {rule.target}"))
    out += [at("from", f"结束状态 {s} 不能再变更") for s in sorted(rule.sources) if wf.is_closed(s)]
    if not rule.roles:
        out.append(at("roles", "至少要有一个角色"))
    if rule.roles & READ_ONLY_ROLES:
        out.append(at("roles", "审计员和管理员是只读角色，不能办理案件"))
    if rule.target in wf.path and wf.path.index(rule.target) > 0:
        before = wf.path[wf.path.index(rule.target) - 1]
        if rule.sources != {before}:
            out.append(at("from", f"进入 {rule.target} 只能从 {before} 出发，否则会越级跳过环节"))
    if rule.after_notice and (wf.notice is None or rule.sources != {wf.notice.state}):
        out.append(at("after_notice", "只有离开公示状态的动作才能标记 after_notice"))
    if rule.after_tracking and (wf.tracking is None or rule.sources != {wf.tracking.state}):
        out.append(at("after_tracking", "只有离开跟踪状态的动作才能标记 after_tracking"))
    if rule.gate not in GATES:
        out.append(at("gate", f"未知的检查 {rule.gate}（可用：{'、'.join(sorted(g for g in GATES if g))}）"))
    if len(set(rule.evidence)) != len(rule.evidence):
        out.append(at("evidence", "材料重复"))
    return out


def confirm_codes(
    wf: WorkflowDefinition,
    rule: TransitionRule,
    category: MonitoringCategory | None,
    risk_codes: Sequence[str] | None,
    known: Collection[str] | None,
) -> tuple[str, ...]:
    """The confirmed risk codes for a transition that sets them; () for one that does not."""
    if not rule.sets_codes:
        if category is not None or risk_codes:
            raise DomainError("CODES_NOT_ALLOWED", "监测类别和风险类型只能在入户核实环节确认或更正")
        return ()
    codes = tuple(dict.fromkeys(c for c in risk_codes or () if c))
    if category is None or not codes:
        raise DomainError("CODES_REQUIRED", "入户核实须确认监测类别和至少一个风险类型", field="risk_codes")
    if not isinstance(category, MonitoringCategory):
        raise DomainError("CODES_REQUIRED", f"未知的监测类别 {category!r}", field="category")
    if len(codes) > wf.max_risk_codes:
        raise DomainError("RISK_CODES_LIMIT", f"风险类型最多 {wf.max_risk_codes} 个，实际 {len(codes)} 个")
    unknown = [c for c in codes if c not in (known if known is not None else risk_table())]
    if unknown:
        raise DomainError("RISK_CODE_UNKNOWN", f"未知的风险类型代码：{'、'.join(unknown)}", field="risk_codes")
    return codes
