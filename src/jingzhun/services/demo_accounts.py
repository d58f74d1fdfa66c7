"""The demo county's accounts: one per role, so a newcomer can act as each of them at once.

Created through ``users.add_user`` like any account (audited, scoped); rerunning the demo keeps
the accounts that exist and gives them fresh random passwords, printed once — a demo store is
synthetic, but a password that is the same in every installation would still be a bad habit.
The command line acts as an account with ``--as``.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.workflow import Role
from jingzhun.services.auth import set_password
from jingzhun.services.users import User, actor_of, add_user


def demo_users(county: str, township: str, village: str) -> list[User]:
    """The accounts of the demo: 12-digit codes of the county, one township and one of its villages."""
    return [
        User("admin", "系统管理员", Role.ADMINISTRATOR, county),
        User("cadre", "村干部（演示）", Role.VILLAGE_CADRE, village),
        User("township", "乡镇审核人（演示）", Role.TOWNSHIP_REVIEWER, township),
        User("county", "县级审批人（演示）", Role.COUNTY_APPROVER, county),
        User("data", "部门数据专员（演示）", Role.DEPARTMENT_DATA_OFFICER, county),
        User("partner", "帮扶力量（演示）", Role.ASSISTANCE_PARTNER, county),
        User("auditor", "审计员（演示）", Role.AUDITOR, county),
    ]


def ensure_demo_users(engine: Engine, county: str, township: str, village: str) -> list[User]:
    """Create the demo accounts that do not exist yet; return all of them."""
    users = demo_users(county, township, village)
    with engine.connect() as conn:
        existing = set(conn.execute(select(t.users.c.user_id)).scalars())
    admin = users[0]
    if admin.user_id not in existing:
        add_user(engine, admin, by=None if not existing else actor_of(engine, "admin"))
    for user in users[1:]:
        if user.user_id not in existing:
            add_user(engine, user, by=actor_of(engine, admin.user_id))
    return users


def reset_demo_passwords(engine: Engine, users: list[User]) -> dict[str, str]:
    """A fresh random password for every demo account, set by the demo administrator."""
    admin = actor_of(engine, users[0].user_id)
    out = {}
    for user in users:
        out[user.user_id] = f"jz-{secrets.token_urlsafe(9)}"
        set_password(engine, user.user_id, out[user.user_id], by=admin)
    return out
