"""Follow-up visits after elimination, through the services: the schedule, helpers, a new risk, a rebound.

The county of ``test_elimination`` with incomes planted back to 2024, so a household can be
identified in January 2025, eliminated in June 2025 and detached after its six months of
tracking, all dated in the past: its follow-ups fall due quarterly from the approval; a visit
moves the next one on; a new risk found on a visit re-opens it as a new case naming this one.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.follow_ups import DueStatus, Finding
from jingzhun.domain.plans import ItemStatus
from jingzhun.domain.supervision import Pillar
from jingzhun.domain.workflow import Role
from jingzhun.services import follow_ups, plans, supervision
from jingzhun.services.cases import act_on_case
from jingzhun.services.importer import run_import

from .helpers import plant_income, read_csv, synthetic_registry
from .test_elimination import THRESHOLD, County, clean_households, identify, started_measure, stored

D = dt.date
T0 = dt.datetime(2025, 1, 6, 1, 0, tzinfo=dt.UTC)


def add_window(src, household: str, period: str, per_person_fen: int) -> None:
    """A further income window for ``household``, copied from its first and planted at ``per_person_fen``."""
    income = read_csv(src / "registry" / "income.csv")
    row = income.filter(pl.col("household_id") == household).head(1).with_columns(pl.lit(period).alias("period_end"))
    income = pl.concat([income, row]).sort("household_id", "period_end")
    income.write_csv(src / "registry" / "income.csv")
    plant_income(src, household, period, per_person_fen)


@pytest.fixture
def county(engine, tmp_path) -> County:
    src = synthetic_registry(tmp_path / "reg", households=160)
    stable, village = clean_households(src)[0]
    for period in ("2024-10", "2025-04"):
        add_window(src, stable, period, THRESHOLD + 200_000)
    for period in ("2025-10", "2026-10"):
        plant_income(src, stable, period, THRESHOLD + 200_000)
    run_import(src, engine)
    return County(
        engine, village, stable, "",
        Actor("cadre", Role.VILLAGE_CADRE, village),
        Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000"),
        Actor("town", Role.TOWNSHIP_REVIEWER, village[:9] + "000"),
        Actor("county", Role.COUNTY_APPROVER, village[:6] + "000000"),
    )  # fmt: skip


def on(day: D, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def eliminate(c: County, case_id: str, start: D) -> D:
    """Propose on ``start`` and take the case through to the county's approval; returns the approval day."""
    steps = [
        ("propose_elimination", c.cadre, {"reason": "收入稳定"}, 0),
        ("submit_verification", c.cadre, {"evidence": ["elimination_verification_form"]}, 1),
        ("pass_village_review", c.cadre, {"evidence": ["village_review_minutes"]}, 2),
        ("close_publicity", c.cadre, {"evidence": ["publicity_record"]}, 8),
        ("approve", c.town, {"evidence": ["township_review_opinion"]}, 9),
        ("eliminate_by_assistance", c.county, {"evidence": ["county_approval_document"]}, 10),
    ]
    for action, who, kw, d in steps:
        act_on_case(c.engine, case_id, action, who, at=on(start + dt.timedelta(days=d)), **kw)
    return start + dt.timedelta(days=10)


def test_follow_ups_fall_due_quarterly_from_the_approval_and_a_visit_moves_the_next_one_on(county):
    c = county
    case_id = identify(c, c.stable, start=T0)
    started_measure(c, case_id)
    approved = eliminate(c, case_id, D(2025, 6, 2))
    (item,) = follow_ups.due_follow_ups(c.engine, c.cadre, today=approved + dt.timedelta(days=1))
    assert (item.case_id, item.eliminated_on, item.due_on, item.status) == (
        case_id, approved, D(2025, 9, 12), DueStatus.NOT_DUE
    )  # fmt: skip
    late = follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2025, 9, 13), overdue_only=True)
    assert [x.case_id for x in late] == [case_id] and late[0].overdue
    assert follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2025, 9, 12), overdue_only=True) == []

    follow_ups.record_follow_up(c.engine, case_id, c.cadre, visited_on=D(2025, 9, 20), finding=Finding.STABLE,
                                note="务工收入稳定，“三保障”无问题")  # fmt: skip
    (item,) = follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2025, 9, 21))
    assert (item.last_visit, item.due_on) == (D(2025, 9, 20), D(2025, 12, 20))
    other = Actor("cadre_b", Role.VILLAGE_CADRE, c.village[:9] + "999")
    assert follow_ups.due_follow_ups(c.engine, other, today=D(2025, 9, 21)) == []  # out of scope


def test_a_helper_sees_the_follow_ups_of_their_own_households(county):
    c = county
    case_id = identify(c, c.stable, start=T0)
    started_measure(c, case_id)
    eliminate(c, case_id, D(2025, 6, 2))
    with c.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(t.users.insert().values(user_id="helper1", display_name="帮扶干部", role="village_cadre",
                                             jurisdiction=c.village, active=True,
                                             created_at=dt.datetime.now(dt.UTC), created_by="test"))  # fmt: skip
    helper = follow_ups.assign_helper(c.engine, c.stable, c.cadre, helper_name="李帮扶", unit="县农业农村局",
                                      helper_user_id="helper1", on=D(2025, 6, 1))  # fmt: skip
    me = Actor("helper1", Role.VILLAGE_CADRE, c.village)
    (mine,) = follow_ups.due_follow_ups(c.engine, me, today=D(2025, 7, 1), mine=True)
    assert mine.case_id == case_id and mine.helpers == ("李帮扶",)
    assert follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2025, 7, 1), mine=True) == []
    with pytest.raises(DomainError) as e:
        follow_ups.assign_helper(c.engine, c.stable, c.cadre, helper_name="王", unit="x", helper_user_id="nobody")
    assert e.value.code == "HELPER_INVALID"
    with pytest.raises(DomainError) as e:  # another household's form cannot end this assignment
        follow_ups.end_helper(c.engine, "另一户", helper.assignment_id, c.cadre, reason="调离")
    assert e.value.code == "ASSIGNMENT_NOT_FOUND"
    follow_ups.end_helper(c.engine, c.stable, helper.assignment_id, c.cadre, reason="调离", on=D(2025, 8, 1))
    (after,) = follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2025, 8, 2))
    assert after.helpers == ()


