"""The administrator's pages: the county's accounts, creating in the county only, passwords, tokens, deactivation."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.errors import DomainError
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app

from .conftest import PASSWORD, login, other_county

NEW = {"user_id": "cadre_c", "display_name": "村干部丙", "role": "village_cadre"}


def events(engine, action: str) -> list[tuple[str, str, str, dict[str, object]]]:
    e = t.audit_events.c
    query = select(e.actor, e.record, e.result, e.detail).where(e.action == action).order_by(e.seq)
    with engine.connect() as c:
        return [(r.actor, r.record, r.result, json.loads(r.detail or "{}")) for r in c.execute(query)]


def test_the_admin_lands_on_the_accounts_of_the_county_and_not_another_countys(app_client, county):
    other_county(county)
    login(app_client, "cadre_a")  # a login to show
    login(app_client, "admin")
    assert app_client.get("/").headers["location"] == "/users"
    page = app_client.get("/users")
    assert page.status_code == 200 and "账号管理" in page.text
    for user_id in ("admin", "cadre_a", "cadre_b", "town_a", "county", "data", "auditor"):
        assert f'href="/users/{user_id}"' in page.text
    assert "admin_x" not in page.text and "auditor_x" not in page.text
    assert "村干部/帮扶联系人" in page.text and "审计员" in page.text and "有效" in page.text
    assert "$argon2" not in page.text and "style=" not in page.text and len(page.content) < 300_000
    cadre = app_client.get("/users/cadre_a").text
    assert re.search(r"<dt>最近登录</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）", cadre)
    assert "尚未设置密码" not in cadre and "$argon2" not in cadre
    assert app_client.get(f"/households/{county.households_a[0]}").status_code == 403  # no person record
    login(app_client, "admin_x")
    theirs = app_client.get("/users").text
    assert "cadre_a" not in theirs and "auditor_x" in theirs
    assert app_client.get("/users/cadre_a").status_code == 404


def test_the_admin_creates_an_account_in_the_county_and_is_refused_outside_it(app_client, county):
    csrf = login(app_client, "admin")
    assert app_client.post("/users", data={**NEW, "jurisdiction": county.village_a}).status_code == 403  # no CSRF
    made = app_client.post("/users", data={**NEW, "jurisdiction": county.village_a, "csrf_token": csrf})
    assert made.status_code == 303 and made.headers["location"] == "/users/cadre_c?done=created"
    page = app_client.get(made.headers["location"]).text
    assert "已创建账号" in page and "尚未设置密码" in page and county.village_a in page
    assert actor_of(county.engine, "cadre_c").jurisdiction == county.village_a
    elsewhere = other_county(county)
    refused = app_client.post("/users", data={**NEW, "user_id": "cadre_d", "jurisdiction": elsewhere,
                                              "csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 403 and "不能在其辖区之外创建账号" in refused.text
    assert 'value="cadre_d"' in refused.text and f'value="{elsewhere}"' in refused.text  # the form as typed
    with pytest.raises(DomainError):
        actor_of(county.engine, "cadre_d")
    taken = app_client.post("/users", data={**NEW, "jurisdiction": county.village_a, "csrf_token": csrf})
    assert taken.status_code == 422 and "已存在" in taken.text
    mine = [(r[1], r[2]) for r in events(county.engine, "user.create") if r[0] == "admin"]
    assert mine[-3:] == [("user:cadre_c", "ok"), ("user:cadre_d", "denied"), ("user:cadre_c", "failed")]


def test_a_password_is_typed_twice_never_shown_and_works(app_client, county):
    csrf = login(app_client, "admin")
    url = "/users/cadre_b/password"
    mismatch = app_client.post(url, data={"password": "new pass 2026", "confirm": "new pass 2027", "csrf_token": csrf})
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.text
    weak = app_client.post(url, data={"password": "12345678", "confirm": "12345678", "csrf_token": csrf})
    assert weak.status_code == 422 and "密码至少 8 位" in weak.text
    done = app_client.post(url, data={"password": "new pass 2026", "confirm": "new pass 2026", "csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == "/users/cadre_b?done=password"
    page = app_client.get(done.headers["location"]).text
    assert "已设置新密码" in page and "new pass 2026" not in page and "$argon2" not in page
    with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as cadre:
        assert cadre.post("/login", data={"user_id": "cadre_b", "password": PASSWORD}).status_code == 401
        assert login(cadre, "cadre_b", "new pass 2026")
    assert events(county.engine, "user.set_password")[-1][:3] == ("admin", "user:cadre_b", "ok")


def test_an_api_token_is_shown_once_with_its_warning(app_client, county):
    csrf = login(app_client, "admin")
    empty = app_client.post("/users/data/token", data={"name": " ", "days": "30", "csrf_token": csrf})
    assert empty.status_code == 422 and "请填写令牌用途" in empty.text
    issued = app_client.post("/users/data/token", data={"name": "医保局数据交换", "days": "30", "csrf_token": csrf})
    assert issued.status_code == 200 and "令牌只显示这一次" in issued.text
    token = re.search(r'<code class="token">(jz_[^<]+)</code>', issued.text)
    assert token is not None
    assert token.group(1) not in app_client.get("/users/data").text  # never again
    me = app_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200 and me.json()["user_id"] == "data"
    assert events(county.engine, "user.api_token")[-1] == ("admin", "user:data", "ok", {"name": "医保局数据交换"})


def test_deactivating_needs_a_reason_and_a_confirmation_and_ends_the_accounts_sessions(app_client, county):
    with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as cadre:
        login(cadre, "cadre_b")
        assert cadre.get("/").status_code == 200
        csrf = login(app_client, "admin")
        url = "/users/cadre_b/deactivate"
        unconfirmed = app_client.post(url, data={"reason": "调离本村", "csrf_token": csrf})
        assert unconfirmed.status_code == 422 and "勾选确认" in unconfirmed.text
        assert cadre.get("/").status_code == 200  # nothing happened
        done = app_client.post(url, data={"reason": "调离本村", "confirm": "yes", "csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == "/users/cadre_b?done=deactivated"
        page = app_client.get(done.headers["location"]).text
        assert "已停用该账号" in page and "<dd>已停用</dd>" in page and "设置密码" not in page
        ended = cadre.get("/")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
        assert cadre.post("/login", data={"user_id": "cadre_b", "password": PASSWORD}).status_code == 401
    last = events(county.engine, "user.deactivate")[-1]
    assert last[:3] == ("admin", "user:cadre_b", "ok") and last[3]["reason"] == "调离本村"
    assert last[3]["sessions_ended"] == 1
    own = app_client.get("/users/admin").text
    assert "停用账号" not in own  # no form to lock oneself out
    mine = app_client.post("/users/admin/deactivate", data={"reason": "x", "confirm": "yes", "csrf_token": csrf})
    assert mine.status_code == 422 and "不能停用自己的账号" in mine.text


def test_another_countys_admin_cannot_touch_this_countys_accounts(app_client, county):
    other_county(county)
    csrf = login(app_client, "admin_x")
    posts = {"password": {"password": "new pass 2026", "confirm": "new pass 2026"},
             "token": {"name": "x", "days": "30"}, "deactivate": {"reason": "x", "confirm": "yes"}}  # fmt: skip
    for action, data in posts.items():
        assert app_client.post(f"/users/cadre_a/{action}", data={**data, "csrf_token": csrf}).status_code == 404
        assert app_client.post(f"/users/cadre_a/{action}", data={"csrf_token": csrf}).status_code == 404
    assert actor_of(county.engine, "cadre_a").actor_id == "cadre_a"
