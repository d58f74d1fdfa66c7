""" "四个不摘" supervision of one household whose risk was eliminated: which of the four continue, and the gaps.

摘帽不摘责任、不摘政策、不摘帮扶、不摘监管 (policy notes §5, "四不摘" local practice): after its
risk is eliminated a household keeps its helper, its measures run to their end dates, help goes
on, and it is visited on schedule. Each check here names what it read, so a county report can
say exactly what is missing and where:

* ``RESPONSIBILITY`` — a helper (帮扶联系人) is assigned on the day;
* ``POLICY`` — no measure of the plan was ended or cancelled after the elimination before its
  term ran out (a loan, a public-welfare job and a Yulu grant run to contract or stage end);
* ``ASSISTANCE`` — at least one measure is still in effect (in progress or delivered);
* ``SUPERVISION`` — the follow-up visit is not overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from jingzhun.domain.deadlines import add_months
from jingzhun.domain.plans import ItemStatus, PlanItem


class Pillar(StrEnum):
    RESPONSIBILITY = "responsibility"
    POLICY = "policy"
    ASSISTANCE = "assistance"
    SUPERVISION = "supervision"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Pillar.RESPONSIBILITY: "不摘责任",
    Pillar.POLICY: "不摘政策",
    Pillar.ASSISTANCE: "不摘帮扶",
    Pillar.SUPERVISION: "不摘监管",
}


@dataclass(frozen=True, slots=True)
class Gap:
    pillar: Pillar
    message: str  # Chinese, with the values read


@dataclass(frozen=True, slots=True)
class Standing:
    """What one eliminated household has on a day."""

    household_id: str
    eliminated_on: dt.date
    helpers: int
    items: tuple[PlanItem, ...]
    follow_up_due: dt.date | None  # None: the follow-up period is over


def cut_short(item: PlanItem, eliminated_on: dt.date) -> bool:
    """Ended or cancelled after the elimination, before the term it was granted for ran out."""
    if item.status not in (ItemStatus.ENDED, ItemStatus.CANCELLED) or item.end is None or item.end < eliminated_on:
        return False
    if item.status is ItemStatus.CANCELLED:
        return True
    if item.term_months is None or item.start is None:
        return False  # no term to run out: ending it is the plan's own business
    return item.end < add_months(item.start, item.term_months) - dt.timedelta(days=1)


def gaps(s: Standing, today: dt.date) -> list[Gap]:
    out = []
    if s.helpers == 0:
        out.append(Gap(Pillar.RESPONSIBILITY, "没有在岗的帮扶联系人"))
    for item in s.items:
        if cut_short(item, s.eliminated_on):
            what = "取消" if item.status is ItemStatus.CANCELLED else "结束"
            message = f"措施 {item.item_id}（{item.measure_id}）于风险消除后的 {item.end} 提前{what}"
            out.append(Gap(Pillar.POLICY, message))
    if not any(i.status.active for i in s.items):
        out.append(Gap(Pillar.ASSISTANCE, "风险消除后没有在实施或已落实的帮扶措施"))
    if s.follow_up_due is not None and today > s.follow_up_due:
        days = (today - s.follow_up_due).days
        out.append(Gap(Pillar.SUPERVISION, f"回访已逾期 {days} 天（应于 {s.follow_up_due} 前回访）"))
    return out


def pillars_kept(found: Sequence[Gap]) -> dict[Pillar, bool]:
    missing = {g.pillar for g in found}
    return {p: p not in missing for p in Pillar}
