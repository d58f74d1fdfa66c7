"""A small synthetic county in a real store (SQLite and PostgreSQL), served by the app in-process.

Accounts: cadres of two villages in different townships, their township reviewer, the county
approver, a data officer, an auditor, an administrator — each with a password. Every village-A
and village-B household has a case opened by a self-declared lead.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from jingzhun.adapters.db import tables as t
from jingzhun.adapters.db.engine import make_engine
from jingzhun.adapters.db.migrate import upgrade
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.ids import ResidentId
from jingzhun.domain.vocab import LaborCapacity
from jingzhun.domain.workflow import Role
from jingzhun.reference.divisions import counties_of_province
from jingzhun.services.auth import set_password
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.importer import run_import
from jingzhun.services.users import User, add_user
from jingzhun.settings import Settings
from jingzhun.web.app import create_app

from ...conftest import PG_URL
from ..services.helpers import GREEN_CHANNEL_STEPS, read_csv, synthetic_registry

PASSWORD = "correct horse 2026"
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


@dataclass
class County:
    engine: Engine
    settings: Settings
    village_a: str
    village_b: str
    households_a: list[str]
    households_b: list[str]
    cases_a: list[str]
    cases_b: list[str]


@dataclass(frozen=True)
class _Built:
    """A county built once: its store (a SQLite file or a PostgreSQL database), the files it imported, its ids."""

    store: str
    registry: Path
    ids: tuple[str, str, list[str], list[str], list[str], list[str]]


class CountyTemplates:
    """Each test's county is a copy of one built once per backend in the session (and once more for
    the tests that run on a scenario's day, so that their county is dated on that day too).

    Building it (an 80-household import, seven accounts with passwords, the leads) took about 2 s
    a test, most of the web suite's time; a copy takes a few milliseconds on SQLite (the backup
    API) and well under a second on PostgreSQL (CREATE DATABASE … TEMPLATE). Each copy is the
    test's own, so tests still never see each other's changes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[tuple[str, bool], _Built] = {}
        self.databases: list[str] = []

    def copy(self, store_url: str, registry: Path, *, scenario: bool) -> tuple[Engine, _Built]:
        backend = make_url(store_url).get_backend_name()
        key = (backend, scenario)
        if key not in self.built:
            self.built[key] = self._build(backend, self.root / f"{backend}-{int(scenario)}")
        built = self.built[key]
        if backend == "sqlite":
            source, target = sqlite3.connect(built.store), sqlite3.connect(make_url(store_url).database or "")
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            name = make_url(store_url).database
            with _admin().connect() as c:  # pg_url made it empty; make it a copy of the template instead
                c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{built.store}"'))
        shutil.copytree(built.registry, registry)
        return make_engine(store_url), built

    def _build(self, backend: str, folder: Path) -> _Built:
        folder.mkdir(parents=True)
        if backend == "sqlite":
            store, url = str(folder / "store.sqlite"), f"sqlite:///{folder / 'store.sqlite'}"
        else:
            store = f"jz_tpl_{uuid.uuid4().hex[:12]}"
            with _admin().connect() as c:
                c.execute(text(f'CREATE DATABASE "{store}"'))
            self.databases.append(store)
            url = make_url(PG_URL).set(database=store).render_as_string(hide_password=False)
        engine = make_engine(url)
        try:
            upgrade(engine)
            ids = _build_county(engine, folder / "reg")
        finally:
            engine.dispose()  # a template database must have no connections when it is copied
        return _Built(store, folder / "reg", ids)

    def drop(self) -> None:
        if self.databases:
            with _admin().connect() as c:
                for name in self.databases:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _admin() -> Engine:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _build_county(engine: Engine, registry: Path) -> tuple[str, str, list[str], list[str], list[str], list[str]]:
    src = synthetic_registry(registry, households=80)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code")
    villages = sorted(set(hh["division_code"]))
    sizes = hh["division_code"].value_counts()
    a = sizes.sort(["count", "division_code"], descending=[True, False])["division_code"][0]  # the largest village
    b = next(v for v in villages if v[:9] != a[:9])
    in_a = hh.filter(hh["division_code"] == a)["household_id"].to_list()
    in_b = hh.filter(hh["division_code"] == b)["household_id"].to_list()
    county = a[:6] + "000000"
    admin = add_user(engine, User("admin", "管理员", Role.ADMINISTRATOR, county), by=None).actor
    for user in (
        User("cadre_a", "村干部甲", Role.VILLAGE_CADRE, a),
        User("cadre_b", "村干部乙", Role.VILLAGE_CADRE, b),
        User("town_a", "乡镇审核甲", Role.TOWNSHIP_REVIEWER, a[:9] + "000"),
        User("county", "县审批", Role.COUNTY_APPROVER, county),
        User("data", "数据专员", Role.DEPARTMENT_DATA_OFFICER, county),
        User("auditor", "审计员", Role.AUDITOR, county),
    ):
        add_user(engine, user, by=admin)
    for user_id in ("admin", "cadre_a", "cadre_b", "town_a", "county", "data", "auditor"):
        set_password(engine, user_id, PASSWORD, by=admin)
    cases: dict[str, list[str]] = {a: [], b: []}
    for village, ids in ((a, in_a), (b, in_b)):
        cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
        for n, household in enumerate(ids):
            lead = Lead(f"S-{household}", household, Channel.SELF_DECLARATION, T0 + dt.timedelta(minutes=n), "申报")
            cases[village].append(receive_lead(engine, lead, cadre).case_id)
    return a, b, in_a, in_b, cases[a], cases[b]


