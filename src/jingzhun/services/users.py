"""User accounts: one role and one jurisdiction each; who may create whom; the actor behind a user id.

An account is created by an administrator whose jurisdiction contains the new account's (a
county administrator creates the county's cadres, not another county's). The very first
account of an empty store can only be an administrator, created without an acting user: that is
how a county starts (``jingzhun user add admin --role administrator --jurisdiction …``).
Accounts are deactivated, never deleted: the audit trail keeps pointing at them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, func, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix, within
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import DivisionCode, DivisionLevel
from jingzhun.domain.workflow import Role
from jingzhun.reference.divisions import all_divisions, is_known_county
from jingzhun.services import auditing

SYSTEM = "system"  # recorded as the creator of the first account, in that account's jurisdiction


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    display_name: str
    role: Role
    jurisdiction: str
    active: bool = True

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.role, self.jurisdiction)


def _check_new(user: User) -> str:
    if not user.user_id.strip() or len(user.user_id) > 64 or any(ch.isspace() for ch in user.user_id):
        raise DomainError("USER_INVALID", "用户名不能为空、不能含空白、最长 64 个字符", field="user_id")
    if not user.display_name.strip():
        raise DomainError("USER_INVALID", "须填写姓名", field="display_name")
    code = DivisionCode.parse(user.jurisdiction)
    known = all_divisions()
    county_or_below = code.level in (DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE)
    if code.value[:2] + "0000" not in known or (county_or_below and not is_known_county(code.county_code)):
        raise DomainError("USER_INVALID", f"未知的行政区划 {code.value}", field="jurisdiction")
    return code.value


def add_user(engine: Engine, user: User, *, by: Actor | None, request_id: str = "") -> User:
    """Create an account; ``by=None`` is only allowed for the first administrator of an empty store."""
    acting = by or Actor(SYSTEM, Role.ADMINISTRATOR, user.jurisdiction.ljust(12, "0")[:12])
    with auditing.refusals_audited(engine, acting, "user.create", f"user:{user.user_id}", request_id):
        jurisdiction = _check_new(user)
        with engine.begin() as conn:
            count = conn.execute(select(func.count()).select_from(t.users)).scalar_one()
            if by is None:
                if count or user.role is not Role.ADMINISTRATOR:
                    raise DomainError("PERMISSION_DENIED", "只有空库的第一个账号可以不经管理员创建，且须为管理员")
            else:
                require(by.role, Permission.USER_MANAGE)
                if not within(by.jurisdiction, jurisdiction):
                    raise DomainError("PERMISSION_DENIED", f"{by.actor_id} 不能在其辖区之外创建账号")
            if conn.execute(select(t.users.c.user_id).where(t.users.c.user_id == user.user_id)).first():
                raise DomainError("USER_EXISTS", f"用户名 {user.user_id} 已存在", field="user_id")
            conn.execute(
                t.users.insert().values(
                    user_id=user.user_id, display_name=user.display_name.strip(), role=user.role.value,
                    jurisdiction=jurisdiction, active=True, created_at=dt.datetime.now(dt.UTC),
                    created_by=acting.actor_id,
                )
            )  # fmt: skip
            detail = {"role": user.role.value, "jurisdiction": jurisdiction}
            auditing.record(conn, acting, "user.create", f"user:{user.user_id}", detail, request_id=request_id)
    return User(user.user_id, user.display_name.strip(), user.role, jurisdiction)


def actor_of(engine: Engine, user_id: str) -> Actor:
    """The actor an active account acts as; an unknown or deactivated account is USER_NOT_FOUND."""
    u = t.users.c
    with engine.connect() as conn:
        row = conn.execute(select(u.role, u.jurisdiction).where(u.user_id == user_id, u.active.is_(True))).first()
    if row is None:
        raise DomainError("USER_NOT_FOUND", f"没有有效账号 {user_id}")
    return Actor(user_id, Role(row.role), row.jurisdiction)


@dataclass(frozen=True, slots=True)
class Account:
    """An account as its administrator sees it: never the password hash — whether one is set, a lock, the last login."""

    user: User
    locked_until: dt.datetime | None  # set only while a lockout is running
    last_login: dt.datetime | None  # the newest web session's start; None if it never logged in on the web
    has_password: bool


def _accounts_query(by: Actor) -> Select[Any]:
    u, s = t.users.c, t.web_sessions.c
    last = select(s.user_id, func.max(s.created_at).label("last_login")).group_by(s.user_id).subquery()
    return (
        select(u.user_id, u.display_name, u.role, u.jurisdiction, u.active, u.locked_until,
               u.password_hash.is_not(None).label("has_password"), last.c.last_login)
        .outerjoin(last, last.c.user_id == u.user_id)
        .where(u.jurisdiction.startswith(scope_prefix(by.jurisdiction)))
    )  # fmt: skip


def _account(row: Any, now: dt.datetime) -> Account:
    user = User(row.user_id, row.display_name, Role(row.role), row.jurisdiction, bool(row.active))
    locked = _utc(row.locked_until)
    return Account(user, locked if locked and locked > now else None, _utc(row.last_login), bool(row.has_password))


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def list_accounts(
    engine: Engine, by: Actor, *, limit: int | None = None, offset: int = 0, now: dt.datetime | None = None
) -> list[Account]:
    """Accounts inside the administrator's jurisdiction, by jurisdiction, role and id (a list: not audited)."""
    with auditing.refusals_audited(engine, by, "user.list", "users"):
        require(by.role, Permission.USER_MANAGE)
    u = t.users.c
    query = _accounts_query(by).order_by(u.jurisdiction, u.role, u.user_id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    when = now or dt.datetime.now(dt.UTC)
    return [_account(r, when) for r in rows]


def list_users(engine: Engine, by: Actor) -> list[User]:
    """Accounts inside the administrator's jurisdiction."""
    return [a.user for a in list_accounts(engine, by)]


def get_account(engine: Engine, user_id: str, *, by: Actor, now: dt.datetime | None = None) -> Account:
    """One account inside the administrator's jurisdiction; elsewhere or unknown is USER_NOT_FOUND."""
    with auditing.refusals_audited(engine, by, "user.read", f"user:{user_id}"):
        require(by.role, Permission.USER_MANAGE)
        with engine.connect() as conn:
            row = conn.execute(_accounts_query(by).where(t.users.c.user_id == user_id)).first()
        if row is None:
            raise DomainError("USER_NOT_FOUND", f"辖区内没有账号 {user_id}")
    return _account(row, now or dt.datetime.now(dt.UTC))


def deactivate_user(engine: Engine, user_id: str, *, by: Actor, reason: str = "", request_id: str = "") -> None:
    """Deactivate an account of the administrator's jurisdiction, ending its web sessions and API tokens at once.

    Its sessions and tokens already stop working with ``active = false`` (``auth.resume`` and
    ``auth.actor_for_token`` check it); they are revoked too, in the same transaction, so that
    they stay dead whatever happens to the account later. An administrator cannot deactivate
    their own account (a county must not lock itself out by a slip).
    """
    with auditing.refusals_audited(engine, by, "user.deactivate", f"user:{user_id}", request_id):
        require(by.role, Permission.USER_MANAGE)
        if user_id == by.actor_id:
            raise DomainError("USER_SELF", "不能停用自己的账号", field="user_id")
        u = t.users.c
        with engine.begin() as conn:
            done = conn.execute(
                t.users.update()
                .where(u.user_id == user_id, u.jurisdiction.startswith(scope_prefix(by.jurisdiction)))
                .values(active=False)
            )
            if done.rowcount != 1:
                raise DomainError("USER_NOT_FOUND", f"辖区内没有账号 {user_id}")
            s, k = t.web_sessions.c, t.api_tokens.c
            sessions = conn.execute(
                t.web_sessions.update().where(s.user_id == user_id, s.revoked.is_(False)).values(revoked=True)
            ).rowcount
            tokens = conn.execute(
                t.api_tokens.update().where(k.user_id == user_id, k.revoked.is_(False)).values(revoked=True)
            ).rowcount
            detail: dict[str, object] = {"sessions_ended": sessions, "tokens_revoked": tokens}
            if reason.strip():
                detail["reason"] = reason.strip()[:500]
            auditing.record(conn, by, "user.deactivate", f"user:{user_id}", detail, request_id=request_id)
