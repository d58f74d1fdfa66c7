"""An eliminated household for the follow-up pages, in a village of its own (village C) of the web tests' county.

Every village-A and village-B household already has a case opened on 2026-11-02, too late to
be identified, eliminated and overdue for its first quarterly visit by today. So a household
of a third village gets its lead on 2025-01-06 and follows the services' tests
(``services/test_follow_ups``): identified in January 2025, its risk helped, eliminated by the
county on 2025-06-12 — its first visit was due on 2025-09-12, long overdue. Its village gets a
cadre (``cadre_c``) and a helper with an account (``helper_c``), both with the tests' password.
Income windows for 2024-10 and 2025-04 are added, and the household made stable, so the
elimination gate passes on the days it is asked.

"Overdue today" holds only while the 24 follow-up months run (to 2027-06-12), so the tests of
this scenario run on its own day, ``SCENARIO_NOW`` (the clock moved there and ticking, for the
fixtures, the app and the browser's server alike): use the ``on_the_scenario_day`` fixture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.workflow import Role
from jingzhun.services.auth import set_password
from jingzhun.services.users import User, actor_of, add_user

from ..services import test_elimination as services
from ..services.test_follow_ups import T0, eliminate
from .conftest import PASSWORD, County
from .elimination_support import make_stable

ELIMINATED_ON = dt.date(2025, 6, 12)
FIRST_DUE = dt.date(2025, 9, 12)
SCENARIO_NOW = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in China, the day the scenario was set


@pytest.fixture
def on_the_scenario_day() -> Iterator[None]:
    """Run the test on ``SCENARIO_NOW``, the clock ticking from there (requested before the county is built)."""
    with time_machine.travel(SCENARIO_NOW, tick=True):
        yield


@dataclass(frozen=True)
class Eliminated:
    village: str
    household_id: str
    case_id: str


def eliminated_household(county: County) -> Eliminated:
    """Village C's first household, eliminated on 2025-06-12 and never visited; cadre_c and helper_c log in."""
    h = t.households.c
    with county.engine.connect() as conn:
        rows = conn.execute(select(h.household_id, h.division_code).order_by(h.division_code, h.household_id)).all()
    village = next(r.division_code for r in rows if r.division_code not in (county.village_a, county.village_b))
    household = next(r.household_id for r in rows if r.division_code == village)
    _earlier_windows(county, household)
    make_stable(county, household)
    admin = actor_of(county.engine, "admin")
    for user in (User("cadre_c", "村干部丙", Role.VILLAGE_CADRE, village),
                 User("helper_c", "帮扶干部丙", Role.VILLAGE_CADRE, village)):  # fmt: skip
        add_user(county.engine, user, by=admin)
        set_password(county.engine, user.user_id, PASSWORD, by=admin)
    c = services.County(
        county.engine, village, household, "",
        Actor("cadre_c", Role.VILLAGE_CADRE, village),
        Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000"),
        Actor("town_c", Role.TOWNSHIP_REVIEWER, village[:9] + "000"),
        Actor("county", Role.COUNTY_APPROVER, village[:6] + "000000"),
    )  # fmt: skip
    case_id = services.identify(c, household, start=T0)
    services.started_measure(c, case_id)
    assert eliminate(c, case_id, dt.date(2025, 6, 2)) == ELIMINATED_ON
    return Eliminated(village, household, case_id)


def _earlier_windows(county: County, household: str) -> None:
    """Copy the household's oldest income window to 2024-10 and 2025-04 (``make_stable`` then sets them all)."""
    i = t.income.c
    with county.engine.begin() as conn:
        first = conn.execute(select(t.income).where(i.household_id == household).order_by(i.period_end)).first()
        assert first is not None
        row = dict(first._mapping)
        for period in ("2024-10", "2025-04"):
            conn.execute(t.income.insert().values({**row, "period_end": period}))