def test_a_new_risk_found_while_tracked_joins_the_case_and_after_detachment_opens_a_case_that_names_it(county):
    c = county
    case_id = identify(c, c.stable, start=T0)
    started_measure(c, case_id)
    approved = eliminate(c, case_id, D(2025, 6, 2))
    _, joined = follow_ups.record_follow_up(c.engine, case_id, c.cadre, visited_on=D(2025, 9, 1),
                                            finding=Finding.NEW_RISK, note="户主住院", risk_codes=("01",),
                                            at=on(D(2025, 9, 1)))  # fmt: skip
    assert joined is not None and joined.case_id == case_id  # still tracked: the lead joins it for the county
    assert [x.lead_id for x in stored(c, case_id).case.leads][-1].startswith("FU-")

    act_on_case(c.engine, case_id, "detach", c.county, at=on(D(2025, 12, 12)), evidence=["tracking_record"])
    assert stored(c, case_id).case.closed
    with pytest.raises(DomainError) as e:
        act_on_case(c.engine, case_id, "roll_back", c.county, reason="x")
    assert e.value.code == "CASE_CLOSED"
    (due,) = follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2026, 1, 5))
    assert due.case_state == "detached" and due.due_on == D(2025, 12, 1)  # a quarter after the last visit

    fid, rebound = follow_ups.record_follow_up(c.engine, case_id, c.cadre, visited_on=D(2026, 1, 5),
                                               finding=Finding.NEW_RISK, note="务工中断，收入回落",
                                               risk_codes=("07",))  # fmt: skip
    assert rebound is not None and rebound.case_id != case_id and rebound.follows == case_id
    assert rebound.state == "lead" and rebound.risk_codes == ("07",)
    with c.engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(select(t.follow_ups).where(t.follow_ups.c.follow_up_id == fid)).one()
    assert row.finding == "new_risk" and row.lead_id == f"FU-{fid}"
    # the household is back under the procedure: no more follow-ups of the old case are due
    assert follow_ups.due_follow_ups(c.engine, c.cadre, today=D(2026, 1, 6)) == []
    assert approved == D(2025, 6, 12)


def test_the_four_pillars_report_names_each_gap_and_the_gaps_close_as_they_are_filled(county):
    c = county
    case_id = identify(c, c.stable, start=T0)
    started_measure(c, case_id)
    eliminate(c, case_id, D(2025, 6, 2))
    report = supervision.supervise(c.engine, c.county, today=D(2025, 10, 1))
    (h,) = report.households
    assert {g.pillar for g in h.gaps} == {Pillar.RESPONSIBILITY, Pillar.SUPERVISION}  # the measure runs on
    (row,) = report.summary()
    assert row["households"] == 1 and row["kept"] == 0 and row["responsibility"] == 1 and row["assistance"] == 0

    follow_ups.assign_helper(c.engine, c.stable, c.cadre, helper_name="李帮扶", unit="县农业农村局", on=D(2025, 6, 1))
    follow_ups.record_follow_up(c.engine, case_id, c.cadre, visited_on=D(2025, 9, 30), finding=Finding.STABLE,
                                note="收入稳定")  # fmt: skip
    (h,) = supervision.supervise(c.engine, c.county, today=D(2025, 10, 1)).households
    assert h.gaps == ()
    plans.move_measure(c.engine, case_id, c.cadre, "I1", ItemStatus.CANCELLED, reason="项目停办")
    (h,) = supervision.supervise(c.engine, c.county, today=local_date(dt.datetime.now(dt.UTC))).households
    pillars = {g.pillar for g in h.gaps}
    assert Pillar.POLICY in pillars and Pillar.ASSISTANCE in pillars  # cancelled after elimination: cut short
    with pytest.raises(DomainError) as e:
        supervision.supervise(c.engine, Actor("auditor", Role.AUDITOR, c.village[:6] + "000000"))
    assert e.value.code == "PERMISSION_DENIED"


def test_an_elimination_soon_after_identification_is_listed_by_the_quality_checks_with_its_reasons(county):
    c = county
    case_id = identify(c, c.stable, start=dt.datetime(2025, 5, 5, 1, tzinfo=dt.UTC))  # identified 2025-05-16
    started_measure(c, case_id)
    with pytest.raises(DomainError) as e:
        eliminate(c, case_id, D(2025, 6, 2))  # the county's approval has no reason for the flag
    assert e.value.code == "ELIMINATION_FLAG_REASON"
    act_on_case(c.engine, case_id, "eliminate_by_assistance", c.county, at=on(D(2025, 6, 13)),
                evidence=["county_approval_document"], reason="务工收入稳定，县级复核同意")  # fmt: skip
    flags = supervision.supervise(c.engine, c.county, today=D(2025, 7, 1)).quality
    assert [(f.action, f.criterion_id) for f in flags] == [
        ("propose_elimination", "ELIM_NOT_TOO_SOON"), ("eliminate_by_assistance", "ELIM_NOT_TOO_SOON")
    ]  # fmt: skip
    assert flags[1].reason == "务工收入稳定，县级复核同意" and "识别后仅 0 个月" in flags[0].message
