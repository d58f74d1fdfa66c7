""""四个不摘" checks of one eliminated household: each pillar's gap at its edge."""

from __future__ import annotations

import datetime as dt

from jingzhun.domain.plans import ItemStatus, PlanItem
from jingzhun.domain.supervision import Pillar, Standing, cut_short, gaps, pillars_kept

D = dt.date
ELIMINATED = D(2026, 3, 10)


def item(status: ItemStatus, start=D(2025, 6, 1), end=None, term=None, iid="I1") -> PlanItem:
    return PlanItem(iid, "MICRO_CREDIT", None, ("07",), status, "bank", "", term_months=term, start=start, end=end)


def test_a_loan_ended_after_elimination_before_its_term_is_cut_short_one_ended_at_term_is_not():
    assert cut_short(item(ItemStatus.ENDED, end=D(2026, 6, 1), term=36), ELIMINATED)
    assert not cut_short(item(ItemStatus.ENDED, end=D(2028, 5, 31), term=36), ELIMINATED)  # the term's last day
    assert not cut_short(item(ItemStatus.ENDED, end=D(2026, 3, 1), term=36), ELIMINATED)  # before the elimination
    assert cut_short(item(ItemStatus.CANCELLED, end=D(2026, 4, 1)), ELIMINATED)
    assert not cut_short(item(ItemStatus.ENDED, end=D(2026, 4, 1)), ELIMINATED)  # no term: the plan's own business
    assert not cut_short(item(ItemStatus.IN_PROGRESS), ELIMINATED)


def test_each_pillar_reports_its_own_gap_with_the_values_read():
    bare = Standing("H1", ELIMINATED, helpers=0, items=(), follow_up_due=D(2026, 6, 10))
    found = gaps(bare, D(2026, 6, 20))
    assert {g.pillar for g in found} == {Pillar.RESPONSIBILITY, Pillar.ASSISTANCE, Pillar.SUPERVISION}
    late = next(g for g in found if g.pillar is Pillar.SUPERVISION)
    assert late.message == "回访已逾期 10 天（应于 2026-06-10 前回访）"
    kept = Standing("H1", ELIMINATED, 1, (item(ItemStatus.IN_PROGRESS, term=36),), D(2026, 6, 10))
    assert gaps(kept, D(2026, 6, 10)) == [] and all(pillars_kept(gaps(kept, D(2026, 6, 10))).values())
    cut = Standing("H1", ELIMINATED, 1, (item(ItemStatus.IN_PROGRESS, iid="I2"),
                                         item(ItemStatus.CANCELLED, end=D(2026, 4, 1))), None)  # fmt: skip
    (gap,) = gaps(cut, D(2026, 12, 1))
    assert gap.pillar is Pillar.POLICY and "I1" in gap.message and "提前取消" in gap.message
