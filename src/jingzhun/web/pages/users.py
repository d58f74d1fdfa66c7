"""The administrator's workplace: the accounts of the jurisdiction, and creating, deactivating, passwords, tokens.

Each form is one call to the same use cases as ``jingzhun user …`` (``services.users``,
``services.auth``), which check the permission and the jurisdiction and audit every change.
As with ``jingzhun user passwd``, the administrator types the new password (twice); it is never
shown, and no stored hash ever is. An API token is shown once, in the answer to the form that
issued it (pages are ``Cache-Control: no-store``), and only its hash is kept. The administrator
reads no person record: nothing here touches the registry or the cases.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services.auth import Session, create_api_token, set_password
from jingzhun.services.users import User, add_user, deactivate_user, get_account, list_accounts
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.templating import templates

router = APIRouter()
PAGE_SIZE = 200
TOKEN_DAYS = (30, 90, 365, 730)
DONE = {
    "created": "已创建账号。请在下面为其设置密码，再当面或通过安全渠道告知本人。",
    "password": "已设置新密码，账号如被锁定也已解除。请当面或通过安全渠道告知本人。",
    "deactivated": "已停用该账号：其登录会话和 API 令牌已全部失效。",
}


def _list_context(request: Request, session: Session, page: int, **extra: object) -> dict[str, object]:
    engine = request.app.state.engine
    rows = list_accounts(engine, session.actor, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return {"request": request, "session": session, "accounts": rows[:PAGE_SIZE], "page": page,
            "next_page": page + 1 if len(rows) > PAGE_SIZE else None, "roles": list(Role),
            "role_labels": ROLE_LABELS, "form": {"jurisdiction": session.actor.jurisdiction}, **extra}  # fmt: skip


@router.get("/users", response_class=HTMLResponse)
def accounts(request: Request, session: CurrentSession, page: str = "1") -> Response:
    number = int(page) if page.isdigit() and len(page) < 7 else 1
    return templates.TemplateResponse(request, "users.html", _list_context(request, session, max(number, 1)))


@router.post("/users", response_class=HTMLResponse)
def create(
    request: Request,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    user_id: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    jurisdiction: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """A refused account (outside the jurisdiction, a taken id): the list again, the message, the form as typed."""
    form = {"user_id": user_id, "display_name": display_name, "role": role, "jurisdiction": jurisdiction}
    try:
        try:
            chosen = Role(role)
        except ValueError:
            raise DomainError("USER_INVALID", "请选择角色", field="role") from None
        user = add_user(engine, User(user_id.strip(), display_name, chosen, jurisdiction), by=session.actor,
                        request_id=rid)  # fmt: skip
    except DomainError as e:
        context = _list_context(request, session, 1, form=form, flash=e.message, flash_kind="error")
        status = 403 if e.code == "PERMISSION_DENIED" else 422
        return templates.TemplateResponse(request, "users.html", context, status_code=status)
    return RedirectResponse(f"/users/{quote(user.user_id, safe='')}?done=created", status_code=303)


def _account_page(
    request: Request, session: Session, user_id: str, *, status_code: int = 200, **extra: object
) -> Response:
    account = get_account(request.app.state.engine, user_id, by=session.actor)  # out of scope: 404
    context = {"request": request, "session": session, "a": account, "role_labels": ROLE_LABELS,
               "token_days": TOKEN_DAYS, "self": account.user.user_id == session.actor.actor_id, **extra}  # fmt: skip
    return templates.TemplateResponse(request, "account.html", context, status_code=status_code)


@router.get("/users/{user_id}", response_class=HTMLResponse)
def account(request: Request, user_id: str, session: CurrentSession, done: str = "") -> Response:
    message = DONE.get(done)
    return _account_page(request, session, user_id, flash=message, flash_kind="ok")


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
def password(
    request: Request,
    user_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    password: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """The administrator types the password twice, as ``jingzhun user passwd`` asks; it also unlocks the account."""
    try:
        if password != confirm:
            raise DomainError("PASSWORD_MISMATCH", "两次输入的密码不一致", field="confirm")
        set_password(engine, user_id, password, by=session.actor, request_id=rid)
    except DomainError as e:
        if e.code not in ("PASSWORD_MISMATCH", "PASSWORD_WEAK"):
            raise
        return _account_page(request, session, user_id, status_code=422, flash=e.message, flash_kind="error")
    return RedirectResponse(f"/users/{quote(user_id, safe='')}?done=password", status_code=303)


@router.post("/users/{user_id}/token", response_class=HTMLResponse)
def token(
    request: Request,
    user_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    name: Annotated[str, Form(max_length=64)] = "",
    days: Annotated[str, Form(max_length=8)] = "365",
) -> Response:
    """The token is in this answer only: the store keeps its hash, and no page can show it again."""
    valid = {str(d): d for d in TOKEN_DAYS}
    if not name.strip() or days not in valid:
        get_account(engine, user_id, by=session.actor)  # out of scope stays 404 whatever was typed
        message = "请填写令牌用途并选择有效期"
        return _account_page(request, session, user_id, status_code=422, flash=message, flash_kind="error")
    value = create_api_token(engine, user_id, name.strip(), by=session.actor, days=valid[days], request_id=rid)
    issued = {"token": value, "name": name.strip(), "days": valid[days]}
    return _account_page(request, session, user_id, issued=issued)


@router.post("/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(
    request: Request,
    user_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    reason: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Needs a reason (kept in the audit event) and the ticked confirmation; the account's sessions end at once."""
    try:
        if not reason.strip() or confirm != "yes":
            get_account(engine, user_id, by=session.actor)  # out of scope stays 404 whatever was typed
            raise DomainError("CONFIRM_MISSING", "请填写停用原因，并勾选确认", field="reason")
        deactivate_user(engine, user_id, by=session.actor, reason=reason, request_id=rid)
    except DomainError as e:
        if e.code not in ("CONFIRM_MISSING", "USER_SELF"):
            raise
        return _account_page(request, session, user_id, status_code=422, flash=e.message, flash_kind="error")
    return RedirectResponse(f"/users/{quote(user_id, safe='')}?done=deactivated", status_code=303)
