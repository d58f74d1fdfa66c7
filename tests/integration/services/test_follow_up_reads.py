"""The pages' reads of follow-ups: the due list with the helper's own marked, a case's visits, a household's helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.domain.follow_ups import DueStatus, Finding
from jingzhun.domain.workflow import Role
from jingzhun.services import follow_up_reads, follow_ups

from .test_elimination import identify, started_measure
from .test_follow_ups import T0, eliminate
from .test_follow_ups import county as county  # the fixture, for this module's tests

D = dt.date


@pytest.fixture
def eliminated(county) -> str:
    case_id = identify(county, county.stable, start=T0)
    started_measure(county, case_id)
    eliminate(county, case_id, D(2025, 6, 2))
    with county.engine.begin() as conn:
        conn.execute(t.users.insert().values(user_id="helper1", display_name="帮扶干部", role="village_cadre",
                                             jurisdiction=county.village, active=True,
                                             created_at=dt.datetime.now(dt.UTC), created_by="test"))  # fmt: skip
    return case_id


def test_the_due_list_marks_the_households_the_actor_helps_and_counts_by_status(county, eliminated):
    c = county
    follow_ups.assign_helper(c.engine, c.stable, c.cadre, helper_name="李帮扶", unit="县农业农村局",
                             helper_user_id="helper1", on=D(2025, 6, 12))  # fmt: skip
    helper = Actor("helper1", Role.VILLAGE_CADRE, c.village)
    found = follow_up_reads.due_list(c.engine, helper, today=D(2025, 9, 1))
    assert [x.case_id for x in found.items] == [eliminated] and found.mine == {eliminated}
    assert found.counts() == {DueStatus.NOT_DUE: 0, DueStatus.DUE_SOON: 1, DueStatus.OVERDUE: 0}
    assert follow_up_reads.due_list(c.engine, c.cadre, today=D(2025, 9, 1)).mine == frozenset()
    with pytest.raises(DomainError) as e:
        follow_up_reads.due_list(c.engine, c.cadre, today=D(2200, 1, 1))
    assert (e.value.code, e.value.field) == ("FOLLOW_UP_DAY_INVALID", "today")
    auditor = Actor("auditor", Role.AUDITOR, c.village[:6] + "000000")
    with pytest.raises(DomainError) as e:
        follow_up_reads.due_list(c.engine, auditor, today=D(2200, 1, 1))
    assert e.value.code == "PERMISSION_DENIED"  # the permission before the day


def test_a_cases_visits_come_newest_first_with_the_next_due_day(county, eliminated):
    c = county
    assert follow_up_reads.case_follow_ups(c.engine, eliminated, c.cadre, today=D(2025, 7, 1)).visits == ()
    follow_ups.record_follow_up(c.engine, eliminated, c.cadre, visited_on=D(2025, 9, 1), finding=Finding.STABLE,
                                note="稳定")  # fmt: skip
    follow_ups.record_follow_up(c.engine, eliminated, c.cadre, visited_on=D(2025, 11, 20), finding=Finding.NEW_RISK,
                                note="户主住院", risk_codes=("01",))  # fmt: skip
    found = follow_up_reads.case_follow_ups(c.engine, eliminated, c.cadre, today=D(2025, 12, 1))
    assert [(v.visited_on, v.finding, v.risk_codes, v.raised_lead) for v in found.visits] == [
        (D(2025, 11, 20), Finding.NEW_RISK, ("01",), True), (D(2025, 9, 1), Finding.STABLE, (), False),
    ]  # fmt: skip
    assert found.due is not None and found.due.due_on == D(2026, 2, 20)
    other = Actor("cadre_b", Role.VILLAGE_CADRE, c.village[:9] + "999")
    with pytest.raises(DomainError) as e:
        follow_up_reads.case_follow_ups(c.engine, eliminated, other)
    assert e.value.code == "CASE_NOT_FOUND"


def test_a_households_helpers_are_those_assigned_and_not_ended_on_the_day(county, eliminated):
    c = county
    first = follow_ups.assign_helper(c.engine, c.stable, c.cadre, helper_name="李帮扶", unit="县农业农村局",
                                     on=D(2025, 6, 1))  # fmt: skip
    follow_ups.assign_helper(c.engine, c.stable, c.cadre, helper_name="王帮扶", unit="乡农业站", on=D(2025, 7, 1))
    follow_ups.end_helper(c.engine, c.stable, first.assignment_id, c.cadre, reason="调离", on=D(2025, 8, 1))
    names = [h.helper_name for h in follow_up_reads.current_helpers(c.engine, c.stable, c.cadre, on=D(2025, 7, 15))]
    assert names == ["李帮扶", "王帮扶"]
    assert [h.helper_name for h in follow_up_reads.current_helpers(c.engine, c.stable, c.cadre, on=D(2025, 8, 2))] == [
        "王帮扶"
    ]
    with pytest.raises(DomainError) as e:
        follow_up_reads.current_helpers(c.engine, c.stable, Actor("cadre_b", Role.VILLAGE_CADRE, "532328999999"))
    assert e.value.code == "HOUSEHOLD_NOT_FOUND"
