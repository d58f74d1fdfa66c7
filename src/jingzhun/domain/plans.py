"""The household plan (一户一策): measures for its confirmed risks, versioned, tracked for effect.

A plan belongs to one monitoring case (the episode it helps) and holds *items*: one catalogue
measure for the household or one member, with amount, dates, provider and fund source, moving
through ``planned → in_progress → delivered → ended`` (or ``cancelled``). Every change — an item
added, changed, moved on, a review — makes a new *version* that records who, when, why and what
changed, so "who changed what and why" is read off the plan itself, never reconstructed.

What the plan refuses (each a ``DomainError`` with a stable code, and nothing changes):
MEASURE_UNKNOWN (not in the catalogue in force) · MEASURE_NOT_ELIGIBLE (with every unmet
condition and its values) · MEASURE_AMOUNT_CAP / MEASURE_TERM_CAP · ITEM_STATUS (a lifecycle
step that is not allowed) · REASON_MISSING (a change, a cancellation) · PLAN_VERSION (someone
else changed the plan meanwhile).

What it checks and shows, without refusing (``plan_checks``): the development floor — every
monitored household able to work has at least one industry or employment measure — and the
safety net — a household without labour capacity has dibao or tekun (policy notes §8, [S]).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from jingzhun.domain.errors import DomainError
from jingzhun.domain.measures import Eligibility, Measure, MeasureRole, Target, check_eligibility
from jingzhun.domain.rules import Value


class ItemStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def active(self) -> bool:
        """Counts as help the household has (for the floors and the chain): not planned only, not cancelled."""
        return self in (ItemStatus.IN_PROGRESS, ItemStatus.DELIVERED)

    @property
    def next(self) -> tuple[ItemStatus, ...]:
        """The statuses an item may move to from this one, in lifecycle order (none once ended or cancelled)."""
        return tuple(s for s in ItemStatus if s in _NEXT[self])


_STATUS_LABELS = {
    ItemStatus.PLANNED: "计划",
    ItemStatus.IN_PROGRESS: "实施中",
    ItemStatus.DELIVERED: "已落实",
    ItemStatus.ENDED: "已结束",
    ItemStatus.CANCELLED: "已取消",
}
_NEXT: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.PLANNED: frozenset({ItemStatus.IN_PROGRESS, ItemStatus.CANCELLED}),
    ItemStatus.IN_PROGRESS: frozenset({ItemStatus.DELIVERED, ItemStatus.ENDED, ItemStatus.CANCELLED}),
    ItemStatus.DELIVERED: frozenset({ItemStatus.ENDED}),
    ItemStatus.ENDED: frozenset(),
    ItemStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One measure in the plan. ``start``/``end`` are planned until the item is in progress, then actual."""

    item_id: str
    measure_id: str
    person_id: str | None  # the member it is for (person-target measures), else None
    risk_codes: tuple[str, ...]  # the confirmed risks it addresses
    status: ItemStatus
    provider: str
    fund_source: str
    amount_fen: int | None = None
    term_months: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    note: str = ""
    eligibility: str = ""  # the explanation it was admitted with ("符合：…")

    def covers(self, day: dt.date) -> bool:
        return (
            self.status.active and (self.start is None or self.start <= day) and (self.end is None or day <= self.end)
        )


