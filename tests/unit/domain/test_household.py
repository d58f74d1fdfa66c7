import datetime as dt

import pytest

from jingzhun.domain.errors import DomainError
from jingzhun.domain.household import Household, IncomeWindow, Member, YearMonth, income_window_end
from jingzhun.domain.ids import DivisionCode, make_resident_id
from jingzhun.domain.vocab import LaborCapacity, Relation


def member(seq: int, relation=Relation.CHILD, labour=LaborCapacity.ORDINARY, year=1990) -> Member:
    return Member(make_resident_id("532328", dt.date(year, 1, 1), seq), f"成员{seq}", relation, labor_capacity=labour)


def household(*members: Member, incomes=()) -> Household:
    return Household("H1", DivisionCode("532328101201"), members=list(members), incomes=list(incomes))


def test_window_ends_the_month_before_assessment():
    assert income_window_end(dt.date(2026, 1, 15)) == YearMonth(2025, 12)
    assert income_window_end(dt.date(2026, 11, 1)) == YearMonth(2026, 10)


@pytest.mark.parametrize("raw", ["2026-10", "2026/10", "2026年10月", "2026-1"])
def test_year_month_parses_common_spellings(raw):
    assert YearMonth.parse(raw).year == 2026


def test_year_month_rejects_month_13():
    with pytest.raises(DomainError):
        YearMonth.parse("2026-13")


def test_per_capita_counts_every_member_and_allows_business_losses():
    window = IncomeWindow(YearMonth(2026, 10), wage=2_000_000, business_net=-500_000, transfer=100_000)
    hh = household(
        member(1, Relation.HEAD), member(3), member(5, labour=LaborCapacity.NONE, year=2020), incomes=[window]
    )
    assert window.net_income == 1_600_000
    assert hh.per_capita_net_income(YearMonth(2026, 10)) == 533_333


def test_missing_window_is_an_explicit_error():
    with pytest.raises(DomainError) as e:
        household(member(1)).per_capita_net_income(YearMonth(2026, 10))
    assert e.value.code == "INCOME_MISSING"


def test_negative_wage_is_refused_but_negative_business_net_is_not():
    with pytest.raises(DomainError):
        IncomeWindow(YearMonth(2026, 10), wage=-1)
    assert IncomeWindow(YearMonth(2026, 10), business_net=-1).net_income == -1


def test_a_household_of_lost_and_no_labour_has_no_labour_capacity():
    hh = household(member(1, Relation.HEAD, LaborCapacity.LOST), member(3, labour=LaborCapacity.NONE))
    assert hh.has_no_labour_capacity
    assert not household(member(1, Relation.HEAD, LaborCapacity.WEAK)).has_no_labour_capacity


def test_rigid_expense_sums_medical_and_education():
    w = IncomeWindow(YearMonth(2026, 10), medical_self_paid=300, education_self_paid=200)
    assert w.rigid_expense == 500


def test_member_fields_are_range_checked():
    with pytest.raises(DomainError):
        Member(make_resident_id("532328", dt.date(1990, 1, 1), 1), "x", Relation.HEAD, work_months=13)
    with pytest.raises(DomainError):
        Member(make_resident_id("532328", dt.date(1990, 1, 1), 1), "x", Relation.HEAD, disability_grade=5)


def test_ordinary_household_cannot_have_an_alleviation_year():
    with pytest.raises(DomainError):
        Household("H2", DivisionCode("532328101201"), alleviated=False, alleviated_year=2018)
