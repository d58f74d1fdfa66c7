"""The pages over a real store: login, lockout, the work queue, a case step, a household, scoping."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import make_resident_id
from jingzhun.services import auth
from jingzhun.services.users import actor_of

from .conftest import PASSWORD, login

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")


def audit(engine, action: str) -> list[tuple[str, str]]:
    e = t.audit_events.c
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(select(e.actor, e.result).where(e.action == action).order_by(e.seq))]


def test_an_anonymous_visitor_is_sent_to_the_login_page(app_client, county):
    for path in ("/", f"/cases/{county.cases_a[0]}", f"/households/{county.households_a[0]}"):
        response = app_client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    page = app_client.get("/login")
    assert page.status_code == 200 and "登录" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_repeated_failures_lock_the_account_and_every_attempt_is_audited(app_client, county):
    for _ in range(county.settings.max_failed_logins):
        assert app_client.post("/login", data={"user_id": "cadre_a", "password": "wrong-password"}).status_code == 401
    locked = app_client.post("/login", data={"user_id": "cadre_a", "password": PASSWORD})
    assert locked.status_code == 401 and "锁定" in locked.text
    assert app_client.post("/login", data={"user_id": "nobody", "password": "x" * 10}).status_code == 401
    results = audit(county.engine, "auth.login")
    assert results == [("cadre_a", "denied")] * 4 + [("nobody", "denied")]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=county.settings.lockout_minutes + 1)
    assert auth.login(county.engine, "cadre_a", PASSWORD, county.settings, now=later).actor.actor_id == "cadre_a"


def test_an_id_number_typed_as_the_account_name_is_masked_in_the_audit_trail(app_client, county):
    typed = make_resident_id("532328", dt.date(1980, 5, 17), 21).value  # synthetic, valid check digit
    assert app_client.post("/login", data={"user_id": typed, "password": "x" * 10}).status_code == 401
    e = t.audit_events.c
    with county.engine.connect() as c:
        row = c.execute(select(e.actor, e.record).where(e.action == "auth.login").order_by(e.seq.desc())).first()
    assert row is not None and typed not in row.actor and typed not in row.record
    assert row.actor == typed[:4] + "*" * 10 + typed[-4:]


def test_a_session_ends_after_the_idle_timeout_and_at_logout(county):
    session = auth.login(county.engine, "cadre_a", PASSWORD, county.settings)
    idle = dt.timedelta(minutes=county.settings.idle_timeout_minutes)
    soon = dt.datetime.now(dt.UTC) + idle / 2
    assert auth.resume(county.engine, session.token, county.settings, now=soon).actor.actor_id == "cadre_a"
    try:
        auth.resume(county.engine, session.token, county.settings, now=soon + idle + dt.timedelta(seconds=1))
        raise AssertionError("an idle session must end")
    except DomainError as e:
        assert e.code == "SESSION_EXPIRED"
    other = auth.login(county.engine, "cadre_a", PASSWORD, county.settings)
    auth.logout(county.engine, other.token)
    try:
        auth.resume(county.engine, other.token, county.settings)
        raise AssertionError("a logged-out session must end")
    except DomainError as e:
        assert e.code == "SESSION_EXPIRED"


def test_a_session_is_touched_at_most_once_a_step_and_its_idle_clock_restarts_then(county):
    cfg = county.settings
    session = auth.login(county.engine, "cadre_a", PASSWORD, cfg)
    s = t.web_sessions.c

    def last_seen() -> dt.datetime:
        with county.engine.connect() as c:
            value = c.execute(select(s.last_seen_at).where(s.token_hash == auth._hash(session.token))).scalar_one()
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value

    opened = last_seen()
    step = dt.timedelta(seconds=cfg.session_touch_seconds)
    auth.resume(county.engine, session.token, cfg, now=opened + step / 2)
    assert last_seen() == opened  # a read within the step writes nothing
    touched = opened + step
    auth.resume(county.engine, session.token, cfg, now=touched)
    assert last_seen() == touched
    idle = dt.timedelta(minutes=cfg.idle_timeout_minutes)
    later = opened + idle + step / 2  # idle since login, not since the touch: still alive
    assert auth.resume(county.engine, session.token, cfg, now=later).actor.actor_id == "cadre_a"
    try:
        auth.resume(county.engine, session.token, cfg, now=last_seen() + idle)
        raise AssertionError("idle since the last touch: the session must end")
    except DomainError as e:
        assert e.code == "SESSION_EXPIRED"


def test_the_work_queue_shows_exactly_the_cadres_village(app_client, county):
    login(app_client, "cadre_a")
    home = app_client.get("/")
    assert home.status_code == 200
    shown = set(re.findall(r'href="/cases/(C[0-9a-f]{12})"', home.text))
    assert shown == set(county.cases_a) and not shown & set(county.cases_b)


def test_a_step_needs_the_csrf_token_and_is_taken_through_the_workflow(app_client, county):
    csrf = login(app_client, "cadre_a")
    case_id = county.cases_a[0]
    page = app_client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "受理线索" in page.text
    forged = app_client.post(f"/cases/{case_id}/act", data={"action": "accept"})
    assert forged.status_code == 403
    done = app_client.post(f"/cases/{case_id}/act", data={"action": "accept", "csrf_token": csrf})
    assert done.status_code == 303
    after = app_client.get(done.headers["location"])
    assert "入户核实" in after.text and "已办理" in after.text
    refused = app_client.post(  # the visit needs the signed consent: shown on the page, nothing changes
        f"/cases/{case_id}/act",
        data={"action": "submit_verification", "csrf_token": csrf, "evidence": ["verification_form"],
              "category": "marginal_at_risk", "risk_codes": ["01"]},
    )  # fmt: skip
    assert refused.status_code == 422 and "缺少材料" in refused.text
    assert ("cadre_a", "failed") in audit(county.engine, "case.submit_verification")


def test_another_villages_records_are_not_found(app_client, county):
    login(app_client, "cadre_a")
    assert app_client.get(f"/cases/{county.cases_b[0]}").status_code == 404
    assert app_client.get(f"/households/{county.households_b[0]}").status_code == 404
    csrf = login(app_client, "cadre_a")
    posted = app_client.post(f"/cases/{county.cases_b[0]}/act", data={"action": "accept", "csrf_token": csrf})
    assert posted.status_code == 404


def test_the_household_page_masks_ids_and_each_view_is_audited(app_client, county):
    login(app_client, "cadre_a")
    for _ in range(2):
        page = app_client.get(f"/households/{county.households_a[0]}")
        assert page.status_code == 200 and "家庭成员" in page.text
        assert not FULL_ID.search(page.text) and "**********" in page.text
    assert audit(county.engine, "household.read") == [("cadre_a", "ok")] * 2


def test_the_auditor_has_no_case_queue_and_no_household_page(app_client, county):
    login(app_client, "auditor")
    home = app_client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/audit"  # the auditor's home is the log
    assert "我的工作" not in app_client.get("/audit").text
    assert app_client.get(f"/households/{county.households_a[0]}").status_code == 403
    assert app_client.get(f"/cases/{county.cases_a[0]}").status_code == 403


def test_login_never_redirects_to_another_site(app_client):
    response = app_client.post(
        "/login", data={"user_id": "cadre_a", "password": PASSWORD, "next": "//evil.example/steal"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_full_ids_are_shown_only_for_a_stated_reason_and_the_reason_is_audited(app_client, county):
    household = county.households_a[0]
    csrf = login(app_client, "cadre_a")
    page = app_client.get(f"/households/{household}")
    assert "显示完整证件号码" in page.text and not FULL_ID.search(page.text)
    refused = app_client.post(f"/households/{household}/unmask", data={"csrf_token": csrf, "reason": "看"})
    assert refused.status_code == 422 and not FULL_ID.search(refused.text)
    shown = app_client.post(f"/households/{household}/unmask", data={"csrf_token": csrf, "reason": "办理医保缴费资助"})
    assert shown.status_code == 200 and FULL_ID.search(shown.text)
    e = t.audit_events.c
    with county.engine.connect() as c:
        rows = c.execute(select(e.result, e.detail).where(e.action == "person.unmask").order_by(e.seq)).all()
    assert [r.result for r in rows] == ["failed", "ok"] and "办理医保缴费资助" in rows[1].detail
    assert not any(FULL_ID.search(r.detail) for r in rows)
    csrf = login(app_client, "data")  # the department officer reads masked records only
    denied = app_client.post(f"/households/{household}/unmask", data={"csrf_token": csrf, "reason": "比对需要"})
    assert denied.status_code == 403 and not FULL_ID.search(denied.text)


def test_no_page_is_heavier_than_300_kb(app_client, county):
    login(app_client, "cadre_a")
    for path in ("/", f"/cases/{county.cases_a[0]}", f"/households/{county.households_a[0]}", "/search", "/review",
                 "/static/app.css", "/login"):  # fmt: skip
        response = app_client.get(path)
        assert response.status_code == 200 and len(response.content) < 300_000, (path, len(response.content))


def test_a_refused_api_token_is_audited_without_the_token(county):
    token = auth.create_api_token(county.engine, "data", "交换", by=actor_of(county.engine, "admin"))
    for bad in ("jz_not-a-token", token + "x"):
        try:
            auth.actor_for_token(county.engine, bad)
            raise AssertionError("a bad token must be refused")
        except DomainError as e:
            assert e.code == "TOKEN_INVALID"
    events = audit(county.engine, "auth.token")
    assert events == [("", "denied"), ("", "denied")]
    e = t.audit_events.c
    with county.engine.connect() as c:
        records = c.execute(select(e.record).where(e.action == "auth.token")).scalars().all()
    assert all(token not in r and r.startswith("token:") for r in records)
