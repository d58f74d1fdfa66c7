"""The follow-up schedule (回访): rolling, quarterly by default, over the follow-up period; what a visit must say."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.domain.errors import DomainError
from jingzhun.domain.follow_ups import DueStatus, Finding, Schedule, Visit, due_status
from jingzhun.policy import load_packs

D = dt.date
POLICY = load_packs().resolve("532328101201", D(2026, 12, 2))
QUARTERLY = Schedule.of(POLICY.params)


def test_the_national_default_is_a_visit_a_quarter_for_two_years():
    assert (QUARTERLY.interval_months, QUARTERLY.horizon_months) == (3, 24)


def test_the_first_visit_is_due_a_quarter_after_elimination_and_each_next_a_quarter_after_the_last():
    eliminated = D(2026, 1, 31)
    assert QUARTERLY.next_due(eliminated, []) == D(2026, 4, 30)  # the month's length clamps the day
    assert QUARTERLY.next_due(eliminated, [D(2026, 4, 20)]) == D(2026, 7, 20)
    assert QUARTERLY.next_due(eliminated, [D(2026, 4, 20), D(2026, 8, 15)]) == D(2026, 11, 15)  # a late one moves it
    assert QUARTERLY.next_due(eliminated, [D(2025, 12, 1)]) == D(
        2026, 4, 30
    )  # a visit before elimination is no follow-up


def test_no_visit_is_due_after_the_follow_up_period():
    eliminated = D(2026, 1, 10)
    assert QUARTERLY.next_due(eliminated, [D(2027, 10, 10)]) == D(2028, 1, 10)  # 24 months exactly: still due
    assert QUARTERLY.next_due(eliminated, [D(2027, 10, 11)]) is None


@pytest.mark.parametrize(
    ("today", "status"),
    [(D(2026, 4, 1), DueStatus.NOT_DUE), (D(2026, 4, 16), DueStatus.DUE_SOON), (D(2026, 4, 30), DueStatus.DUE_SOON),
     (D(2026, 5, 1), DueStatus.OVERDUE)],
)  # fmt: skip
def test_a_visit_is_overdue_the_day_after_it_was_due(today, status):
    assert due_status(D(2026, 4, 30), today) is status


def test_a_new_risk_names_the_suspected_risks_and_every_visit_says_what_was_found():
    with pytest.raises(DomainError) as e:
        Visit(D(2026, 5, 1), "cadre", Finding.NEW_RISK, "户主住院")
    assert e.value.code == "FOLLOW_UP_RISK_MISSING"
    with pytest.raises(DomainError) as e:
        Visit(D(2026, 5, 1), "cadre", Finding.STABLE, " ")
    assert e.value.code == "FOLLOW_UP_NOTE_MISSING"
    assert Visit(D(2026, 5, 1), "cadre", Finding.NEW_RISK, "户主住院", ("01",)).risk_codes == ("01",)


def test_a_new_risk_names_only_risk_types_the_table_knows():
    with pytest.raises(DomainError) as e:
        Visit(D(2026, 5, 1), "cadre", Finding.NEW_RISK, "户主住院", ("01", "zz"))
    assert (e.value.code, e.value.field) == ("RISK_CODE_UNKNOWN", "risk_codes") and "zz" in e.value.message
