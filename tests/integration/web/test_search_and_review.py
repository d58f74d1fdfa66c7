"""Finding a household within one's jurisdiction, and approving many cases at once with a reason each."""

from __future__ import annotations

import re

from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.services.cases import view_case
from jingzhun.services.users import actor_of

from .conftest import advance, login


def members_of(engine, household_id: str) -> list[tuple[str, str]]:
    m = t.members.c
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(select(m.person_id, m.name).where(m.household_id == household_id))]


def found(client, csrf: str, q: str) -> set[str]:
    page = client.post("/search", data={"q": q, "csrf_token": csrf})
    assert page.status_code == 200
    return set(re.findall(r'href="/households/(\d+)"', page.text))


def test_a_household_is_found_by_number_id_masked_id_and_name_within_the_jurisdiction(app_client, county):
    household = county.households_a[0]
    person_id, name = members_of(county.engine, household)[0]
    csrf = login(app_client, "cadre_a")
    assert household in found(app_client, csrf, household)
    assert household in found(app_client, csrf, person_id)
    assert household in found(app_client, csrf, f"{person_id[:4]}**********{person_id[-4:]}")
    assert household in found(app_client, csrf, name)
    page = app_client.post("/search", data={"q": person_id, "csrf_token": csrf})
    assert person_id not in page.text  # neither the hit nor the echoed query shows the full number
    csrf = login(app_client, "cadre_b")
    assert found(app_client, csrf, person_id) == set() and found(app_client, csrf, household) == set()
    e = t.audit_events.c
    with county.engine.connect() as c:
        details = c.execute(select(e.record).where(e.action == "household.search")).scalars().all()
    assert len(details) == 7 and not any(person_id in d for d in details)  # every search audited, masked


def test_the_township_approves_several_cases_with_a_reason_each(app_client, county):
    ready = county.cases_a[:3]
    for case_id in ready:
        advance(county, case_id, through_notice=True)
    csrf = login(app_client, "town_a")
    queue = app_client.get("/review")
    assert queue.status_code == 200 and all(case_id in queue.text for case_id in ready)
    chosen = ready[:2]
    form = {"csrf_token": csrf, "case_id": chosen, "evidence": ["township_review_opinion"]}
    form |= {f"reason_{case_id}": f"材料齐全（{case_id}）" for case_id in chosen}
    done = app_client.post("/review", data=form)
    assert done.status_code == 200 and "已审核通过 2 件" in done.text
    town = actor_of(county.engine, "town_a")
    for case_id in chosen:
        case = view_case(county.engine, case_id, town).case
        assert case.state == "county_approval" and case.history[-1].reason == f"材料齐全（{case_id}）"
    assert view_case(county.engine, ready[2], town).case.state == "township_review"
    missing = app_client.post("/review", data={"csrf_token": csrf, "case_id": [ready[2]]})  # no opinion attached
    assert "未办理" in missing.text and "乡镇审核意见" in missing.text
