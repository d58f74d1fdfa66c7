"""The auditor's pages: the county's log, filters and pages, one audit event per view, the chain check, the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re

import pytest
from sqlalchemy import select, update

from jingzhun.adapters.db import tables as t
from jingzhun.domain.audit import AuditEvent
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.errors import DomainError
from jingzhun.services import auditing
from jingzhun.services.households import view_household
from jingzhun.services.users import actor_of
from jingzhun.web.pages.audit import audit_csv

from .conftest import PASSWORD, login, other_county

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
TYPED_ID = "110101199003077777"  # typed where a household number belongs: refused, and masked in the trail


def rows(page: str) -> list[dict[str, str]]:
    """The log table's rows: sequence number, account, action code and result class of each."""
    out = []
    for row in re.findall(r'<tr>\s*<td data-label="#">(\d+)</td>(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
        action = re.search(r"<code>([^<]*)</code>", cells[4])
        result = re.search(r'class="result r-(\w+)"', cells[6])
        assert action and result
        out.append({"seq": row[0], "actor": html.unescape(cells[1]), "action": action.group(1),
                    "record": html.unescape(cells[5]), "result": result.group(1)})  # fmt: skip
    return out


def busy_day(county, n: int = 70) -> None:
    """``n`` case reads by village A's cadre, so the log has more than one page (50 rows)."""
    cadre = actor_of(county.engine, "cadre_a")
    with county.engine.begin() as c:
        auditing.record_many(c, [auditing.entry(cadre, "case.read", f"case:{county.cases_a[0]}") for _ in range(n)])


def audit_reads(engine) -> list[tuple[str, dict[str, object]]]:
    e = t.audit_events.c
    query = select(e.actor, e.detail).where(e.action == "audit.read").order_by(e.seq)
    with engine.connect() as c:
        return [(r.actor, json.loads(r.detail)) for r in c.execute(query)]


def test_the_auditor_lands_on_the_log_and_sees_the_county_but_not_another_county(app_client, county):
    other_county(county)
    busy_day(county)
    login(app_client, "auditor")
    assert app_client.get("/").headers["location"] == "/audit"
    page = app_client.get("/audit")
    assert page.status_code == 200 and "审计日志" in page.text and "网页版待建" not in page.text
    seen = rows(page.text)
    assert len(seen) == 50 and [int(r["seq"]) for r in seen] == sorted((int(r["seq"]) for r in seen), reverse=True)
    assert {r["actor"] for r in seen} >= {"auditor", "cadre_a"}
    assert not {r["actor"] for r in seen} & {"admin_x", "auditor_x"}
    everything = rows(app_client.get("/audit?action=user.").text)  # the county's accounts, not the other's
    assert {r["record"] for r in everything} >= {"user:cadre_a", "user:auditor"}
    assert "user:auditor_x" not in str(everything)
    assert "style=" not in page.text and "<script" not in page.text and len(page.content) < 300_000
    login(app_client, "auditor_x")
    theirs = rows(app_client.get("/audit").text)
    assert {r["actor"] for r in theirs} <= {"admin_x", "auditor_x"} and theirs


def test_filters_narrow_the_log_by_result_account_action_and_day(app_client, county):
    assert app_client.post("/login", data={"user_id": "cadre_a", "password": "wrong-password"}).status_code == 401
    login(app_client, "auditor")
    denied = rows(app_client.get("/audit?result=denied").text)
    assert denied and {r["result"] for r in denied} == {"denied"}
    assert {"actor": "cadre_a", "action": "auth.login"}.items() <= denied[0].items()
    by_cadre = rows(app_client.get("/audit?actor=cadre_a").text)
    assert by_cadre and {r["actor"] for r in by_cadre} == {"cadre_a"}
    users = rows(app_client.get("/audit?action=user.set_").text)  # a prefix, "_" taken literally
    assert len(users) == 7 and {r["action"] for r in users} == {"user.set_password"}
    tomorrow = dt.datetime.now(CHINA_TZ).date() + dt.timedelta(days=1)
    later = app_client.get(f"/audit?since={tomorrow}")
    assert rows(later.text) == [] and "没有符合条件的记录" in later.text
    assert rows(app_client.get(f"/audit?since={tomorrow - dt.timedelta(days=1)}&result=denied").text) == denied
    bad = app_client.get("/audit?since=2026-13-01&result=maybe")
    assert bad.status_code == 200 and "该条件未使用" in bad.text and len(rows(bad.text)) > len(denied)
    assert 'value="cadre_a"' in app_client.get("/audit?actor=cadre_a").text  # the form shows what was asked


def test_each_page_view_is_one_audit_read_and_pages_follow_each_other(app_client, county):
    busy_day(county)
    login(app_client, "auditor")
    before = len(audit_reads(county.engine))
    first = app_client.get("/audit?action=case.")
    reads = audit_reads(county.engine)
    assert len(reads) == before + 1 and reads[-1] == ("auditor", {"rows": 50, "action": "case."})
    link = re.search(r'href="(/audit\?[^"]*before=(\d+)[^"]*)">较早的记录', first.text)
    assert link is not None
    second = app_client.get(html.unescape(link.group(1)))
    one, two = rows(first.text), rows(second.text)
    assert two and int(two[0]["seq"]) < int(one[-1]["seq"]) == int(link.group(2))
    assert {r["action"][:5] for r in two} == {"case."} and "最新记录" in second.text
    assert audit_reads(county.engine)[-1][1] == {"rows": len(two), "action": "case.", "before": int(link.group(2))}


def test_checking_the_chain_reports_a_tampered_row_on_the_page(app_client, county):
    csrf = login(app_client, "auditor")
    assert app_client.post("/audit/verify").status_code == 403  # no CSRF token: nothing read
    intact = app_client.post("/audit/verify", data={"csrf_token": csrf})
    assert intact.status_code == 200 and "审计链完整" in intact.text
    with county.engine.begin() as c:
        c.execute(update(t.audit_events).where(t.audit_events.c.seq == 3).values(detail='{"edited": true}'))
    broken = app_client.post("/audit/verify", data={"csrf_token": csrf})
    assert broken.status_code == 200 and "审计链有 1 处问题" in broken.text
    assert "第 3 条 <code>AUDIT_HASH</code>" in broken.text
    e = t.audit_events.c
    with county.engine.connect() as c:
        checks = c.execute(select(e.actor, e.result, e.detail).where(e.action == "audit.verify").order_by(e.seq)).all()
    assert [(r.actor, r.result, json.loads(r.detail)["problems"]) for r in checks] == [
        ("auditor", "ok", 0), ("auditor", "ok", 1)
    ]  # fmt: skip
    assert app_client.post("/audit/verify", data={"csrf_token": login(app_client, "cadre_a")}).status_code == 403


def test_the_export_is_a_csv_excel_opens_with_the_refs_masked(app_client, county):
    auditor = actor_of(county.engine, "auditor")
    with pytest.raises(DomainError):  # the auditor reads no household; the refusal names what was asked, masked
        view_household(county.engine, TYPED_ID, auditor)
    login(app_client, "auditor")
    got = app_client.get("/audit/export.csv?result=denied")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"].startswith('attachment; filename="audit-')
    assert got.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["序号", "时间（北京）", "账号"] and len(table) == 2
    assert table[1][2] == "auditor" and table[1][5] == "household.read" and table[1][7] == "拒绝"
    assert table[1][6] == "household:1101**********7777" and not FULL_ID.findall(got.content.decode("utf-8-sig"))
    e = t.audit_events.c
    with county.engine.connect() as c:
        export = c.execute(select(e.actor, e.detail).where(e.action == "audit.export")).one()
    assert export.actor == "auditor" and json.loads(export.detail) == {"rows": 1, "result": "denied"}
    login(app_client, "cadre_a")
    assert app_client.get("/audit/export.csv").status_code == 403


def test_a_cell_that_excel_would_run_as_a_formula_is_quoted():
    event = AuditEvent(1, dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC), "=HYPERLINK(1)", "", "", "auth.login",
                       "user:-2", "denied", "r1", "{}")  # fmt: skip
    row = list(csv.reader(io.StringIO(audit_csv([event]).decode("utf-8-sig"))))[1]
    assert row[:4] == ["1", "2026-11-02 09:00:00", "'=HYPERLINK(1)", "—"] and row[6] == "user:-2"


def test_a_refused_login_shows_under_denied_with_its_reason(app_client, county):
    app_client.post("/login", data={"user_id": "cadre_b", "password": PASSWORD + "x"})
    login(app_client, "auditor")
    page = app_client.get("/audit?result=denied&action=auth.login").text
    assert rows(page)[0]["actor"] == "cadre_b" and "&#34;reason&#34;: &#34;password&#34;" in page
