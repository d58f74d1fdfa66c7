"""A village's public notice over a real store (SQLite and PostgreSQL): who is listed, when, for whom, audited.

Cases are taken to the notice through ``act_on_case`` with past times, as a county would record
paper steps after the fact: three households of village A enter the notice on 5 November, a
fourth stops at the village review, and one household of village B (another township) is in
its own notice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.importer import run_import
from jingzhun.services.notices import village_notice, village_notice_pdf

from .helpers import read_csv, synthetic_registry

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing
DAY = dt.timedelta(days=1)
POSTED = dt.date(2026, 11, 5)  # pass_village_review at T0 + 3 days
LAST = dt.date(2026, 11, 9)  # five calendar days, the posting day counted
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# (action, who, offset from T0, keyword arguments) — from a lead to the public notice
TO_NOTICE = (
    ("accept", "cadre", dt.timedelta(hours=1), {}),
    ("submit_verification", "cadre", DAY, {
        "evidence": ["verification_form", "signed_consent"],
        "category": MonitoringCategory.SUDDEN_HARDSHIP, "risk_codes": ["01", "03"],  # 因病、因残: never printed
    }),
    ("complete_comparison", "data", 2 * DAY, {"evidence": ["asset_comparison"]}),
    ("pass_village_review", "cadre", 3 * DAY, {"evidence": ["village_review_minutes"]}),
)  # fmt: skip


@dataclass
class County:
    engine: Engine
    village_a: str
    village_b: str
    cadre_a: Actor
    cadre_b: Actor
    town_a: Actor
    in_notice: list[str]  # village-A cases in the notice
    reviewing: str  # a village-A case still at the village review
    case_b: str  # village B's case in the notice
    heads: dict[str, str]  # case id → head of household's name
    spare: list[str]  # village-A households without a case


def head_name(engine: Engine, household_id: str) -> str:
    m = t.members.c
    with engine.connect() as c:
        return str(c.execute(select(m.name).where(m.household_id == household_id, m.relation == "head")).scalar_one())


def take(engine: Engine, case_id: str, village: str, steps=TO_NOTICE, start: dt.datetime = T0) -> None:
    people = {
        "cadre": Actor("cadre", Role.VILLAGE_CADRE, village),
        "data": Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000"),
    }
    for action, who, offset, kw in steps:
        act_on_case(engine, case_id, action, people[who], at=start + offset, **kw)


@pytest.fixture
def county(engine, tmp_path) -> County:
    src = synthetic_registry(tmp_path / "reg", households=400)  # the largest village has 8 households
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code")
    sizes = hh.group_by("division_code").len().sort(["len", "division_code"], descending=[True, False])
    a = sizes["division_code"][0]
    b = next(v for v in sorted(set(hh["division_code"])) if v[:9] != a[:9])
    all_a = hh.filter(hh["division_code"] == a)["household_id"].to_list()
    in_a = all_a[:4]
    in_b = hh.filter(hh["division_code"] == b)["household_id"].to_list()[:1]
    cases: dict[str, str] = {}
    for household in (*in_a, *in_b):
        village = a if household in in_a else b
        lead = Lead(f"S-{household}", household, Channel.SELF_DECLARATION, T0, "申报")
        cases[household] = receive_lead(engine, lead, Actor("cadre", Role.VILLAGE_CADRE, village)).case_id
    for household in in_a[:3]:
        take(engine, cases[household], a)
    take(engine, cases[in_a[3]], a, TO_NOTICE[:-1])
    take(engine, cases[in_b[0]], b)
    return County(
        engine, a, b,
        Actor("cadre_a", Role.VILLAGE_CADRE, a), Actor("cadre_b", Role.VILLAGE_CADRE, b),
        Actor("town_a", Role.TOWNSHIP_REVIEWER, a[:9] + "000"),
        [cases[h] for h in in_a[:3]], cases[in_a[3]], cases[in_b[0]],
        {cases[h]: head_name(engine, h) for h in (*in_a, *in_b)}, all_a[4:],
    )  # fmt: skip


def division_name(engine: Engine, code: str) -> str:
    d = t.divisions.c
    with engine.connect() as c:
        return str(c.execute(select(d.name).where(d.code == code)).scalar_one())


def notice_events(engine: Engine) -> list[tuple[str, str, str, dict[str, object]]]:
    e = t.audit_events.c
    query = select(e.actor, e.record, e.result, e.detail).where(e.action == "notice.read").order_by(e.seq)
    with engine.connect() as c:
        return [(r.actor, r.record, r.result, json.loads(r.detail)) for r in c.execute(query)]


def test_the_notice_lists_exactly_the_households_in_the_notice_with_their_period(county):
    notice = village_notice(county.engine, county.cadre_a, county.village_a, on=dt.date(2026, 11, 6))
    expected = sorted(county.heads[c] for c in county.in_notice)
    assert sorted(r.head_name for r in notice.rows) == expected
    assert county.heads[county.reviewing] not in {r.head_name for r in notice.rows}
    village, township = (
        division_name(county.engine, county.village_a),
        division_name(county.engine, county.village_a[:9] + "000"),
    )
    assert notice.village_name == village and notice.township_name == township
    assert notice.issuer == f"{township}人民政府"
    assert notice.title == "防止返贫致贫对象识别公示" and notice.dated == dt.date(2026, 11, 6)
    assert notice.period == "5个自然日"
    for r in notice.rows:
        assert (r.village, r.category, r.decision) == (village, "突发严重困难户", "拟纳入防止返贫致贫对象")
        assert (r.first_day, r.last_day) == (POSTED, LAST)
    assert notice.common_period == (POSTED, LAST)


def test_the_notice_carries_no_identifier_health_or_disability_detail(county):
    notice = village_notice(county.engine, county.cadre_a, county.village_a)
    text = repr(notice)
    assert FULL_ID.search(text) is None and MOBILE.search(text) is None
    for private in ("因病", "因残", "01", "03", "chronic", "healthy", "disabled"):
        assert f"'{private}'" not in text and private not in "".join(r.category for r in notice.rows)


def test_the_posting_day_is_the_beijing_date(county):
    def to_notice_from(start: dt.datetime) -> str:
        household = county.spare.pop()
        lead = Lead(f"S2-{household}", household, Channel.SELF_DECLARATION, T0, "申报")
        case_id = receive_lead(county.engine, lead, county.cadre_a).case_id
        take(county.engine, case_id, county.village_a, start=start)
        return head_name(county.engine, household)

    late = to_notice_from(T0 + dt.timedelta(hours=14, minutes=30))  # posted 15:30 UTC = 23:30 Beijing, 5 Nov
    later = to_notice_from(T0 + dt.timedelta(hours=15, minutes=30))  # posted 16:30 UTC = 00:30 Beijing, 6 Nov
    notice = village_notice(county.engine, county.cadre_a, county.village_a, on=dt.date(2026, 11, 7))
    periods = {r.head_name: (r.first_day, r.last_day) for r in notice.rows}
    assert periods[county.heads[county.in_notice[0]]] == periods[late] == (POSTED, LAST)
    assert periods[later] == (dt.date(2026, 11, 6), dt.date(2026, 11, 10))
    assert notice.common_period is None
    assert [r.head_name for r in notice.rows][-1] == later  # earliest posted first
    # on 5 November the later one had not been posted yet
    assert later not in {
        r.head_name for r in village_notice(county.engine, county.cadre_a, county.village_a, on=POSTED).rows
    }


def test_a_case_that_left_the_notice_is_no_longer_listed(county):
    closed = county.in_notice[0]
    cadre = Actor("cadre", Role.VILLAGE_CADRE, county.village_a)
    act_on_case(county.engine, closed, "close_publicity", cadre, at=T0 + 8 * DAY, evidence=["publicity_record"])
    notice = village_notice(county.engine, county.cadre_a, county.village_a)
    assert county.heads[closed] not in {r.head_name for r in notice.rows}
    assert len(notice.rows) == 2


def test_a_township_reviewer_reads_its_villages_and_not_another_townships(county):
    notice = village_notice(county.engine, county.town_a, county.village_a)
    assert len(notice.rows) == 3
    with pytest.raises(DomainError) as e:
        village_notice(county.engine, county.town_a, county.village_b)
    assert e.value.code == "VILLAGE_NOT_FOUND"


def test_a_cadre_of_another_village_is_told_not_found_and_the_refusal_is_audited(county):
    with pytest.raises(DomainError) as e:
        village_notice(county.engine, county.cadre_b, county.village_a, request_id="r-1")
    assert e.value.code == "VILLAGE_NOT_FOUND"
    (event,) = notice_events(county.engine)
    assert event[:2] == ("cadre_b", f"division:{county.village_a}") and event[2] != "ok"
    assert event[3] == {"code": "VILLAGE_NOT_FOUND"}
    own = village_notice(county.engine, county.cadre_b, county.village_b)  # its own village it reads
    assert [r.head_name for r in own.rows] == [county.heads[county.case_b]]


def test_roles_without_case_read_are_refused(county):
    auditor = Actor("auditor", Role.AUDITOR, county.village_a[:6] + "000000")
    with pytest.raises(DomainError) as e:
        village_notice(county.engine, auditor, county.village_a)
    assert e.value.code == "PERMISSION_DENIED"
    assert notice_events(county.engine)[-1][:3] == ("auditor", f"division:{county.village_a}", "denied")


@pytest.mark.parametrize(
    "code", ["532328", "5323281012019", "not-a-code", "532328101000", "532328999999", " 532328101201", "9" * 500]
)
def test_a_code_that_is_not_a_known_village_is_not_found(county, code):
    with pytest.raises(DomainError) as e:
        village_notice(county.engine, Actor("county", Role.COUNTY_APPROVER, "532328000000"), code)
    assert e.value.code == "VILLAGE_NOT_FOUND"
    assert notice_events(county.engine)[-1][2] != "ok"  # audited, however long the code


def test_an_id_number_asked_for_as_a_village_is_masked_in_the_audit_log(county):
    with pytest.raises(DomainError):
        village_notice(county.engine, county.cadre_a, "532328195803143971")
    (event,) = notice_events(county.engine)
    assert event[1] == "division:?5323**********3971"


def test_an_unknown_kind_of_notice_is_refused(county):
    with pytest.raises(DomainError) as e:
        village_notice(county.engine, county.cadre_a, county.village_a, kind="exit")
    assert e.value.code == "NOTICE_KIND_UNKNOWN"


def test_every_read_writes_one_event_naming_the_cases_shown(county):
    village_notice(county.engine, county.cadre_a, county.village_a, on=dt.date(2026, 11, 6), request_id="r-7")
    village_notice(county.engine, county.town_a, county.village_a, kind="elimination")
    events = notice_events(county.engine)
    assert [(a, r, res) for a, r, res, _ in events] == [
        ("cadre_a", f"division:{county.village_a}", "ok"),
        ("town_a", f"division:{county.village_a}", "ok"),
    ]
    # posted the same day and opened at the same time: listed (and audited) in case-id order
    assert events[0][3] == {"kind": "identification", "on": "2026-11-06", "cases": sorted(county.in_notice)}
    assert events[1][3]["kind"] == "elimination" and events[1][3]["cases"] == []


def test_the_printable_notice_shows_the_households_and_period(county, tmp_path):
    try:
        body = village_notice_pdf(county.engine, county.cadre_a, county.village_a, on=dt.date(2026, 11, 6))
    except DomainError as e:
        if e.code != "FONT_MISSING" or os.environ.get("JINGZHUN_REQUIRE_BROWSER") == "1":
            raise
        pytest.skip(e.message)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert body.startswith(b"%PDF-") and len(body) < 1_000_000
    assert "防止返贫致贫对象识别公示" in text and "公示期：2026年11月5日至11月9日" in text
    assert all(county.heads[c] in text for c in county.in_notice)
    assert county.heads[county.reviewing] not in text and county.heads[county.case_b] not in text
    compact = re.sub(r"\s+", "", text)
    assert FULL_ID.search(compact) is None and MOBILE.search(compact) is None
    assert len(notice_events(county.engine)) == 1
