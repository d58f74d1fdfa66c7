"""The eligibility facts of a member and a household: one entry per declared fact, read off the registry."""

from __future__ import annotations

import datetime as dt

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.eligibility import MonitoringStatus, household_facts, members_facts, person_facts
from jingzhun.domain.household import Conditions, Household, IncomeWindow, Member, YearMonth
from jingzhun.domain.ids import DivisionCode, make_resident_id
from jingzhun.domain.measures import HOUSEHOLD_FACTS, PERSON_FACTS
from jingzhun.domain.vocab import Health, LaborCapacity, Relation, Schooling

ON = dt.date(2026, 11, 1)
WINDOW = YearMonth(2026, 10)


def member(seq: int, birth=dt.date(1980, 5, 1), **kw) -> Member:
    return Member(make_resident_id("530102", birth, seq), f"成员{seq}", kw.pop("relation", Relation.CHILD), **kw)


def household(*members: Member, net_fen: int | None = None, **kw) -> Household:
    incomes = [] if net_fen is None else [IncomeWindow(WINDOW, wage=net_fen, medical_self_paid=12_300)]
    return Household("H1", DivisionCode("530102001001"), members=list(members), incomes=incomes, **kw)


def test_person_facts_name_exactly_the_declared_person_facts():
    assert set(person_facts(member(1), ON)) == {f.name for f in PERSON_FACTS}


def test_household_facts_name_exactly_the_declared_household_facts():
    facts = household_facts(household(member(1)), MonitoringStatus(), window=WINDOW)
    assert set(facts) == {f.name for f in HOUSEHOLD_FACTS}


def test_age_is_taken_from_the_id_on_the_day_and_a_birthday_counts_on_the_day():
    m = member(1, birth=dt.date(1960, 11, 1))
    assert person_facts(m, dt.date(2026, 10, 31))["age"] == 65
    assert person_facts(m, ON)["age"] == 66


def test_sex_comes_from_the_ids_sequence_digit():
    assert person_facts(member(1), ON)["is_female"] is False
    assert person_facts(member(2), ON)["is_female"] is True


def test_a_weak_labourer_is_able_to_work_and_lost_or_none_is_lost_labour():
    weak = person_facts(member(1, labor_capacity=LaborCapacity.WEAK), ON)
    assert weak["able_to_work"] is True and weak["lost_labour"] is False
    for capacity in (LaborCapacity.LOST, LaborCapacity.NONE):
        f = person_facts(member(1, labor_capacity=capacity), ON)
        assert f["able_to_work"] is False and f["lost_labour"] is True


def test_a_disability_grade_makes_a_person_disabled_and_no_grade_reads_as_zero():
    graded = person_facts(member(1, disability_grade=2), ON)
    assert graded["is_disabled"] is True and graded["disability_grade"] == 2
    plain = person_facts(member(1), ON)
    assert plain["is_disabled"] is False and plain["disability_grade"] == 0
    assert person_facts(member(1, health=Health.DISABLED), ON)["is_disabled"] is True


def test_illness_facts_follow_the_health_field():
    serious = person_facts(member(1, health=Health.SERIOUS), ON)
    chronic = person_facts(member(1, health=Health.CHRONIC), ON)
    assert serious["has_serious_illness"] is True and serious["has_chronic_illness"] is False
    assert chronic["has_chronic_illness"] is True and chronic["has_serious_illness"] is False


def test_schooling_maps_to_one_school_fact():
    expected = {
        Schooling.PRIMARY: "in_compulsory_school",
        Schooling.JUNIOR: "in_compulsory_school",
        Schooling.SENIOR: "in_senior_school",
        Schooling.VOCATIONAL: "in_vocational_school",
        Schooling.COLLEGE: "in_college",
    }
    school_facts = ("in_compulsory_school", "in_senior_school", "in_vocational_school", "in_college")
    for schooling in Schooling:
        f = person_facts(member(1, birth=dt.date(2010, 5, 1), schooling=schooling), ON)
        assert [n for n in school_facts if f[n]] == ([expected[schooling]] if schooling in expected else [])


def test_income_facts_come_from_the_window_and_per_capita_is_rounded():
    hh = household(member(1), member(3), member(5), net_fen=1_000_000)
    f = household_facts(hh, MonitoringStatus(), window=WINDOW)
    assert f["net_income_fen"] == 1_000_000 and f["per_capita_income_fen"] == 333_333
    assert f["medical_self_paid_fen"] == 12_300 and f["members"] == 3


def test_income_facts_are_null_without_a_window_or_without_that_window():
    hh = household(member(1), net_fen=1_000_000)
    for window in (None, YearMonth(2025, 10)):
        f = household_facts(hh, MonitoringStatus(), window=window)
        assert f["net_income_fen"] is None and f["per_capita_income_fen"] is None
        assert f["medical_self_paid_fen"] is None


def test_a_household_with_nobody_able_to_work_has_no_labour():
    hh = household(member(1, labor_capacity=LaborCapacity.LOST), member(3, labor_capacity=LaborCapacity.NONE))
    f = household_facts(hh, MonitoringStatus(), window=WINDOW)
    assert f["able_labourers"] == 0 and f["no_labour_household"] is True
    hh.members.append(member(5, labor_capacity=LaborCapacity.WEAK))
    f = household_facts(hh, MonitoringStatus(), window=WINDOW)
    assert f["able_labourers"] == 1 and f["no_labour_household"] is False


def test_status_facts_come_from_the_monitoring_status():
    hh = household(member(1), alleviated=True)
    status = MonitoringStatus(
        monitored=True, category=MonitoringCategory.SUDDEN_HARDSHIP, receives_dibao=True, receives_tekun=True
    )
    f = household_facts(hh, status, window=WINDOW)
    assert f["alleviated"] is True and f["monitored"] is True and f["eliminated"] is False
    assert f["sudden_hardship"] is True and f["receives_dibao"] is True and f["receives_tekun"] is True
    other = household_facts(hh, MonitoringStatus(eliminated=True, category=MonitoringCategory.MARGINAL_AT_RISK),
                            window=WINDOW)  # fmt: skip
    assert other["monitored"] is False and other["eliminated"] is True and other["sudden_hardship"] is False


def test_housing_and_water_are_the_registrys_unless_the_caller_knows_better():
    hh = household(member(1), conditions=Conditions(housing_safe=False, water_safe=True))
    f = household_facts(hh, MonitoringStatus(), window=WINDOW)
    assert f["housing_unsafe"] is True and f["water_unsafe"] is False
    f = household_facts(hh, MonitoringStatus(), window=WINDOW, housing_unsafe=False, water_unsafe=True)
    assert f["housing_unsafe"] is False and f["water_unsafe"] is True


def test_members_facts_are_keyed_by_resident_id():
    a, b = member(1), member(2, birth=dt.date(2012, 3, 4))
    facts = members_facts(household(a, b), ON)
    assert set(facts) == {a.person_id.value, b.person_id.value}
    assert facts[b.person_id.value]["age"] == 14
