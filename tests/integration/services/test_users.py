"""Accounts as the administrator sees them (``services.users``): lock and last login, never a hash; deactivation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services import auth
from jingzhun.services.users import User, add_user, deactivate_user, get_account, list_accounts
from jingzhun.settings import Settings

VILLAGE = "532328101201"
PASSWORD = "correct horse 2026"


@pytest.fixture
def admin(engine):
    return add_user(engine, User("admin", "管理员", Role.ADMINISTRATOR, "532328"), by=None).actor


def test_an_account_shows_its_lock_and_last_login_but_no_hash(engine, admin, tmp_path):
    add_user(engine, User("cadre", "李四", Role.VILLAGE_CADRE, VILLAGE), by=admin)
    assert get_account(engine, "cadre", by=admin).has_password is False
    auth.set_password(engine, "cadre", PASSWORD, by=admin)
    cfg = Settings(max_failed_logins=2, data_dir=tmp_path)
    session = auth.login(engine, "cadre", PASSWORD, cfg)
    for _ in range(2):
        with pytest.raises(DomainError):
            auth.login(engine, "cadre", "wrong password", cfg)
    account = get_account(engine, "cadre", by=admin)
    assert account.has_password and account.locked_until is not None
    assert account.last_login is not None and abs(account.last_login - session.expires_at + dt.timedelta(hours=12)) < (
        dt.timedelta(seconds=2)
    )
    assert "$argon2" not in repr(account)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=cfg.lockout_minutes + 1)
    assert [a.locked_until for a in list_accounts(engine, admin, now=later)] == [None, None]
    assert [a.user.user_id for a in list_accounts(engine, admin, limit=1, offset=1)] == ["cadre"]


def test_an_account_elsewhere_is_not_found(engine, admin):
    with engine.begin() as c:
        c.execute(t.users.insert().values(user_id="far", display_name="外县", role="village_cadre",
                                          jurisdiction="530102001001", active=True,
                                          created_at=dt.datetime.now(dt.UTC), created_by="system"))  # fmt: skip
    with pytest.raises(DomainError) as e:
        get_account(engine, "far", by=admin)
    assert e.value.code == "USER_NOT_FOUND"
    assert [a.user.user_id for a in list_accounts(engine, admin)] == ["admin"]


def test_deactivating_revokes_sessions_and_tokens_and_keeps_the_reason(engine, admin, tmp_path):
    add_user(engine, User("cadre", "李四", Role.VILLAGE_CADRE, VILLAGE), by=admin)
    auth.set_password(engine, "cadre", PASSWORD, by=admin)
    auth.login(engine, "cadre", PASSWORD, Settings(data_dir=tmp_path))
    auth.create_api_token(engine, "cadre", "exchange", by=admin)
    with pytest.raises(DomainError) as e:
        deactivate_user(engine, "admin", by=admin, reason="x")
    assert e.value.code == "USER_SELF"
    deactivate_user(engine, "cadre", by=admin, reason="  调离本村 ")
    with engine.connect() as c:
        assert c.execute(select(t.web_sessions.c.revoked)).scalars().all() == [True]
        assert c.execute(select(t.api_tokens.c.revoked)).scalars().all() == [True]
        e_ = t.audit_events.c
        detail = c.execute(select(e_.detail).where(e_.action == "user.deactivate", e_.result == "ok")).scalar_one()
    assert json.loads(detail) == {"reason": "调离本村", "sessions_ended": 1, "tokens_revoked": 1}
    assert get_account(engine, "cadre", by=admin).user.active is False