@pytest.fixture(scope="session")
def county_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyTemplates]:
    templates = CountyTemplates(tmp_path_factory.mktemp("counties"))
    yield templates
    templates.drop()


@pytest.fixture
def county(
    store_url: str, tmp_path: Path, county_templates: CountyTemplates, request: pytest.FixtureRequest
) -> Iterator[County]:
    """The county in this test's own store (a copy of the session's), its registry files in ``tmp_path / "reg"``."""
    scenario = "on_the_scenario_day" in request.fixturenames
    engine, built = county_templates.copy(store_url, tmp_path / "reg", scenario=scenario)
    cfg = Settings(cookie_secure=False, max_failed_logins=3, lockout_minutes=15, data_dir=tmp_path / "data")
    try:
        yield County(engine, cfg, *built.ids)
    finally:
        engine.dispose()


@pytest.fixture
def app_client(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as client:
        yield client


def login(client: TestClient, user_id: str, password: str = PASSWORD) -> str:
    """Log in and return the session's CSRF token (read from the home page's logout form)."""
    response = client.post("/login", data={"user_id": user_id, "password": password})
    assert response.status_code == 303, response.text
    home = client.get("/", follow_redirects=True)  # the auditor's and the administrator's homes are their pages
    marker = 'name="csrf_token" value="'
    start = home.text.index(marker) + len(marker)
    return home.text[start : home.text.index('"', start)]


def other_county(county: County) -> str:
    """An administrator (``admin_x``) and an auditor (``auditor_x``) of another county of the province, with passwords.

    Only the first account of an empty store is created without an administrator, so the other
    county's administrator is written into the store directly, as its own first account would be.
    """
    own = county.village_a[:6]
    code = next(c.code for c in counties_of_province(own[:2]) if c.code != own) + "000000"
    with county.engine.begin() as conn:
        conn.execute(
            t.users.insert().values(
                user_id="admin_x", display_name="外县管理员", role=Role.ADMINISTRATOR.value, jurisdiction=code,
                active=True, created_at=dt.datetime.now(dt.UTC), created_by="system",
            )
        )  # fmt: skip
    admin_x = Actor("admin_x", Role.ADMINISTRATOR, code)
    add_user(county.engine, User("auditor_x", "外县审计员", Role.AUDITOR, code), by=admin_x)
    for user_id in ("admin_x", "auditor_x"):
        set_password(county.engine, user_id, PASSWORD, by=admin_x)
    return code


def advance(county: County, case_id: str, *, through_notice: bool = False) -> None:
    """Take a village-A case to the public notice (posted eight days ago) through the services, dated in the past.

    With ``through_notice`` the notice is also closed, so the case waits for the township review.
    The web records steps at the server's clock and a notice must really run its five days, so
    tests that need a case past the notice prepare it here.
    """
    village = county.village_a
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, village)
    data = Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    steps: list[tuple[str, Actor, dict[str, Any]]] = [
        ("accept", cadre, {}),  # not the township reviewer: it reviews this pass later (four eyes)
        ("submit_verification", cadre, {"evidence": ["verification_form", "signed_consent"],
                                        "category": MonitoringCategory.SUDDEN_HARDSHIP, "risk_codes": ["01"]}),
        ("complete_comparison", data, {"evidence": ["asset_comparison"]}),
        ("pass_village_review", cadre, {"evidence": ["village_review_minutes"]}),
    ]  # fmt: skip
    for i, (action, actor, kw) in enumerate(steps):
        act_on_case(county.engine, case_id, action, actor, at=start + dt.timedelta(hours=i), **kw)
    if through_notice:
        closing = start + dt.timedelta(days=7)
        act_on_case(county.engine, case_id, "close_publicity", cadre, at=closing, evidence=["publicity_record"])


@dataclass(frozen=True)
class GreenCase:
    """A village-A case on the green channel with its visit recorded, so measures may be planned."""

    case_id: str
    household_id: str
    adult: str  # an able member aged 25–60 today: eligible for micro-credit (18–65) with a margin
    adult_name: str


def green_channel(county: County, *, skip: int = 0) -> GreenCase:
    """Take the first village-A case (after ``skip`` such) whose household has an able adult through
    the green channel and the visit (risks 07 and 01 confirmed), through the services, dated in the past."""
    today = local_date(dt.datetime.now(dt.UTC))
    able = [c.value for c in LaborCapacity if c.is_able]
    m = t.members.c
    with county.engine.connect() as c:
        rows = c.execute(select(m.household_id, m.person_id, m.name).where(m.labor_capacity.in_(able))).all()
    adults: dict[str, tuple[str, str]] = {}
    for r in sorted(rows, key=lambda r: r.person_id):
        if 25 <= ResidentId(r.person_id).age_on(today) <= 60:
            adults.setdefault(r.household_id, (r.person_id, r.name))
    found = [(case, hh) for case, hh in zip(county.cases_a, county.households_a, strict=True) if hh in adults]
    case_id, household = found[skip]
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, county.village_a)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for i, (action, kw) in enumerate(GREEN_CHANNEL_STEPS):
        act_on_case(county.engine, case_id, action, cadre, at=start + dt.timedelta(hours=i), **kw)
    return GreenCase(case_id, household, *adults[household])
