"""What every request needs: the store, the settings, who is logged in, and the CSRF check.

Pages resolve the session from the ``jz_session`` cookie (``services.auth.resume``); a missing
or expired session redirects to the login page. Every state-changing form carries the session's
CSRF token and is refused without it (403), so another site cannot post on a user's behalf.
Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its
thread pool, a hand-off per dependency per request for nothing.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy import Engine

from jingzhun.domain.errors import DomainError
from jingzhun.services.auth import Session, resume
from jingzhun.settings import Settings

COOKIE = "jz_session"


class LoginRequired(Exception):
    """Raised by page dependencies; the app turns it into a redirect to /login."""


async def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def settings_of(request: Request) -> Settings:
    cfg: Settings = request.app.state.settings
    return cfg


async def request_id_of(request: Request) -> str:
    """The id written into every audit event this request causes (a proxy's X-Request-ID if given)."""
    given = request.headers.get("x-request-id", "")[:64]
    return given or f"web-{uuid.uuid4().hex[:16]}"


EngineDep = Annotated[Engine, Depends(engine_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
RequestId = Annotated[str, Depends(request_id_of)]


def current_session(request: Request, engine: EngineDep, cfg: SettingsDep) -> Session:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    try:
        return resume(engine, token, cfg)
    except DomainError:
        raise LoginRequired from None


CurrentSession = Annotated[Session, Depends(current_session)]


async def checked_session(
    request: Request, session: CurrentSession, csrf_token: Annotated[str, Form()] = ""
) -> Session:
    """The session of a form post, after checking its CSRF token and that no text field holds a NUL.

    Every state-changing form passes here, so this is the one place for the NUL check the API's
    ``FreeText`` makes: no keyboard types U+0000, PostgreSQL's text columns refuse it (a 500 on the
    production backend only), and in a case's JSON document it would be an invisible character
    reaching notices and exports. The form is parsed once; the route's own ``Form`` fields reuse it.
    """
    if not secrets.compare_digest(csrf_token, session.csrf_token):
        raise DomainError("CSRF_FAILED", "表单已失效，请刷新页面后重试")
    for name, value in (await request.form()).multi_items():
        if isinstance(value, str) and "\x00" in value:
            raise DomainError(
                "TEXT_INVALID", f"填写的内容含有不可见的控制字符（NUL），请删除后重新提交（字段 {name}）", field=name
            )
    return session


PostingSession = Annotated[Session, Depends(checked_session)]