@dataclass(frozen=True, slots=True)
class Review:
    """An effect review (成效复核): the income re-check and what was concluded."""

    at: dt.datetime
    by: str
    window: str  # income window used (YYYY-MM), "" when none was available
    per_capita_fen: int | None
    projected_fen: int | None
    threshold_fen: int
    verdict: str  # EffectVerdict value
    findings: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One recorded change: the items as they stood after it, and why."""

    version: int
    at: dt.datetime
    by: str
    role: str
    reason: str
    changes: tuple[str, ...]  # what changed, one line each (Chinese)
    items: tuple[PlanItem, ...]
    catalogue: str  # the policy (id@version#hash) whose catalogue the change was checked against


@dataclass(eq=False)
class AssistancePlan:
    plan_id: str
    case_id: str
    household_id: str
    created_at: dt.datetime
    items: list[PlanItem] = field(default_factory=list)
    versions: list[PlanVersion] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)

    @property
    def version(self) -> int:
        return len(self.versions)

    def item(self, item_id: str) -> PlanItem:
        for it in self.items:
            if it.item_id == item_id:
                return it
        raise DomainError("ITEM_NOT_FOUND", f"帮扶计划 {self.plan_id} 中没有措施 {item_id}")

    def add_item(
        self,
        measure: Measure,
        eligibility: Eligibility,
        *,
        risk_codes: Sequence[str],
        by: str,
        role: str,
        at: dt.datetime,
        reason: str,
        catalogue: str,
        amount_fen: int | None = None,
        term_months: int | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        provider: str = "",
        fund_source: str = "",
        note: str = "",
    ) -> PlanItem:
        """Add a catalogue measure the household (or member) is eligible for, within its caps."""
        if eligibility.measure.measure_id != measure.measure_id:
            raise ValueError("eligibility was checked for another measure")  # a caller's bug
        if not eligibility.eligible:
            raise DomainError("MEASURE_NOT_ELIGIBLE", f"{measure.label}：{eligibility.explain()}", field="measure_id")
        if (measure.target is Target.PERSON) != (eligibility.person_id is not None):
            raise DomainError(
                "MEASURE_TARGET", f"{measure.label} 的对象是{'个人' if measure.target is Target.PERSON else '户'}"
            )
        _check_caps(measure, amount_fen, term_months, start, end)
        item = PlanItem(
            item_id=self._next_item_id(),
            measure_id=measure.measure_id,
            person_id=eligibility.person_id,
            risk_codes=tuple(dict.fromkeys(risk_codes)),
            status=ItemStatus.PLANNED,
            provider=provider or measure.provider.value,
            fund_source=fund_source or measure.fund_source,
            amount_fen=amount_fen,
            term_months=term_months,
            start=start,
            end=end,
            note=note.strip(),
            eligibility=eligibility.explain(),
        )
        self.items.append(item)
        self._record(by, role, at, reason or "制定帮扶措施", [f"新增 {item.item_id} {measure.label}"], catalogue)
        return item

    def change_item(
        self,
        item_id: str,
        measure: Measure,
        *,
        by: str,
        role: str,
        at: dt.datetime,
        reason: str,
        catalogue: str,
        **changes: object,
    ) -> PlanItem:
        """Change amount, term, dates, provider, fund source or note of an item not yet ended (a reason is required)."""
        allowed = {"amount_fen", "term_months", "start", "end", "provider", "fund_source", "note"}
        unknown = set(changes) - allowed
        if unknown:
            raise DomainError("ITEM_FIELD", f"不能修改 {'、'.join(sorted(unknown))}")
        if not reason.strip():
            raise DomainError("REASON_MISSING", "调整帮扶措施须写明理由", field="reason")
        old = self.item(item_id)
        if old.status in (ItemStatus.ENDED, ItemStatus.CANCELLED):
            raise DomainError("ITEM_STATUS", f"措施 {item_id} 已{old.status.label}，不能再调整")
        new = dataclasses.replace(old, **changes)  # type: ignore[arg-type]
        _check_caps(measure, new.amount_fen, new.term_months, new.start, new.end)
        diff = [
            f"{item_id} {_FIELD_LABELS[k]}：{_show(getattr(old, k), k)} → {_show(getattr(new, k), k)}"
            for k in sorted(changes)
            if getattr(old, k) != getattr(new, k)
        ]
        if not diff:
            return old
        self._replace(new)
        self._record(by, role, at, reason, diff, catalogue)
        return new

    def move_item(
        self,
        item_id: str,
        status: ItemStatus,
        *,
        by: str,
        role: str,
        at: dt.datetime,
        on: dt.date,
        reason: str = "",
        catalogue: str,
        amount_fen: int | None = None,
        measure: Measure | None = None,
    ) -> PlanItem:
        """A lifecycle step; ``on`` is the day it happened (start when in progress, end when ended)."""
        old = self.item(item_id)
        if status not in _NEXT[old.status]:
            raise DomainError("ITEM_STATUS", f"措施 {item_id} 不能从“{old.status.label}”变为“{status.label}”")
        if status is ItemStatus.CANCELLED and not reason.strip():
            raise DomainError("REASON_MISSING", "取消措施须写明理由", field="reason")
        new = dataclasses.replace(old, status=status)
        if status is ItemStatus.IN_PROGRESS:
            new = dataclasses.replace(new, start=on)
        elif status in (ItemStatus.ENDED, ItemStatus.CANCELLED):
            new = dataclasses.replace(new, end=on)
        if amount_fen is not None:
            new = dataclasses.replace(new, amount_fen=amount_fen)
        if measure is not None:
            _check_caps(measure, new.amount_fen, new.term_months, new.start, new.end)
        if new.start and new.end and new.end < new.start:
            raise DomainError("ITEM_DATES", f"措施 {item_id} 的结束日期 {new.end} 早于开始日期 {new.start}")
        lines = [f"{item_id} {old.status.label} → {status.label}（{on}）"]
        if new.amount_fen != old.amount_fen:
            was, now = _show(old.amount_fen, "amount_fen"), _show(new.amount_fen, "amount_fen")
            lines.append(f"{item_id} 金额：{was} → {now}")
        self._replace(new)
        self._record(by, role, at, reason or status.label, lines, catalogue)
        return new

    def add_review(self, review: Review, *, role: str, catalogue: str) -> None:
        """Record an effect review; it is a version too (its findings are part of the plan's history)."""
        self.reviews.append(review)
        self._record(
            review.by,
            role,
            review.at,
            review.note or "成效复核",
            [f"成效复核：{EffectVerdict(review.verdict).label}"],
            catalogue,
        )

    def _next_item_id(self) -> str:
        used = {int(it.item_id[1:]) for it in self.items if it.item_id[1:].isdigit()}
        return f"I{max(used, default=0) + 1}"

    def _replace(self, item: PlanItem) -> None:
        self.items = [item if it.item_id == item.item_id else it for it in self.items]

    def _record(self, by: str, role: str, at: dt.datetime, reason: str, changes: list[str], catalogue: str) -> None:
        if at.tzinfo is None:
            raise DomainError("NAIVE_DATETIME", "时间须带时区")
        if self.versions and at < self.versions[-1].at:
            raise DomainError("TIME_ORDER", "操作时间早于计划上一次记录的时间")
        self.versions.append(
            PlanVersion(
                len(self.versions) + 1, at, by, role, reason.strip(), tuple(changes), tuple(self.items), catalogue
            )
        )


_FIELD_LABELS = {
    "amount_fen": "金额",
    "term_months": "期限（月）",
    "start": "开始",
    "end": "结束",
    "provider": "提供方",
    "fund_source": "资金来源",
    "note": "备注",
}


def _show(value: object, key: str = "") -> str:
    if value is None or value == "":
        return "—"
    if key == "amount_fen" and isinstance(value, int):
        return f"{value / 100:,.2f} 元".replace(".00 元", " 元")
    return str(value)


def _check_caps(
    measure: Measure, amount_fen: int | None, term_months: int | None, start: dt.date | None, end: dt.date | None
) -> None:
    cap = measure.max_amount_fen
    if amount_fen is not None and amount_fen < 0:
        raise DomainError("AMOUNT_NEGATIVE", "金额不能为负数", field="amount_fen")
    if cap is not None and amount_fen is not None and amount_fen > cap:
        raise DomainError(
            "MEASURE_AMOUNT_CAP",
            f"{measure.label} 金额 {amount_fen / 100:,.2f} 元超过上限 {cap / 100:,.0f} 元",
            field="amount_fen",
        )
    term_cap = measure.max_term_months
    if term_cap is not None and term_months is not None and term_months > term_cap:
        raise DomainError(
            "MEASURE_TERM_CAP", f"{measure.label} 期限 {term_months} 个月超过上限 {term_cap} 个月", field="term_months"
        )
    if start and end and end < start:
        raise DomainError("ITEM_DATES", f"结束日期 {end} 早于开始日期 {start}", field="end")


# --- recommendation -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """An eligible measure for one risk (and one member, for a person measure), with why it ranks where it does."""

    measure: Measure
    person_id: str | None
    person_name: str
    reason: str
    score: int  # higher first


@dataclass(frozen=True, slots=True)
class RiskOptions:
    risk_code: str
    risk_label: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Check:
    """A plan rule and whether the plan (with what the chain already records) satisfies it."""

    rule: str
    label: str
    applies: bool
    satisfied: bool
    message: str


def recommend(
    catalogue: Sequence[Measure],
    risk_codes: Sequence[str],
    risk_labels: Mapping[str, str],
    household: Mapping[str, Value],
    members: Mapping[str, Mapping[str, Value]],
    names: Mapping[str, str],
    policy_params: Mapping[str, int],
    *,
    on: dt.date,
    household_on: Mapping[dt.date, Mapping[str, Value]] | None = None,
    has: Iterable[tuple[str, str | None]] = (),
) -> tuple[RiskOptions, ...]:
    """For each confirmed risk, the eligible measures ranked, each with its reason; never an ineligible one.

    ``household`` holds the household's facts on ``on``; ``household_on`` those on other status
    days a measure asks for (a term's first day). ``has``: (measure id, person id) pairs the
    household already has — they are left out (not offered twice for the same need).
    Ranking: development measures first when the household can work and safety net first when
    it cannot (policy notes §8); then the larger expected income gain; then catalogue order.
    """
    owned = set(has)
    gap = _income_gap(household, policy_params)
    out = []
    for code in risk_codes:
        options: list[Option] = []
        for order, m in enumerate(catalogue):
            if not m.addresses_risk(code):
                continue
            day = m.status_day(on)
            hh = (household_on or {}).get(day, household) if day != on else household
            targets: list[tuple[str | None, Mapping[str, Value] | None]] = (
                [(pid, facts) for pid, facts in members.items()] if m.target is Target.PERSON else [(None, None)]
            )
            for pid, facts in targets:
                if (m.measure_id, pid) in owned:
                    continue
                e = check_eligibility(m, hh, facts, policy_params, on=on, person_id=pid)
                if not e.eligible:
                    continue
                score, why = _score(m, household, gap, order)
                who = names.get(pid, "") if pid else ""
                reason = f"针对{risk_labels.get(code, code)}；{why}；{e.explain()}"
                options.append(Option(m, pid, who, reason, score))
        options.sort(key=lambda o: -o.score)
        out.append(RiskOptions(code, risk_labels.get(code, code), tuple(options)))
    return tuple(out)


def _income_gap(household: Mapping[str, Value], params: Mapping[str, int]) -> int | None:
    """Household net income short of the threshold × members (fen), None when income is unknown."""
    net, members, threshold = (
        household.get("net_income_fen"),
        household.get("members"),
        params.get("monitoring_threshold_fen"),
    )
    if net is None or not members or threshold is None:
        return None
    return max(int(threshold) * int(members) - int(net), 0)


def _score(m: Measure, household: Mapping[str, Value], gap: int | None, order: int) -> tuple[int, str]:
    able = bool(household.get("able_labourers"))
    parts = []
    score = 0
    if m.role is MeasureRole.DEVELOPMENT and able:
        score += 3_000_000_000
        parts.append("开发式帮扶优先（家中有劳动力）")
    elif m.role is MeasureRole.SAFETY_NET and not able:
        score += 3_000_000_000
        parts.append("兜底保障优先（整户无劳动能力）")
    else:
        parts.append(m.role.label)
    if m.expected_income_fen:
        covered = min(m.expected_income_fen, gap) if gap is not None else m.expected_income_fen
        score += covered
        gap_text = f"，收入缺口 {gap / 100:,.0f} 元" if gap else ""
        parts.append(f"预计增收 {m.expected_income_fen / 100:,.0f} 元/年{gap_text}")
    score -= order
    return score, "，".join(parts)


def plan_checks(
    household: Mapping[str, Value],
    catalogue: Sequence[Measure],
    items: Sequence[PlanItem],
    chain_measures: Iterable[str] = (),
) -> tuple[Check, ...]:
    """The two plan rules of policy notes §8, judged on the plan's items not cancelled and the chain's records.

    ``chain_measures``: measure ids the assistance chain records for the household from other
    sources (a dibao enrolment arriving from civil affairs counts as safety net).
    """
    by_id = {m.measure_id: m for m in catalogue}
    live = [it for it in items if it.status is not ItemStatus.CANCELLED and it.status is not ItemStatus.ENDED]
    roles = {by_id[it.measure_id].role for it in live if it.measure_id in by_id}
    roles |= {by_id[mid].role for mid in chain_measures if mid in by_id}
    able = int(household.get("able_labourers") or 0) > 0
    monitored = bool(household.get("monitored"))
    no_labour = bool(household.get("no_labour_household"))
    dev = MeasureRole.DEVELOPMENT in roles
    net = MeasureRole.SAFETY_NET in roles
    return (
        Check(
            "DEVELOPMENT_FLOOR",
            "有劳动能力的监测户至少落实一项产业或就业帮扶",
            monitored and able,
            dev or not (monitored and able),
            "已有开发式帮扶措施"
            if dev
            else ("尚无产业或就业帮扶措施" if monitored and able else "不适用（无劳动能力或非监测户）"),
        ),
        Check(
            "SAFETY_NET_FLOOR",
            "整户无劳动能力的户纳入低保或特困兜底",
            no_labour,
            net or not no_labour,
            "已有兜底保障" if net else ("尚未纳入低保或特困" if no_labour else "不适用（家中有劳动力）"),
        ),
    )


# --- effect tracking ----------------------------------------------------------------------------


class EffectVerdict(StrEnum):
    MET = "met"  # per-capita income at or above the threshold
    ON_TRACK = "on_track"  # below, but the measures' effects are not due yet and are projected to close the gap
    SLOW = "slow"  # 见效慢: still below after the expected time, or projected to stay below
    UNKNOWN = "unknown"  # no income window to judge by

    @property
    def label(self) -> str:
        return {"met": "已达到监测标准", "on_track": "按计划推进", "slow": "见效慢，需调整", "unknown": "缺少收入数据"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Effect:
    verdict: EffectVerdict
    per_capita_fen: int | None
    projected_fen: int | None
    threshold_fen: int
    findings: tuple[str, ...]
    stack_safety_net: bool  # development measures cannot close the gap: propose safety-net support


def assess_effect(
    items: Sequence[PlanItem],
    catalogue: Sequence[Measure],
    *,
    members: int,
    net_income_fen: int | None,
    window_end: dt.date | None,
    threshold_fen: int,
    on: dt.date,
    able_labourers: int,
) -> Effect:
    """Judge a plan's effect on ``on`` from the latest income window (ending ``window_end``).

    Projection: the window's per-capita income plus the expected yearly gain of every running
    or delivered measure whose effect is not yet in that window (it started after the window
    ended, or its effect was due later). An item is *overdue* when its effect was due on or
    before the window's end and income is still below the threshold: the window should show
    it and does not — 见效慢. When even the projection stays below, or nobody can work, the
    gap is not one development measures close: stack safety-net support.
    """
    by_id = {m.measure_id: m for m in catalogue}
    if net_income_fen is None or window_end is None or members <= 0:
        return Effect(
            EffectVerdict.UNKNOWN, None, None, threshold_fen, ("没有可用的收入数据，无法判断成效",), able_labourers == 0
        )
    actual = net_income_fen // members if net_income_fen >= 0 else -((-net_income_fen) // members)
    pending = 0
    findings: list[str] = []
    overdue: list[str] = []
    for it in items:
        m = by_id.get(it.measure_id)
        if m is None or not it.status.active or not m.expected_income_fen or it.start is None:
            continue
        due = _add_months(it.start, m.effect_months)
        if due > window_end:
            pending += m.expected_income_fen
        elif net_income_fen < threshold_fen * members:
            overdue.append(f"{it.item_id} {m.label}（{it.start} 开始，应于 {due} 前见效）")
    projected = (net_income_fen + pending) // members
    if net_income_fen >= threshold_fen * members:
        return Effect(
            EffectVerdict.MET,
            actual,
            projected,
            threshold_fen,
            (f"人均纯收入 {actual / 100:,.0f} 元，已达到监测标准 {threshold_fen / 100:,.0f} 元",),
            False,
        )
    findings.append(
        f"人均纯收入 {actual / 100:,.0f} 元，低于监测标准 {threshold_fen / 100:,.0f} 元（收入截至 {window_end:%Y-%m}）"
    )
    if overdue:
        findings.append("应已见效而收入仍低于标准：" + "；".join(overdue))
    below = net_income_fen + pending < threshold_fen * members
    if below:
        findings.append(f"按在实施措施测算，人均 {projected / 100:,.0f} 元仍低于标准")
    slow = bool(overdue) or below
    stack = below or able_labourers == 0
    if stack:
        findings.append("开发式措施难以弥补收入缺口，建议叠加兜底保障（低保、特困或临时救助）")
    verdict = EffectVerdict.SLOW if slow else EffectVerdict.ON_TRACK
    return Effect(verdict, actual, projected, threshold_fen, tuple(findings), stack)


def _add_months(day: dt.date, months: int) -> dt.date:
    idx = day.year * 12 + day.month - 1 + months
    year, month = divmod(idx, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
