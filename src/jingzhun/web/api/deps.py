"""What every API call needs: the store, the calling account (bearer token) and a request id.

Systems authenticate with ``Authorization: Bearer <token>``, a token an administrator issued
for one account (``services.auth.create_api_token``), so a system has that account's role,
jurisdiction and audit trail. Bearer tokens are never sent by a browser on its own, so the API
needs no CSRF token (the pages do). The request id — the caller's ``X-Request-ID`` when it is
a plain token, else a fresh ``api-…`` — is written into every audit event the call causes and
echoed in the response, so a system can match its log lines to the audit trail.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.services.auth import actor_for_token

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # the audit column is 64 characters; nothing a log could misread
bearer = HTTPBearer(auto_error=False, description="an API token an administrator issued for one account")


def request_id_for(given: str | None) -> str:
    return given if given and REQUEST_ID.fullmatch(given) else f"api-{uuid.uuid4().hex[:16]}"


async def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def request_id_of(request: Request) -> str:
    rid: str = request.state.request_id  # set by the API's middleware, which also echoes it
    return rid


EngineDep = Annotated[Engine, Depends(engine_of)]
RequestId = Annotated[str, Depends(request_id_of)]


def current_actor(
    engine: EngineDep, rid: RequestId, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    if credentials is None:
        raise DomainError("TOKEN_MISSING", "缺少访问令牌：请在 Authorization 请求头中使用 Bearer 令牌")
    return actor_for_token(engine, credentials.credentials, request_id=rid)


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def no_query(request: Request) -> None:
    """Refuse query parameters on an operation that declares none (a misspelt one must not pass unnoticed)."""
    if request.query_params:
        unknown = sorted(set(request.query_params))
        raise RequestValidationError(
            [
                {"type": "extra_forbidden", "loc": ("query", name), "msg": "Extra inputs are not permitted"}
                for name in unknown
            ]
        )


NoQuery = Depends(no_query)
