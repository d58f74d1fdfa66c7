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

from sqlalchemy import Engine, func, select

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


def list_users(engine: Engine, by: Actor) -> list[User]:
    """Accounts inside the administrator's jurisdiction."""
    with auditing.refusals_audited(engine, by, "user.list", "users"):
        require(by.role, Permission.USER_MANAGE)
    u = t.users.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(u.user_id, u.display_name, u.role, u.jurisdiction, u.active)
            .where(u.jurisdiction.startswith(scope_prefix(by.jurisdiction)))
            .order_by(u.jurisdiction, u.role, u.user_id)
        ).all()
    return [User(r.user_id, r.display_name, Role(r.role), r.jurisdiction, bool(r.active)) for r in rows]


def deactivate_user(engine: Engine, user_id: str, *, by: Actor, request_id: str = "") -> None:
    with auditing.refusals_audited(engine, by, "user.deactivate", f"user:{user_id}", request_id):
        require(by.role, Permission.USER_MANAGE)
        u = t.users.c
        with engine.begin() as conn:
            done = conn.execute(
                t.users.update()
                .where(u.user_id == user_id, u.jurisdiction.startswith(scope_prefix(by.jurisdiction)))
                .values(active=False)
            )
            if done.rowcount != 1:
                raise DomainError("USER_NOT_FOUND", f"辖区内没有账号 {user_id}")
            auditing.record(conn, by, "user.deactivate", f"user:{user_id}", request_id=request_id)
