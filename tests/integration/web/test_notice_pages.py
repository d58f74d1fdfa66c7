"""The notice pages: the printable PDF and its HTML preview, scoped (404 elsewhere) and audited per request."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.adapters.pdf.fonts import find_cjk_font
from jingzhun.domain.cases import Actor
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services.cases import act_on_case
from jingzhun.web.app import create_app
from jingzhun.web.pages import notices

from .conftest import T0, County, login

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def to_notice(county: County, case_id: str) -> None:
    """Take a village-A case to the public notice with past times: posted on 5 November 2026."""
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, county.village_a)
    data = Actor("data", Role.DEPARTMENT_DATA_OFFICER, county.village_a[:6] + "000000")
    verification = {
        "evidence": ["verification_form", "signed_consent"],
        "category": MonitoringCategory.MARGINAL_AT_RISK, "risk_codes": ["01"],
    }  # fmt: skip
    for n, (action, actor, kw) in enumerate(
        (
            ("accept", cadre, {}),
            ("submit_verification", cadre, verification),
            ("complete_comparison", data, {"evidence": ["asset_comparison"]}),
            ("pass_village_review", cadre, {"evidence": ["village_review_minutes"]}),
        )
    ):
        act_on_case(county.engine, case_id, action, actor, at=T0 + dt.timedelta(days=n, hours=2), **kw)


def head_of_case(county: County, case_id: str) -> str:
    c, m = t.cases.c, t.members.c
    with county.engine.connect() as conn:
        household = conn.execute(select(c.household_id).where(c.case_id == case_id)).scalar_one()
        return str(conn.execute(select(m.name).where(m.household_id == household, m.relation == "head")).scalar_one())


def reads(county: County) -> list[tuple[str, str]]:
    e = t.audit_events.c
    with county.engine.connect() as conn:
        rows = conn.execute(select(e.actor, e.result).where(e.action == "notice.read").order_by(e.seq))
        return [tuple(r) for r in rows]


def pdf_text(body: bytes, tmp_path) -> str:
    try:
        find_cjk_font()
    except DomainError as e:
        if os.environ.get("JINGZHUN_REQUIRE_BROWSER") == "1":
            raise
        pytest.skip(e.message)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def app_client(county: County) -> Iterator[TestClient]:
    """The app with the notice pages (included here too until ``create_app`` includes them itself)."""
    app = create_app(county.engine, county.settings)
    if not any(getattr(r, "path", "") == "/notices/{village_code}.pdf" for r in app.routes):
        app.include_router(notices.router)
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def in_notice(county: County) -> list[str]:
    """The head names of the two village-A households taken to the notice."""
    for case_id in county.cases_a[:2]:
        to_notice(county, case_id)
    return [head_of_case(county, c) for c in county.cases_a[:2]]


def test_the_cadre_prints_the_villages_notice_as_a_pdf(app_client, county, in_notice, tmp_path):
    try:
        find_cjk_font()
    except DomainError as e:
        if os.environ.get("JINGZHUN_REQUIRE_BROWSER") == "1":
            raise
        pytest.skip(e.message)
    login(app_client, "cadre_a")
    response = app_client.get(f"/notices/{county.village_a}.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline;") and county.village_a in disposition
    text = pdf_text(response.content, tmp_path)
    assert "防止返贫致贫对象识别公示" in text and "公示期：2026年11月5日至11月9日" in text
    assert all(name in text for name in in_notice) and "边缘易致贫户" in text
    others = {head_of_case(county, c) for c in county.cases_a[2:]} - set(in_notice)
    assert not any(name in text for name in others)  # still at the lead: not publicised
    compact = re.sub(r"\s+", "", text)
    assert FULL_ID.search(compact) is None and MOBILE.search(compact) is None
    assert reads(county) == [("cadre_a", "ok")]


def test_the_preview_lists_the_households_and_links_the_pdf(app_client, county, in_notice):
    login(app_client, "town_a")  # the township reviewer sees its villages' notices
    page = app_client.get(f"/notices/{county.village_a}")
    assert page.status_code == 200
    assert (
        "防止返贫致贫对象识别公示" in page.text and f"/notices/{county.village_a}.pdf?kind=identification" in page.text
    )
    assert all(name in page.text for name in in_notice)
    assert "2026年11月5日至11月9日" in page.text
    assert FULL_ID.search(page.text) is None
    assert reads(county) == [("town_a", "ok")]


def test_another_villages_cadre_gets_not_found_and_the_attempt_is_audited(app_client, county, in_notice):
    login(app_client, "cadre_b")
    for path in (f"/notices/{county.village_a}.pdf", f"/notices/{county.village_a}"):
        response = app_client.get(path)
        assert response.status_code == 404 and all(name not in response.text for name in in_notice)
    assert [actor for actor, result in reads(county)] == ["cadre_b", "cadre_b"]
    assert all(result != "ok" for _, result in reads(county))


def test_the_auditor_may_not_read_notices_and_a_visitor_must_log_in(app_client, county):
    assert app_client.get(f"/notices/{county.village_a}.pdf").status_code == 303
    login(app_client, "auditor")
    assert app_client.get(f"/notices/{county.village_a}.pdf").status_code == 403
    assert app_client.get(f"/notices/{county.village_a}").status_code == 403


def test_an_unknown_village_or_kind_is_refused(app_client, county):
    login(app_client, "cadre_a")
    assert app_client.get("/notices/532328999999.pdf").status_code == 404
    assert app_client.get("/notices/nonsense.pdf").status_code == 404
    assert app_client.get(f"/notices/{county.village_a}.pdf?kind=exit").status_code == 422


def test_a_village_without_households_in_the_notice_gets_an_empty_notice(app_client, county):
    login(app_client, "cadre_a")
    page = app_client.get(f"/notices/{county.village_a}")
    assert page.status_code == 200 and "没有处于公示期的农户" in page.text
