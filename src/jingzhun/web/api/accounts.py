"""The API's accounts: list, create and deactivate — an administrator's token, inside its jurisdiction.

The same use cases as the accounts page and ``jingzhun user …`` (``services.users``): another
role is 403, an account outside the jurisdiction is 404 (and creating one there 403), and every
change is audited by the service. Passwords and tokens are not issued over the API: a password
is typed by an administrator on the page or at the console, and a token that could mint tokens
would outlive the account that issued it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.workflow import Role
from jingzhun.services.users import Account, User, add_user, deactivate_user, get_account, list_accounts
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, NoQuery, RequestId
from jingzhun.web.api.problems import documented
from jingzhun.web.api.views import instant

router = APIRouter(responses=documented(401))

UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00-\x20\x7f]+$", examples=["cadre_a"])]


class AccountOut(BaseModel):
    """An account as its administrator sees it; never a password or its hash."""

    user_id: str
    display_name: str
    role: Role
    role_label: str
    jurisdiction: str = Field(description="12-digit division code")
    active: bool
    locked_until: m.Instant | None = Field(description="set while a lockout after failed logins runs")
    last_login: m.Instant | None = Field(description="the newest web login; null if never")
    has_password: bool


class AccountQuery(m.PagedQuery):
    """The accounts' page; an unknown parameter is refused, not ignored."""


class AccountPage(m.PageOut):
    items: list[AccountOut] = Field(description="by jurisdiction, role and user id")


class AccountIn(BaseModel):
    """A new account: one role, one jurisdiction inside the administrator's."""

    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x20\x7f]+$")] = Field(
        examples=["cadre_c"]
    )
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")] = (
        Field(examples=["村干部丙"])
    )
    role: Role
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")] = Field(
        examples=["532328101201"], description="division code of 6, 9 or 12 digits"
    )


class DeactivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: m.FreeText = Field(
        min_length=1, max_length=500, description="kept in the audit event", examples=["调离岗位"]
    )


def account_out(a: Account) -> AccountOut:
    u = a.user
    return AccountOut(
        user_id=u.user_id, display_name=u.display_name, role=u.role, role_label=ROLE_LABELS[u.role],
        jurisdiction=u.jurisdiction, active=u.active, locked_until=instant(a.locked_until) if a.locked_until else None,
        last_login=instant(a.last_login) if a.last_login else None, has_password=a.has_password,
    )  # fmt: skip


@router.get("/users", summary="Accounts of the administrator's jurisdiction", responses=documented(403, 422))
def users(q: Annotated[AccountQuery, Query()], actor: CurrentActor, engine: EngineDep) -> AccountPage:
    rows = list_accounts(engine, actor, limit=q.page_size + 1, offset=(q.page - 1) * q.page_size)
    next_page = q.page + 1 if len(rows) > q.page_size else None
    return AccountPage(items=[account_out(a) for a in rows[: q.page_size]], page=q.page, page_size=q.page_size,
                       next_page=next_page)  # fmt: skip


@router.post("/users", status_code=201, summary="Create an account inside the administrator's jurisdiction",
             responses=documented(400, 403, 422), dependencies=[NoQuery])  # fmt: skip
def create_user(body: AccountIn, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> AccountOut:
    """Outside the jurisdiction is 403 PERMISSION_DENIED; a taken id 422 USER_EXISTS; nothing is created then."""
    user = add_user(engine, User(body.user_id, body.display_name, body.role, body.jurisdiction), by=actor,
                    request_id=rid)  # fmt: skip
    return account_out(get_account(engine, user.user_id, by=actor))


@router.post("/users/{user_id}/deactivate", summary="Deactivate an account: its sessions and tokens end at once",
             responses=documented(400, 403, 404, 422), dependencies=[NoQuery])  # fmt: skip
def deactivate(
    user_id: UserId, body: DeactivateIn, actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> AccountOut:
    """One's own account cannot be deactivated (422 USER_SELF); an account is never deleted."""
    deactivate_user(engine, user_id, by=actor, reason=body.reason, request_id=rid)
    return account_out(get_account(engine, user_id, by=actor))
