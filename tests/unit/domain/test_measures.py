"""Who is eligible for a catalogue measure on a day, at the edges, under the shipped national catalogue.

The catalogue is resolved for a Yunnan village (cn-national → cn-53-2026) on 2026-11-01; people
are built with resident IDs carrying the birth date each test needs, so every age is computed
from the ID on the day — a birthday counts on the day itself.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.eligibility import MonitoringStatus, household_facts, person_facts
from jingzhun.domain.errors import DomainError
from jingzhun.domain.household import Conditions, Household, IncomeWindow, Member, YearMonth
from jingzhun.domain.ids import DivisionCode, make_resident_id
from jingzhun.domain.measures import (
    Eligibility,
    Measure,
    MeasureRole,
    MeasureType,
    Provider,
    Target,
    check_eligibility,
    measures_for_risk,
    render,
)
from jingzhun.domain.vocab import Health, LaborCapacity, Relation, Schooling
from jingzhun.policy import load_packs

PLACE = "530102001001"
ON = dt.date(2026, 11, 1)
WINDOW = YearMonth(2026, 10)
POLICY = load_packs().resolve(PLACE, ON)


def measure(mid: str) -> Measure:
    m = POLICY.measure(mid)
    assert m is not None, mid
    return m


def born(years: int, birthday_in_days: int = 0) -> dt.date:
    """A birth date ``years`` before ON, moved so that the birthday falls ``birthday_in_days`` from ON."""
    return ON.replace(year=ON.year - years) + dt.timedelta(days=birthday_in_days)


def person(seq: int = 1, birth: dt.date = dt.date(1980, 5, 1), **kw) -> Member:
    return Member(make_resident_id("530102", birth, seq), f"成员{seq}", kw.pop("relation", Relation.HEAD), **kw)


def family(*members: Member, net_fen: int | None = 2_000_000, alleviated: bool = True, **kw) -> Household:
    incomes = [] if net_fen is None else [IncomeWindow(WINDOW, wage=net_fen)]
    return Household("H1", DivisionCode(PLACE), alleviated=alleviated, members=list(members), incomes=incomes, **kw)


MONITORED = MonitoringStatus(monitored=True, category=MonitoringCategory.MARGINAL_AT_RISK)


def check(
    mid: str, hh: Household, who: Member | None = None, status: MonitoringStatus = MonitoringStatus(), **kw
) -> Eligibility:
    m = measure(mid)
    day = m.status_day(ON)
    hh_facts = household_facts(hh, status, window=kw.pop("window", WINDOW), **kw)
    facts = person_facts(who, ON) if who is not None else None
    pid = who.person_id.value if who is not None else None
    return check_eligibility(m, hh_facts, facts, POLICY.params, on=day, person_id=pid)


def for_person(mid: str, who: Member, *, alleviated: bool = True) -> Eligibility:
    return check(mid, family(who, alleviated=alleviated), who)


# --- ages at the edges: a birthday yesterday, today, tomorrow ---------------------------------


@pytest.mark.parametrize(
    ("birth", "eligible"),
    [
        (born(65, -1), True),  # 65 since yesterday
        (born(66, +1), True),  # still 65, turns 66 tomorrow
        (born(66, 0), False),  # 66 today
        (born(66, -1), False),  # 66 since yesterday
        (born(18, +1), False),  # still 17, turns 18 tomorrow
        (born(18, 0), True),  # 18 today
        (born(18, -1), True),
    ],
)
def test_a_micro_credit_borrower_must_be_18_to_65_on_the_day(birth, eligible):
    who = person(birth=birth)
    e = for_person("MICRO_CREDIT", who)
    assert e.eligible is eligible, e.explain()
    if not eligible:
        assert [u.text for u in e.unmet] == ["age >= min_age AND age <= max_age"]
        assert f"（{who.person_id.age_on(ON)} 岁）" in e.unmet[0].label


def test_the_micro_credit_age_limits_are_the_measures_own_params():
    params = measure("MICRO_CREDIT").params
    assert (params["min_age"], params["max_age"]) == (18, 65)


def test_a_micro_credit_borrower_must_be_able_to_work_and_from_an_alleviated_or_monitored_household():
    e = for_person("MICRO_CREDIT", person(labor_capacity=LaborCapacity.LOST))
    assert not e.eligible and [u.text for u in e.unmet] == ["able_to_work"]
    e = for_person("MICRO_CREDIT", person(), alleviated=False)
    assert not e.eligible and [u.label for u in e.unmet] == ["脱贫户或防止返贫致贫对象"]
    who = person()
    assert check("MICRO_CREDIT", family(who, alleviated=False), who, MONITORED).eligible


@pytest.mark.parametrize(
    ("birth", "eligible"),
    [(born(60, -1), True), (born(61, +1), True), (born(61, 0), False), (born(61, -1), False)],
)
def test_a_public_welfare_job_hires_up_to_60(birth, eligible):
    assert for_person("PUBLIC_WELFARE_JOB", person(birth=birth)).eligible is eligible


def test_a_disabled_person_who_can_do_auxiliary_work_may_take_a_public_welfare_job():
    disabled = person(health=Health.DISABLED, disability_grade=3, labor_capacity=LaborCapacity.LOST)
    assert not for_person("PUBLIC_WELFARE_JOB", disabled).eligible  # lost labour: not even auxiliary work
    able_disabled = person(health=Health.DISABLED, disability_grade=4, labor_capacity=LaborCapacity.WEAK)
    assert for_person("PUBLIC_WELFARE_JOB", able_disabled).eligible


@pytest.mark.parametrize(
    ("birth", "labour", "eligible"),
    [
        (born(16, 0), LaborCapacity.ORDINARY, True),
        (born(16, +1), LaborCapacity.ORDINARY, False),  # still 15
        (born(61, +1), LaborCapacity.SKILLED, True),  # still 60
        (born(61, 0), LaborCapacity.SKILLED, False),
        (born(40), LaborCapacity.WEAK, True),
        (born(40), LaborCapacity.NONE, False),
    ],
)
def test_skills_training_is_for_able_people_aged_16_to_60(birth, labour, eligible):
    assert for_person("SKILLS_TRAINING", person(birth=birth, labor_capacity=labour)).eligible is eligible


@pytest.mark.parametrize(
    ("birth", "labour", "alleviated", "eligible"),
    [
        (born(16, 0), LaborCapacity.ORDINARY, True, True),
        (born(16, +1), LaborCapacity.ORDINARY, True, False),
        (born(70), LaborCapacity.WEAK, True, True),  # no upper age for going out to work
        (born(30), LaborCapacity.LOST, True, False),
        (born(30), LaborCapacity.ORDINARY, False, False),  # neither alleviated nor monitored
    ],
)
def test_labour_transfer_needs_an_able_person_of_16_or_more(birth, labour, alleviated, eligible):
    who = person(birth=birth, labor_capacity=labour)
    assert for_person("LABOUR_TRANSFER", who, alleviated=alleviated).eligible is eligible


# --- Yulu: a vocational student, the household's status on the first day of term -----------------


def test_a_vocational_student_of_a_monitored_household_gets_yulu_judged_on_the_first_day_of_term():
    student = person(3, born(17), relation=Relation.CHILD, schooling=Schooling.VOCATIONAL)
    e = check("YULU", family(person(), student, alleviated=False), student, MONITORED)
    assert e.eligible, e.explain()
    assert e.status_day == dt.date(2026, 9, 1) and e.person_id == student.person_id.value
    assert e.explain().startswith("符合：中职或高职在校生；")


def test_yulu_is_refused_when_the_household_was_no_longer_monitored_on_the_first_day_of_term():
    student = person(3, born(17), relation=Relation.CHILD, schooling=Schooling.VOCATIONAL)
    eliminated = MonitoringStatus(eliminated=True)
    e = check("YULU", family(person(), student, alleviated=False), student, eliminated)
    assert not e.eligible and len(e.unmet) == 1 and "开学第一天" in e.unmet[0].label


def test_a_senior_high_student_is_not_a_yulu_student():
    student = person(3, born(16), relation=Relation.CHILD, schooling=Schooling.SENIOR)
    e = check("YULU", family(person(), student), student)
    assert not e.eligible and [u.text for u in e.unmet] == ["in_vocational_school"]


@pytest.mark.parametrize(
    ("on", "status_day"),
    [
        (dt.date(2026, 11, 1), dt.date(2026, 9, 1)),
        (dt.date(2026, 9, 1), dt.date(2026, 9, 1)),  # the first day of term is its own status day
        (dt.date(2026, 8, 31), dt.date(2026, 3, 1)),  # the summer holiday still belongs to spring term
        (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
        (dt.date(2026, 2, 28), dt.date(2025, 9, 1)),  # January and February: last autumn's term
        (dt.date(2026, 1, 1), dt.date(2025, 9, 1)),
        (dt.date(2026, 12, 31), dt.date(2026, 9, 1)),
        (dt.date(2028, 2, 29), dt.date(2027, 9, 1)),
    ],
)
def test_a_term_measure_takes_the_status_on_the_latest_first_day_of_term(on, status_day):
    assert measure("YULU").status_day(on) == status_day
    assert measure("EDUCATION_AID").status_day(on) == status_day


def test_a_measure_without_term_dates_takes_the_status_on_the_day_itself():
    assert measure("DIBAO").status_day(ON) == ON and measure("MICRO_CREDIT").status_day(dt.date(2026, 2, 1)) == dt.date(
        2026, 2, 1
    )


# --- the safety net: dibao and tekun -----------------------------------------------------------


def dibao_standard() -> int:
    return measure("DIBAO").params["dibao_standard_fen"]


def test_dibao_for_a_household_without_labour_capacity_whatever_its_income():
    hh = family(person(labor_capacity=LaborCapacity.LOST), person(2, labor_capacity=LaborCapacity.NONE),
                net_fen=dibao_standard() * 10)  # fmt: skip
    assert check("DIBAO", hh).eligible


@pytest.mark.parametrize(("below_by", "eligible"), [(1, True), (0, False), (-1, False)])
def test_dibao_for_income_below_the_standard_and_equal_is_not_below(below_by, eligible):
    members = (person(1), person(2))
    e = check("DIBAO", family(*members, net_fen=dibao_standard() * 2 - below_by))
    assert e.eligible is eligible, e.explain()


def test_dibao_compares_totals_so_a_per_capita_that_rounds_up_to_the_standard_is_still_below():
    # 2 members, one fen short in total: per capita is half a fen short and rounds to the standard
    hh = family(person(1), person(2), net_fen=dibao_standard() * 2 - 1)
    f = household_facts(hh, MonitoringStatus(), window=WINDOW)
    assert f["per_capita_income_fen"] == dibao_standard()
    assert check("DIBAO", hh).eligible


def test_missing_income_is_not_eligible_and_the_explanation_names_the_missing_data():
    e = check("DIBAO", family(person(1), person(2), net_fen=None))
    assert not e.eligible
    assert e.unmet[0].values["net_income_fen"] is None
    assert "缺少数据：家庭纯收入" in e.explain() and e.explain().startswith("不符合：")


def test_a_lone_tekun_person_is_not_also_a_dibao_household():
    status = MonitoringStatus(receives_tekun=True)
    e = check("DIBAO", family(person(labor_capacity=LaborCapacity.LOST)), status=status)
    assert not e.eligible and [u.label for u in e.unmet] == ["不是单人特困供养户"]


def test_tekun_for_an_elder_without_labour_and_without_anyone_to_support_them():
    elder = person(birth=born(60, 0), labor_capacity=LaborCapacity.LOST)
    assert check("TEKUN", family(elder), elder).eligible
    younger = person(birth=born(60, +1), labor_capacity=LaborCapacity.LOST)  # still 59, not disabled
    assert not check("TEKUN", family(younger), younger).eligible
    son = person(2, born(35), relation=Relation.CHILD)
    e = check("TEKUN", family(elder, son), elder)
    assert not e.eligible and [u.text for u in e.unmet] == ["able_labourers = 0"]


def test_tekun_for_a_minor_with_no_one_able_to_work_in_the_household():
    orphan = person(birth=born(16, +1), labor_capacity=LaborCapacity.NONE, schooling=Schooling.JUNIOR)  # 15
    assert check("TEKUN", family(orphan), orphan).eligible


# --- household measures -----------------------------------------------------------------------


def test_housing_renovation_needs_an_unsafe_house():
    safe = family(person())
    e = check("HOUSING_RENOVATION", safe)
    assert not e.eligible and [u.text for u in e.unmet] == ["housing_unsafe"]
    unsafe = family(person(), conditions=Conditions(housing_safe=False))
    assert check("HOUSING_RENOVATION", unsafe).eligible
    assert check("HOUSING_RENOVATION", safe, housing_unsafe=True).eligible  # a department's later record


def test_housing_renovation_also_needs_one_of_the_six_groups():
    unsafe = family(person(), alleviated=False, conditions=Conditions(housing_safe=False))
    assert not check("HOUSING_RENOVATION", unsafe).eligible
    assert check("HOUSING_RENOVATION", unsafe, status=MonitoringStatus(receives_dibao=True)).eligible


def test_a_household_measure_given_a_person_raises_measure_target():
    hh, who = family(person()), person()
    with pytest.raises(DomainError) as e:
        check_eligibility(measure("DIBAO"), household_facts(hh, MonitoringStatus(), window=WINDOW),
                          person_facts(who, ON), POLICY.params, on=ON)  # fmt: skip
    assert e.value.code == "MEASURE_TARGET"


def test_a_person_measure_without_a_person_raises_measure_target():
    hh = family(person())
    with pytest.raises(DomainError) as e:
        check_eligibility(measure("YULU"), household_facts(hh, MONITORED, window=WINDOW), None, POLICY.params, on=ON)
    assert e.value.code == "MEASURE_TARGET"


# --- labels, keys and risks -------------------------------------------------------------------


def test_an_eligible_explanation_renders_each_label_with_its_values():
    who = person(birth=born(40))
    e = for_person("MICRO_CREDIT", who)
    assert "借款人年龄 18–65 周岁（40 岁）" in e.met
    assert e.explain() == "符合：" + "；".join(e.met)


def test_render_fills_names_amounts_in_yuan_booleans_and_leaves_unknown_names():
    env = {"age": 40, "x_fen": 1_234_567, "monitored": True, "gone": None, "gone_fen": None}
    assert render("{age} 岁，{x_yuan} 元，{monitored}", env) == "40 岁，12,346 元，是"
    assert render("{gone}/{gone_yuan}/{nope}", env) == "—/—/{nope}"
    assert render("未闭合 {age", env) == "未闭合 {age"


def test_a_measure_without_conditions_is_eligible_with_no_extra_conditions():
    m = Measure(
        "LOCAL", MeasureType.OTHER, "本地", MeasureRole.SUPPORT, Target.HOUSEHOLD, Provider.SOCIAL_FORCE, (), ()
    )
    e = check_eligibility(m, {}, None, {}, on=ON)
    assert e.eligible and e.explain() == "无附加条件"


def test_the_duplicate_key_defaults_to_the_measure_id():
    assert measure("MICRO_CREDIT").key == "micro_credit"
    assert measure("SKILLS_TRAINING").key == "SKILLS_TRAINING"


def test_a_two_digit_address_covers_its_family_and_an_empty_one_covers_any_risk():
    m = measure("YULU")
    assert m.addresses == ("09",) and m.addresses_risk("09") and m.addresses_risk("0901")
    assert not m.addresses_risk("01")
    assert measure("TEMPORARY_ASSISTANCE").addresses_risk("42")
    found = [x.measure_id for x in measures_for_risk(POLICY.measures, "09")]
    assert found[:2] == ["YULU", "EDUCATION_AID"] and "TEMPORARY_ASSISTANCE" in found
    assert "MICRO_CREDIT" not in found
