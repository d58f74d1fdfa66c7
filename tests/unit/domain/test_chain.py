"""The assistance chain at its edges: what a grant covers, when two overlap, when help is missing.

Under the shipped catalogue resolved for a Yunnan village on 2026-11-01: Yulu is paid per term
(terms start 03-01 and 09-01), dibao covers 12 months from a record, the deadline for a measure
after identification is 30 days (``measure_deadline_days``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from jingzhun.domain.chain import (
    LedgerEntry,
    coverage,
    entries_from_events,
    find_duplicates,
    message_parts,
    render_message,
)
from jingzhun.domain.chain_omissions import MonitoredHousehold, find_missed_entitlements, find_risks_without_measure
from jingzhun.domain.eligibility import MonitoringStatus
from jingzhun.domain.features import DepartmentEvent
from jingzhun.domain.household import Household, IncomeWindow, Member, YearMonth
from jingzhun.domain.ids import DivisionCode, make_resident_id
from jingzhun.domain.measures import Measure, Period
from jingzhun.domain.vocab import Relation, Schooling
from jingzhun.policy import load_packs

PLACE = "532328101201"
CHECK = dt.date(2026, 11, 1)
POLICY = load_packs().resolve(PLACE, CHECK)
CATALOGUE = POLICY.measures
DEADLINE = POLICY.params["measure_deadline_days"]
STUDENT = make_resident_id("532328", dt.date(2008, 3, 5), 12).value
SISTER = make_resident_id("532328", dt.date(2009, 7, 1), 22).value


def measure(mid: str) -> Measure:
    m = POLICY.measure(mid)
    assert m is not None, mid
    return m


def entry(
    eid: str, mid: str, start: dt.date, end: dt.date | None = None, *, person: str | None = STUDENT, **kw
) -> LedgerEntry:
    source = kw.pop("source", "plan")
    return LedgerEntry(eid, source, eid, kw.pop("household", "H1"), person, mid, start, end, None, "", PLACE)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ---------------------------------------------------------------- coverage


def test_a_term_grant_covers_the_term_its_day_falls_in_and_a_term_ends_the_day_before_the_next():
    yulu = measure("YULU")
    assert coverage(yulu, entry("a", "YULU", d("2026-08-31"))) == (d("2026-03-01"), d("2026-08-31"))
    assert coverage(yulu, entry("a", "YULU", d("2026-09-01"))) == (d("2026-09-01"), d("2027-02-28"))
    assert coverage(yulu, entry("a", "YULU", d("2026-02-28"))) == (d("2025-09-01"), d("2026-02-28"))
    assert coverage(yulu, entry("a", "YULU", d("2027-10-01"))) == (d("2027-09-01"), d("2028-02-29"))


def test_a_term_entry_naming_an_end_covers_every_term_through_the_end():
    yulu = measure("YULU")
    assert coverage(yulu, entry("a", "YULU", d("2026-03-10"), d("2026-12-20"))) == (d("2026-03-01"), d("2027-02-28"))


def test_a_yearly_grant_covers_its_calendar_year_and_a_monthly_one_its_month():
    transport = measure("LABOUR_TRANSFER")
    assert coverage(transport, entry("a", "LABOUR_TRANSFER", d("2026-06-15"))) == (d("2026-01-01"), d("2026-12-31"))
    monthly = dataclasses.replace(transport, period=Period.MONTH)
    assert coverage(monthly, entry("a", "LABOUR_TRANSFER", d("2028-02-10"))) == (d("2028-02-01"), d("2028-02-29"))


def test_a_span_record_without_an_end_covers_its_months_from_the_day_clamped_to_the_month():
    dibao, temporary = measure("DIBAO"), measure("TEMPORARY_ASSISTANCE")
    assert coverage(dibao, entry("a", "DIBAO", d("2026-01-31"), person=None)) == (d("2026-01-31"), d("2027-01-30"))
    assert coverage(temporary, entry("a", "TEMPORARY_ASSISTANCE", d("2026-01-31"))) == (
        d("2026-01-31"),
        d("2026-02-27"),
    )
    assert coverage(dibao, entry("a", "DIBAO", d("2026-01-31"), d("2026-03-31"))) == (d("2026-01-31"), d("2026-03-31"))


# ---------------------------------------------------------------- duplicates


def test_the_same_yulu_term_paid_by_the_plan_and_by_a_feed_is_one_duplicate_naming_both_records():
    plan = entry("plan:P1/1", "YULU", d("2026-09-20"))
    feed = entry("agriculture:YL1", "YULU", d("2026-09-03"), source="agriculture")
    [f] = find_duplicates([plan, feed], CATALOGUE)
    assert (f.kind, f.rule_id, f.household_id, f.person_id, f.measure_id) == (
        "duplicate",
        "CHAIN_DUPLICATE",
        "H1",
        STUDENT,
        "YULU",
    )
    assert f.record_ids == ("agriculture:YL1", "plan:P1/1")
    assert (f.day_from, f.day_to) == (d("2026-09-01"), d("2027-02-28"))
    assert (f.provider, f.office, f.township_code) == ("agriculture", "农业农村（乡村振兴）部门", "532328101")
    assert "雨露计划职业教育补助" in f.message and "2 条记录（agriculture:YL1、plan:P1/1）" in f.message
    assert STUDENT not in f.message and STUDENT[:4] + "*" * 10 + STUDENT[-4:] in f.message


def test_yulu_on_the_last_day_of_a_term_and_the_first_day_of_the_next_is_no_duplicate():
    pair = [entry("a", "YULU", d("2026-08-31")), entry("b", "YULU", d("2026-09-01"))]
    assert find_duplicates(pair, CATALOGUE) == []


def test_two_dibao_records_sharing_one_day_overlap_and_adjacent_ones_do_not():
    first = entry("a", "DIBAO", d("2026-01-01"), d("2026-06-30"), person=None)
    shared = entry("b", "DIBAO", d("2026-06-30"), person=None)
    adjacent = entry("c", "DIBAO", d("2026-07-01"), person=None)
    [f] = find_duplicates([first, shared], CATALOGUE)
    assert (f.day_from, f.day_to, f.person_id) == (d("2026-06-30"), d("2026-06-30"), None)
    assert f.office == "民政部门" and f.message.startswith("户 H1的“农村最低生活保障（兜底）”")
    assert find_duplicates([first, adjacent], CATALOGUE) == []


def test_a_household_measure_is_the_households_whichever_member_a_record_names():
    a = entry("a", "DIBAO", d("2026-01-01"), person=STUDENT)
    b = entry("b", "DIBAO", d("2026-03-01"), person=SISTER)
    [f] = find_duplicates([a, b], CATALOGUE)
    assert f.person_id is None and f.record_ids == ("a", "b")


def test_the_same_term_for_two_students_or_two_different_needs_is_no_duplicate():
    assert find_duplicates([entry("a", "YULU", d("2026-09-03")), entry("b", "YULU", d("2026-09-03"), person=SISTER)],
                           CATALOGUE) == []  # fmt: skip
    assert find_duplicates([entry("a", "YULU", d("2026-09-03")), entry("b", "EDUCATION_AID", d("2026-09-03"))],
                           CATALOGUE) == []  # fmt: skip


def test_two_education_subsidies_of_one_kind_in_one_term_are_a_duplicate():
    a = entry("education:E1", "EDUCATION_AID", d("2026-09-05"), source="education")
    b = entry("education:E2", "EDUCATION_AID", d("2026-10-05"), source="education")
    [f] = find_duplicates([a, b], CATALOGUE)
    assert f.office == "教育部门" and f.measure_id == "EDUCATION_AID"


def test_a_run_of_overlaps_is_one_finding_spanning_the_days_covered_twice():
    a = entry("a", "DIBAO", d("2026-01-01"), d("2026-03-31"), person=None)
    b = entry("b", "DIBAO", d("2026-03-01"), d("2026-05-31"), person=None)
    c = entry("c", "DIBAO", d("2026-05-15"), d("2026-09-30"), person=None)
    later = entry("z", "DIBAO", d("2026-10-01"), d("2026-12-31"), person=None)
    [f] = find_duplicates([c, later, a, b], CATALOGUE)
    assert f.record_ids == ("a", "b", "c")
    assert (f.day_from, f.day_to) == (d("2026-03-01"), d("2026-05-31"))
    assert "3 条记录" in f.message


def test_an_entry_of_a_measure_not_in_the_catalogue_is_not_compared():
    assert find_duplicates([entry("a", "NO_SUCH", d("2026-09-03")), entry("b", "NO_SUCH", d("2026-09-03"))],
                           CATALOGUE) == []  # fmt: skip


# ---------------------------------------------------------------- feeds


def test_a_department_record_of_a_catalogue_measure_joins_the_ledger_in_its_members_household():
    events = [
        DepartmentEvent("agriculture", "YL1", "yulu_subsidy", d("2026-09-03"), person_id=STUDENT, amount_fen=150_000),
        DepartmentEvent("civil_affairs", "MZ1", "dibao_enrolled", d("2026-02-01"), household_id="H1"),
        DepartmentEvent("agriculture", "YL2", "yulu_subsidy", d("2026-09-03"), person_id="UNKNOWN"),
        DepartmentEvent("medical_insurance", "YB1", "medical_expense", d("2026-09-03"), person_id=STUDENT),
        DepartmentEvent("civil_affairs", "MZ2", "dibao_enrolled", d("2026-02-01"), household_id="ELSEWHERE"),
    ]
    got = entries_from_events(events, CATALOGUE, {STUDENT: "H1"}, {"H1": PLACE})
    assert [(e.entry_id, e.household_id, e.person_id, e.measure_id, e.amount_fen) for e in got] == [
        ("agriculture:YL1", "H1", STUDENT, "YULU", 150_000),
        ("civil_affairs:MZ1", "H1", None, "DIBAO", None),
    ]
    assert got[0].division_code == PLACE and got[0].provider == "agriculture" and got[0].end is None


# ---------------------------------------------------------------- a risk without a measure


def monitored(days_ago: int, *codes: str) -> MonitoredHousehold:
    return MonitoredHousehold("H1", PLACE, CHECK - dt.timedelta(days=days_ago), codes, case_id="C1")


def risks(entries: list[LedgerEntry], h: MonitoredHousehold) -> list[tuple[str | None, tuple[str, ...]]]:
    found = find_risks_without_measure(entries, CATALOGUE, [h], check_day=CHECK, deadline_days=DEADLINE,
                                       risk_labels={"07": "因务工就业不稳"})  # fmt: skip
    return [(f.risk_code, f.record_ids) for f in found]


def test_a_risk_without_a_measure_is_an_omission_from_the_thirty_first_day():
    assert DEADLINE == 30
    assert risks([], monitored(30, "07")) == []
    [f] = find_risks_without_measure([], CATALOGUE, [monitored(31, "07")], check_day=CHECK, deadline_days=DEADLINE,
                                     risk_labels={"07": "因务工就业不稳"})  # fmt: skip
    assert (f.kind, f.rule_id, f.risk_code, f.record_ids, f.measure_id) == (
        "omission",
        "CHAIN_RISK_WITHOUT_MEASURE",
        "07",
        ("C1",),
        None,
    )
    assert (f.day_from, f.day_to, f.office, f.township_code) == (
        d("2026-10-01"),
        CHECK,
        "农业农村（乡村振兴）部门",
        "532328101",
    )
    assert (
        f.message
        == "户 H1的风险“07（因务工就业不稳）”于 2026-10-01 认定，已过 31 天（期限 30 天），仍没有针对该风险的帮扶措施"
    )


def test_only_the_risks_no_started_measure_addresses_are_omissions():
    industry = entry("p1", "INDUSTRY_SUPPORT", CHECK - dt.timedelta(days=40), person=None)
    assert risks([industry], monitored(60, "07", "09")) == [("09", ("C1",))]
    yulu = entry("p2", "YULU", CHECK - dt.timedelta(days=40))
    assert risks([industry, yulu], monitored(60, "07", "09")) == []


def test_a_measure_that_ended_before_identification_or_starts_after_the_check_day_does_not_count():
    ended = entry("p1", "INDUSTRY_SUPPORT", d("2025-01-01"), d("2025-12-31"), person=None)
    future = entry("p2", "INDUSTRY_SUPPORT", CHECK + dt.timedelta(days=1), person=None)
    assert risks([ended, future], monitored(60, "07")) == [("07", ("C1",))]


def test_a_two_digit_family_in_a_measures_addresses_covers_its_detailed_codes():
    housing = entry("p1", "HOUSING_RENOVATION", CHECK - dt.timedelta(days=50), person=None)
    assert risks([housing], monitored(60, "0201")) == []
    assert risks([housing], monitored(60, "0201", "05")) == [("05", ("C1",))]


# ---------------------------------------------------------------- an entitlement missed

TERM_START = d("2026-09-01")


def student_household(*, alleviated: bool = False) -> Household:
    members = [
        Member(make_resident_id("532328", dt.date(1975, 1, 1), 11), "户主", Relation.HEAD),
        Member(
            make_resident_id("532328", dt.date(2008, 3, 5), 12), "学生", Relation.CHILD, schooling=Schooling.VOCATIONAL
        ),
    ]
    incomes = [IncomeWindow(YearMonth(2026, 10), wage=3_000_000)]
    return Household("H1", DivisionCode(PLACE), alleviated=alleviated, members=members, incomes=incomes)


def missed(entries: list[LedgerEntry], hh: Household, statuses) -> list[tuple[str | None, str | None]]:
    found = find_missed_entitlements(entries, CATALOGUE, [hh], statuses, POLICY.params, check_day=CHECK)
    return [(f.person_id, f.measure_id) for f in found]


MONITORED_ON_TERM_START = {TERM_START: {"H1": MonitoringStatus(monitored=True)}}


def test_a_vocational_student_of_a_household_monitored_on_the_first_day_of_term_without_yulu_is_missed():
    [f] = find_missed_entitlements([], CATALOGUE, [student_household()], MONITORED_ON_TERM_START, POLICY.params,
                                   check_day=CHECK)  # fmt: skip
    assert (f.rule_id, f.person_id, f.measure_id, f.record_ids) == ("CHAIN_ENTITLEMENT_MISSED", STUDENT, "YULU", ())
    assert (f.day_from, f.day_to, f.office) == (TERM_START, CHECK, "农业农村（乡村振兴）部门")
    assert "符合“雨露计划职业教育补助”的全部条件（户的状态按 2026-09-01 判断）" in f.message


def test_yulu_paid_this_term_fills_the_entitlement_and_last_terms_does_not():
    this_term = entry("a", "YULU", d("2026-09-10"))
    last_term = entry("b", "YULU", d("2026-03-10"))
    assert missed([this_term], student_household(), MONITORED_ON_TERM_START) == []
    assert missed([last_term], student_household(), MONITORED_ON_TERM_START) == [(STUDENT, "YULU")]


def test_the_household_status_counts_on_the_first_day_of_term_not_on_the_check_day():
    only_later = {CHECK: {"H1": MonitoringStatus(monitored=True)}}
    assert missed([], student_household(), only_later) == []
    assert missed([], student_household(alleviated=True), {}) == [(STUDENT, "YULU")]


def test_messages_are_built_from_one_template_per_rule():
    parts = message_parts("CHAIN_DUPLICATE")
    assert [t for t, is_field in parts if is_field] == ["who", "measure", "day_from", "day_to", "count", "records"]
    values = {"who": "户 H1", "risk": "07", "identified_on": "2026-10-01", "days": 31, "deadline": 30}
    assert render_message("CHAIN_RISK_WITHOUT_MEASURE", values).startswith("户 H1的风险“07”")
