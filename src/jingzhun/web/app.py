"""The FastAPI application: pages, static files, and one mapping from domain errors to HTTP.

``create_app(engine, settings)`` is called by ``bootstrap`` (``jingzhun serve``, the demo) and by
the tests with their own store. A domain refusal becomes a page with its Chinese message and
stable code — 404 for anything out of scope (never 403: a user must not learn it exists), 403
for a permission, 409 for a concurrent edit, 422 for the rest — and no stack trace reaches a
user. Responses carry security headers suited to a server-rendered site with no third-party
content.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhun.domain.errors import DomainError
from jingzhun.policy import load_packs
from jingzhun.services.auditing import Sealer
from jingzhun.settings import Settings
from jingzhun.web.api import api_mount
from jingzhun.web.deps import LoginRequired
from jingzhun.web.pages import (
    attachments,
    audit,
    auth,
    cases,
    chain,
    drafts,
    elimination,
    follow_ups,
    households,
    notices,
    plans,
    review,
    search,
    supervision,
    users,
    work,
)
from jingzhun.web.templating import templates

FORBIDDEN = frozenset({"PERMISSION_DENIED", "ROLE_NOT_ALLOWED", "SELF_APPROVAL", "CSRF_FAILED"})
CONFLICTS = frozenset({"CASE_CONFLICT", "PLAN_VERSION"})  # someone else changed the record meanwhile
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def status_of(error: DomainError) -> int:
    if error.code.endswith("NOT_FOUND"):
        return 404
    if error.code in FORBIDDEN:
        return 403
    if error.code in CONFLICTS:
        return 409
    if error.code == "FONT_MISSING":  # the server's setup, not the user's request
        return 503
    return 422


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every response the application sends (the ones it did not set itself).

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` wraps each response in an extra
    task and stream, a measurable share of a small page's time under load.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def warm_up() -> None:
    """Load what the first requests would, then exempt everything loaded so far from garbage collection.

    A full collection walks every live object: ~190,000 once the application, its libraries, the
    policy packs and the templates are loaded — about 85 ms here, during which the worker answers
    nothing (the household page's p99 under light load was that pause). ``gc.freeze()`` moves
    them to a permanent generation, so a collection only walks what requests allocate.
    """
    load_packs()
    for name in templates.env.list_templates(extensions=("html",)):
        templates.env.get_template(name)
    gc.collect()
    gc.freeze()


def create_app(engine: Engine, settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        warm_up()
        sealer = Sealer(engine)  # chains audit events queued while the chain's head was taken
        sealer.start()
        try:
            yield
        finally:
            sealer.stop()
            gc.unfreeze()  # the process may go on (tests start the next application)

    app = FastAPI(title="精准 jingzhun", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.engine, app.state.settings = engine, settings
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.router.routes.append(api_mount(engine, status_of=status_of))  # /api/v1, with its own schema
    for module in (
        auth,
        work,
        cases,
        drafts,
        attachments,
        plans,
        households,
        chain,
        elimination,
        follow_ups,
        supervision,
        search,
        review,
        notices,
        audit,
        users,
    ):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    def to_login(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(DomainError)
    def refused(request: Request, error: DomainError) -> Response:
        status = status_of(error)
        title = {404: "找不到", 403: "无权操作", 409: "已被他人修改"}.get(status, "未能办理")
        message = "找不到该记录，或不在您的辖区内。" if status == 404 else error.message
        context = {"request": request, "title": title, "message": message, "code": error.code}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    app.add_middleware(SecurityHeaders)
    return app
