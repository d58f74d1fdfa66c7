"""Users, scoping, separation of duties and the audit of reads and refusals, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services import auditing
from jingzhun.services.auditing import read_log
from jingzhun.services.cases import act_on_case, receive_lead, view_case
from jingzhun.services.deadlines import list_cases
from jingzhun.services.households import view_household
from jingzhun.services.importer import run_import
from jingzhun.services.users import User, actor_of, add_user, deactivate_user, list_users

from .helpers import read_csv, synthetic_registry

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def county(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=120)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code")
    return engine, hh


def events(engine, **where):
    e = t.audit_events.c
    query = select(e.actor, e.action, e.record, e.result, e.detail).order_by(e.seq)
    for key, value in where.items():
        query = query.where(getattr(e, key) == value)
    with engine.connect() as c:
        return c.execute(query).all()


def lead(household_id: str, n: int) -> Lead:
    return Lead(f"L{n}", household_id, Channel.SELF_DECLARATION, T0, source="12317 热线")


def test_the_first_account_is_an_administrator_and_creates_the_others_inside_its_jurisdiction(county):
    engine, hh = county
    with pytest.raises(DomainError) as e:
        add_user(engine, User("u1", "张三", Role.VILLAGE_CADRE, "532328"), by=None)
    assert e.value.code == "PERMISSION_DENIED"
    admin = add_user(engine, User("admin", "管理员", Role.ADMINISTRATOR, "532328"), by=None)
    assert admin.jurisdiction == "532328000000"
    with pytest.raises(DomainError) as e:  # the bootstrap path is closed once an account exists
        add_user(engine, User("admin2", "管理员", Role.ADMINISTRATOR, "532328"), by=None)
    assert e.value.code == "PERMISSION_DENIED"
    village = hh["division_code"][0]
    add_user(engine, User("cadre", "李四", Role.VILLAGE_CADRE, village), by=admin.actor)
    with pytest.raises(DomainError) as e:  # another county
        add_user(engine, User("far", "王五", Role.VILLAGE_CADRE, "530102001001"), by=admin.actor)
    assert e.value.code == "PERMISSION_DENIED"
    with pytest.raises(DomainError) as e:
        add_user(engine, User("cadre", "重名", Role.VILLAGE_CADRE, village), by=admin.actor)
    assert e.value.code == "USER_EXISTS"
    with pytest.raises(DomainError) as e:
        add_user(engine, User("bad", "某", Role.VILLAGE_CADRE, "532399101201"), by=admin.actor)
    assert e.value.code == "USER_INVALID"
    assert actor_of(engine, "cadre") == Actor("cadre", Role.VILLAGE_CADRE, village)
    assert [u.user_id for u in list_users(engine, admin.actor)] == ["admin", "cadre"]
    deactivate_user(engine, "cadre", by=admin.actor)
    with pytest.raises(DomainError) as e:
        actor_of(engine, "cadre")
    assert e.value.code == "USER_NOT_FOUND"
    results = [(r.action, r.result) for r in events(engine, actor="admin")]
    assert ("user.create", "denied") in results and ("user.create", "failed") in results
    assert ("user.deactivate", "ok") in results


def test_a_township_sees_exactly_the_cases_of_its_villages(county):
    engine, hh = county
    by_village = {v: g["household_id"].to_list() for (v,), g in hh.group_by("division_code")}
    villages = sorted(by_village)
    for n, v in enumerate(villages):
        receive_lead(engine, lead(by_village[v][0], n), Actor(f"c{n}", Role.VILLAGE_CADRE, v))
    township = villages[0][:9] + "000"
    reviewer = Actor("town", Role.TOWNSHIP_REVIEWER, township)
    seen = {r.household_id for r in list_cases(engine, reviewer, today=T0.date())}
    expected = {by_village[v][0] for v in villages if v.startswith(township[:9])}
    assert seen == expected and 0 < len(seen) < len(villages)
    for v in villages:
        own = {r.household_id for r in list_cases(engine, Actor("x", Role.VILLAGE_CADRE, v), today=T0.date())}
        assert own == {by_village[v][0]}


def test_every_household_read_is_audited_and_ids_are_masked(county):
    engine, hh = county
    village, household = hh["division_code"][0], hh["household_id"][0]
    cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
    for _ in range(3):
        view = view_household(engine, household, cadre)
    assert view.members and all("*" in m.person_id_masked for m in view.members)
    assert len(events(engine, action="household.read", result="ok")) == 3
    other = hh.filter(hh["division_code"] != village)["household_id"][0]
    with pytest.raises(DomainError) as e:
        view_household(engine, other, cadre)
    assert e.value.code == "HOUSEHOLD_NOT_FOUND"
    denied = events(engine, action="household.read", result="denied")
    assert len(denied) == 1 and "HOUSEHOLD_NOT_FOUND" in denied[0].detail


def test_the_auditor_reads_the_log_but_no_person_record(county):
    engine, hh = county
    auditor = Actor("aud", Role.AUDITOR, "532328000000")
    with pytest.raises(DomainError) as e:
        view_household(engine, hh["household_id"][0], auditor)
    assert e.value.code == "PERMISSION_DENIED"
    log = read_log(engine, auditor).events
    assert log[0].action == "household.read" and log[0].result == "denied"
    cadre = Actor("cadre", Role.VILLAGE_CADRE, hh["division_code"][0])
    with pytest.raises(DomainError):
        read_log(engine, cadre)
    admin = Actor("admin", Role.ADMINISTRATOR, "532328000000")
    with pytest.raises(DomainError):  # the administrator does not read person records either
        view_household(engine, hh["household_id"][0], admin)
    assert audit_store.verify(engine, sm3)[1] == []


def test_a_refused_step_is_audited_and_changes_nothing(county):
    engine, hh = county
    village, household = hh["division_code"][0], hh["household_id"][0]
    cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
    case = receive_lead(engine, lead(household, 1), cadre)
    with pytest.raises(DomainError) as e:
        act_on_case(engine, case.case_id, "submit_verification", cadre, at=T0)
    assert e.value.code == "WORKFLOW_NOT_ALLOWED"
    officer = Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000")
    with pytest.raises(DomainError) as e:
        act_on_case(engine, case.case_id, "accept", officer, at=T0)
    assert e.value.code == "ROLE_NOT_ALLOWED"
    partner = Actor("partner", Role.ASSISTANCE_PARTNER, village)
    with pytest.raises(DomainError) as e:
        view_case(engine, case.case_id, partner)
    assert e.value.code == "PERMISSION_DENIED"
    got = [(r.actor, r.action, r.result) for r in events(engine) if r.result != "ok"]
    assert got == [
        ("cadre", "case.submit_verification", "failed"),
        ("data", "case.accept", "denied"),
        ("partner", "case.read", "denied"),
    ]
    assert view_case(engine, case.case_id, cadre).case.state == "lead"


def test_an_audit_write_failure_fails_the_action(county, monkeypatch):
    engine, hh = county
    cadre = Actor("cadre", Role.VILLAGE_CADRE, hh["division_code"][0])
    case = receive_lead(engine, lead(hh["household_id"][0], 1), cadre)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(auditing.audit_store, "append", broken)
    with pytest.raises(RuntimeError):
        act_on_case(engine, case.case_id, "accept", cadre, at=T0)
    with pytest.raises(RuntimeError):
        view_household(engine, hh["household_id"][0], cadre)
    monkeypatch.undo()
    assert view_case(engine, case.case_id, cadre).case.state == "lead"


class CoversOnlyOctober:
    """A holiday calendar that, like chinese-calendar before a year's notice, cannot date later days."""

    def is_workday(self, day: dt.date) -> bool:
        if day >= dt.date(2026, 11, 1):
            raise DomainError("CALENDAR_YEAR_UNCOVERED", "节假日数据未覆盖")
        return day.weekday() < 5


