"""The REST API (``/api/v1``) for systems: what the pages do, as JSON, with a bearer token.

It is an application of its own, mounted by ``web.app`` under ``/api/v1``, because it differs
from the pages in exactly the places a mount separates: its schema is published
(``/api/v1/openapi.json``, the API's routes only — the pages are not an API), its errors are
RFC 9457 problem details instead of an HTML page, and it authenticates with a bearer token
instead of a session cookie (so it needs no CSRF token). The domain-error → status mapping is
the web application's one (``web.app.status_of``), passed in, so pages and API never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.datastructures import Headers
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhun.domain.errors import DomainError
from jingzhun.web.api import accounts, audit, chain, drafts, elimination, follow_ups, plans, problems, supervision
from jingzhun.web.api.deps import request_id_for
from jingzhun.web.api.routes import router

PREFIX = "/api/v1"
DESCRIPTION = """精准 jingzhun: 防止返贫动态监测和帮扶 — the case work and plans of the web pages, for systems.

Authenticate with `Authorization: Bearer <token>`; a token acts as one account, with its role,
jurisdiction and audit trail. A record outside the jurisdiction is 404, like one that does not
exist. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`
and a Chinese `detail`. Send `X-Request-ID` to find your calls in the audit trail.
"""


def create_api(engine: Engine, *, status_of: Callable[[DomainError], int]) -> FastAPI:
    api = FastAPI(
        title="精准 jingzhun API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.engine = engine
    api.include_router(router)
    api.include_router(drafts.router)
    api.include_router(plans.router)
    api.include_router(chain.router)
    api.include_router(elimination.router)
    api.include_router(follow_ups.router)
    api.include_router(supervision.router)
    api.include_router(audit.router)
    api.include_router(accounts.router)
    problems.install(api, status_of)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = problems.problem_media_types(FastAPI.openapi(api))
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]

    api.add_middleware(RequestIds)
    return api


class RequestIds:
    """Gives each call its request id (``request.state.request_id``) and echoes it as ``X-Request-ID``.

    A plain ASGI middleware rather than ``@app.middleware("http")``, whose extra task and
    response stream per call cost more than the rest of a small call's framework overhead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id")
        rid = request_id_for(given)
        scope.setdefault("state", {})["request_id"] = rid

        async def echo(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        await self.app(scope, receive, echo)


class ApiMount(Mount):
    """A mount that takes every path under its prefix, even one with a percent-encoded line break.

    Starlette's mount pattern ends in ``.*``, which stops at a newline: such a request would fall
    through to the pages' router and get its plain 404, not the API's problem details.
    """

    def __init__(self, path: str, app: FastAPI, name: str) -> None:
        super().__init__(path, app=app, name=name)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def api_mount(engine: Engine, *, status_of: Callable[[DomainError], int]) -> Mount:
    """The API, to be added to the web application's routes."""
    return ApiMount(PREFIX, create_api(engine, status_of=status_of), name="api")
