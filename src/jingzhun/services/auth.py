"""Login, sessions and API tokens: who is asking, for every web request and API call.

等保 2.0 level 3 asks for unique accounts, lockout after repeated failures and an idle
timeout; ``shared/design/security.md`` adds that every login attempt is audited. So:

* passwords are Argon2id hashes (``adapters/crypto/passwords``); a login by an unknown,
  deactivated or locked account fails with the same message as a wrong password (no account
  enumeration), and each attempt is an ``auth.login`` event, ok or denied;
* ``max_failed_logins`` failures in a row lock the account for ``lockout_minutes``;
* a session is a random token kept (hashed) in ``web_sessions``: it ends after
  ``idle_timeout_minutes`` without a request, ``session_hours`` after login, at logout, or
  when the account is deactivated — a stored session can be revoked, a signed cookie cannot;
* each session has its own CSRF token, checked on every state-changing form;
* systems call the REST API with a bearer token bound to an account, so they get the same
  role, scope and audit as a person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.crypto import passwords
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import mask_identifiers
from jingzhun.domain.workflow import Role
from jingzhun.services import auditing
from jingzhun.settings import Settings

LOGIN_FAILED = "用户名或密码错误，或账号已被锁定"


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # only the client holds it; the store keeps its hash
    csrf_token: str
    actor: Actor
    display_name: str
    expires_at: dt.datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def set_password(engine: Engine, user_id: str, password: str, *, by: Actor, request_id: str = "") -> None:
    """An administrator sets (or resets) the password of an account in their jurisdiction; it unlocks it."""
    with auditing.refusals_audited(engine, by, "user.set_password", f"user:{user_id}", request_id):
        require(by.role, Permission.USER_MANAGE)
        digest = passwords.hash_password(password)
        u = t.users.c
        with engine.begin() as conn:
            done = conn.execute(
                t.users.update()
                .where(u.user_id == user_id, u.jurisdiction.startswith(scope_prefix(by.jurisdiction)))
                .values(password_hash=digest, failed_logins=0, locked_until=None)
            )
            if done.rowcount != 1:
                raise DomainError("USER_NOT_FOUND", f"辖区内没有账号 {user_id}")
            auditing.record(conn, by, "user.set_password", f"user:{user_id}", request_id=request_id)


def login(
    engine: Engine, user_id: str, password: str, cfg: Settings, *, now: dt.datetime | None = None, request_id: str = ""
) -> Session:
    """Check the password and open a session; every attempt is audited, failures count towards a lock."""
    now = now or dt.datetime.now(dt.UTC)
    u = t.users.c
    with engine.begin() as conn:
        row = conn.execute(select(t.users).where(u.user_id == user_id).with_for_update()).first()
        locked = row is not None and (_utc(row.locked_until) or now) > now
        if row is None or not row.active or locked or not passwords.verify(row.password_hash, password):
            _refuse(conn, user_id, row, locked, cfg, now, request_id)
            session = None
        else:
            actor = Actor(row.user_id, Role(row.role), row.jurisdiction)
            values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
            if passwords.needs_rehash(row.password_hash):
                values["password_hash"] = passwords.hash_password(password)
            conn.execute(t.users.update().where(u.user_id == user_id).values(**values))
            session = _open_session(conn, actor, row.display_name, cfg, now)
            auditing.record(conn, actor, "auth.login", f"user:{user_id}", request_id=request_id)
    if session is None:  # raised after the commit: the failure count and the denied event are kept
        raise DomainError("LOGIN_FAILED", LOGIN_FAILED)
    return session


def _refuse(
    conn: Connection, user_id: str, row: Any, locked: bool, cfg: Settings, now: dt.datetime, request_id: str
) -> None:
    """Count a failed attempt (locking the account at the limit) and audit it as denied."""
    if row is None:  # no such account: recorded under the name tried (masked: people type ID numbers there)
        detail = json.dumps({"reason": "unknown"})
        tried = mask_identifiers(user_id)
        entry = audit_store.Entry(tried[:64], "", "", "auth.login", f"user:{tried[:60]}", "denied", request_id, detail)
        auditing.record_many(conn, [entry])
        return
    if not locked:
        failures = row.failed_logins + 1
        lock = now + dt.timedelta(minutes=cfg.lockout_minutes) if failures >= cfg.max_failed_logins else None
        conn.execute(
            t.users.update()
            .where(t.users.c.user_id == user_id)
            .values(failed_logins=0 if lock else failures, locked_until=lock)
        )
    reason = "locked" if locked else ("inactive" if not row.active else "password")
    who = Actor(user_id, Role(row.role), row.jurisdiction)
    auditing.record(
        conn, who, "auth.login", f"user:{user_id}", {"reason": reason}, request_id=request_id, result="denied"
    )


def _open_session(conn: Connection, actor: Actor, name: str, cfg: Settings, now: dt.datetime) -> Session:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=cfg.session_hours)
    conn.execute(
        t.web_sessions.insert().values(
            token_hash=_hash(token), user_id=actor.actor_id, csrf_token=csrf, created_at=now, last_seen_at=now,
            expires_at=expires, revoked=False,
        )
    )  # fmt: skip
    return Session(token, csrf, actor, name, expires)


def resume(engine: Engine, token: str, cfg: Settings, *, now: dt.datetime | None = None) -> Session:
    """The session a cookie names, if still valid; touching it restarts the idle clock.

    The touch is written at most once per ``session_touch_seconds``: a write per page view
    would make every read a write, and every request of one user queue on one row. The idle
    timeout is then exact to that step (a session may end that much early, never late).
    """
    now = now or dt.datetime.now(dt.UTC)
    s, u = t.web_sessions.c, t.users.c
    with engine.begin() as conn:
        row = conn.execute(
            select(s.token_hash, s.csrf_token, s.last_seen_at, s.expires_at, s.revoked, u.user_id, u.role,
                   u.jurisdiction, u.display_name, u.active)
            .join(t.users, u.user_id == s.user_id)
            .where(s.token_hash == _hash(token))
        ).first()  # fmt: skip
        idle = dt.timedelta(minutes=cfg.idle_timeout_minutes)
        if (
            row is None
            or row.revoked
            or not row.active
            or (_utc(row.expires_at) or now) <= now
            or (_utc(row.last_seen_at) or now) + idle <= now
        ):
            raise DomainError("SESSION_EXPIRED", "登录已过期，请重新登录")
        if (_utc(row.last_seen_at) or now) + dt.timedelta(seconds=cfg.session_touch_seconds) <= now:
            conn.execute(t.web_sessions.update().where(s.token_hash == row.token_hash).values(last_seen_at=now))
    actor = Actor(row.user_id, Role(row.role), row.jurisdiction)
    return Session(token, row.csrf_token, actor, row.display_name, _utc(row.expires_at) or now)


def logout(engine: Engine, token: str, *, request_id: str = "") -> None:
    s = t.web_sessions.c
    with engine.begin() as conn:
        row = conn.execute(select(s.user_id).where(s.token_hash == _hash(token), s.revoked.is_(False))).first()
        if row is None:
            return
        conn.execute(t.web_sessions.update().where(s.token_hash == _hash(token)).values(revoked=True))
        user = conn.execute(
            select(t.users.c.role, t.users.c.jurisdiction).where(t.users.c.user_id == row.user_id)
        ).one()
        actor = Actor(row.user_id, Role(user.role), user.jurisdiction)
        auditing.record(conn, actor, "auth.logout", f"user:{row.user_id}", request_id=request_id)


def create_api_token(
    engine: Engine, user_id: str, name: str, *, by: Actor, days: int | None = 365, request_id: str = ""
) -> str:
    """A bearer token for a system acting as account ``user_id``; shown once, stored hashed."""
    token = "jz_" + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    with auditing.refusals_audited(engine, by, "user.api_token", f"user:{user_id}", request_id):
        require(by.role, Permission.USER_MANAGE)
        u = t.users.c
        with engine.begin() as conn:
            found = conn.execute(
                select(u.user_id).where(u.user_id == user_id, u.jurisdiction.startswith(scope_prefix(by.jurisdiction)))
            ).first()
            if found is None:
                raise DomainError("USER_NOT_FOUND", f"辖区内没有账号 {user_id}")
            conn.execute(
                t.api_tokens.insert().values(
                    token_hash=_hash(token), user_id=user_id, name=name[:64], created_at=now,
                    expires_at=None if days is None else now + dt.timedelta(days=days), revoked=False,
                )
            )  # fmt: skip
            auditing.record(conn, by, "user.api_token", f"user:{user_id}", {"name": name}, request_id=request_id)
    return token


def actor_for_token(engine: Engine, token: str, *, now: dt.datetime | None = None, request_id: str = "") -> Actor:
    """The account a bearer token acts as; a refused token is an ``auth.token`` event, like a failed login.

    The event names the token by the first 12 hex digits of its hash (never the token), and the
    account when the token is known (revoked, expired, or its account deactivated).
    """
    now = now or dt.datetime.now(dt.UTC)
    k, u = t.api_tokens.c, t.users.c
    with engine.connect() as conn:
        row = conn.execute(
            select(k.expires_at, k.revoked, u.user_id, u.role, u.jurisdiction, u.active)
            .join(t.users, u.user_id == k.user_id)
            .where(k.token_hash == _hash(token))
        ).first()
    expires = _utc(row.expires_at) if row is not None else None
    if row is None or row.revoked or not row.active or (expires is not None and expires <= now):
        reason = "unknown"
        if row is not None:
            reason = "revoked" if row.revoked else "inactive" if not row.active else "expired"
        user, role, where = ("", "", "") if row is None else (row.user_id, row.role, row.jurisdiction)
        ref, detail = f"token:{_hash(token)[:12]}", json.dumps({"reason": reason})
        entry = audit_store.Entry(user, role, where, "auth.token", ref, "denied", request_id, detail)
        with engine.begin() as conn:
            auditing.record_many(conn, [entry])
        raise DomainError("TOKEN_INVALID", "访问令牌无效或已过期")
    return Actor(row.user_id, Role(row.role), row.jurisdiction)