def test_a_case_whose_limits_the_calendar_cannot_date_is_shown_undated_not_refused(county):
    engine, hh = county
    cadre = Actor("cadre", Role.VILLAGE_CADRE, hh["division_code"][0])
    case = receive_lead(engine, lead(hh["household_id"][0], 1), cadre, calendar=CoversOnlyOctober())
    case = act_on_case(engine, case.case_id, "accept", cadre, at=T0, calendar=CoversOnlyOctober())
    view = view_case(engine, case.case_id, cadre, today=T0.date(), calendar=CoversOnlyOctober())
    assert view.undated and view.deadlines == () and view.case.state == "verifying"
    assert list_cases(engine, cadre, today=T0.date(), calendar=CoversOnlyOctober())[0].status is None


def test_a_time_ahead_of_the_clock_is_refused(county):
    engine, hh = county
    cadre = Actor("cadre", Role.VILLAGE_CADRE, hh["division_code"][0])
    case = receive_lead(engine, lead(hh["household_id"][0], 1), cadre)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(DomainError) as e:
        act_on_case(engine, case.case_id, "accept", cadre, at=future)
    assert e.value.code == "TIME_IN_FUTURE"
    with pytest.raises(DomainError) as e:
        receive_lead(engine, Lead("L9", hh["household_id"][1], Channel.SELF_DECLARATION, future, source="x"), cadre)
    assert e.value.code == "TIME_IN_FUTURE"


def test_a_case_reference_is_never_masked_but_a_household_reference_is():
    assert auditing.mask_ref("case:Ca13812345678") == "case:Ca13812345678"  # looks like a mobile, is our id
    assert auditing.mask_ref("household:532328198001010012") == "household:5323**********0012"
