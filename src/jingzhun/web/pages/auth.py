"""Login and logout pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.errors import DomainError
from jingzhun.services import auth
from jingzhun.web.deps import COOKIE, EngineDep, PostingSession, RequestId, SettingsDep
from jingzhun.web.templating import templates

router = APIRouter()


def _safe_next(value: str) -> str:
    """Only a path on this site (no ``//host`` or scheme): a login must not redirect elsewhere."""
    return value if value.startswith("/") and not value.startswith("//") else "/"


def _form(request: Request, cfg: SettingsDep, **extra: object) -> dict[str, object]:
    return {
        "request": request,
        "max_failed": cfg.max_failed_logins,
        "lockout": cfg.lockout_minutes,
        "idle": cfg.idle_timeout_minutes,
        **extra,
    }


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, cfg: SettingsDep, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", _form(request, cfg, next=_safe_next(next)))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    engine: EngineDep,
    cfg: SettingsDep,
    rid: RequestId,
    user_id: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        session = auth.login(engine, user_id.strip(), password, cfg, request_id=rid)
    except DomainError as e:
        context = _form(request, cfg, error=e.message, user_id=user_id, next=_safe_next(next))
        return templates.TemplateResponse(request, "login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, session.token, httponly=True, samesite="lax", secure=cfg.cookie_secure,
        max_age=cfg.session_hours * 3600, path="/",
    )  # fmt: skip
    return response


@router.post("/logout")
def logout(session: PostingSession, engine: EngineDep, rid: RequestId) -> Response:
    auth.logout(engine, session.token, request_id=rid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
