"""Errors of the REST API as RFC 9457 problem details (``application/problem+json``).

Every refusal has one shape — ``{type, title, status, detail, code, field?}`` — whether it is a
domain refusal, a request that does not match the schema, an unknown path or a server fault:
``code`` is the stable domain code (``CASE_NOT_FOUND``, ``EVIDENCE_MISSING``), ``detail`` the
Chinese message a cadre can act on, ``title`` the English phrase of the status. Out of scope is
404 with the same message as the pages, so a caller cannot learn that a record exists
elsewhere; ID numbers and phones in a message are masked; no stack trace is ever sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import mask_identifiers

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:jingzhun:problem:"
UNAUTHENTICATED = frozenset({"TOKEN_MISSING", "TOKEN_INVALID"})
OUT_OF_SCOPE = "找不到该记录，或不在您的辖区内。"  # the pages' wording: not found and out of scope read alike
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}
HTTP_DETAILS = {  # Chinese messages for refusals that come from routing or body parsing, not from the domain
    400: ("BODY_UNREADABLE", "请求体无法读取：须为 UTF-8 编码的 JSON"),
    404: ("NOT_FOUND", "没有这个接口地址"),
    405: ("METHOD_NOT_ALLOWED", "该接口不支持这种请求方法"),
}


class FieldError(BaseModel):
    """One place where a request does not match the schema (request validation only)."""

    field: str = Field(description="dotted path inside its location, e.g. `evidence.0`")
    location: str = Field(description="body, query, path or header")
    type: str = Field(description="pydantic's error type, e.g. `string_too_long`")
    message: str = Field(description="pydantic's message (English)")


class Problem(BaseModel):
    """RFC 9457 problem details, with the domain's stable code and, where known, the field at fault."""

    type: str = Field(description="`urn:jingzhun:problem:<code>`", examples=["urn:jingzhun:problem:CASE_NOT_FOUND"])
    title: str = Field(description="the HTTP status phrase (English)", examples=["Not Found"])
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong, in Chinese; ID numbers and phones masked")
    code: str = Field(description="stable machine-readable code", examples=["EVIDENCE_MISSING"])
    field: str | None = Field(default=None, description="the request field at fault, when one is")
    errors: list[FieldError] | None = Field(default=None, description="every schema mismatch (422 REQUEST_INVALID)")


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": mask_identifiers(detail),
        "code": code,
    }
    if field:
        body["field"] = field
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _dotted(loc: Sequence[int | str]) -> tuple[str, str]:
    """``("body", "evidence", 0)`` → ``("body", "evidence.0")``."""
    if not loc:
        return "", ""
    return str(loc[0]), ".".join(str(x) for x in loc[1:])


def install(api: FastAPI, status_of: Callable[[DomainError], int]) -> None:
    """Register the problem handlers on the API application (the pages keep their HTML error page)."""

    @api.exception_handler(DomainError)
    def refused(_: Request, error: DomainError) -> JSONResponse:
        if error.code in UNAUTHENTICATED:
            headers = {"WWW-Authenticate": 'Bearer realm="jingzhun"'}
            if error.code == "TOKEN_INVALID":
                headers["WWW-Authenticate"] += ', error="invalid_token"'
            return problem(401, error.code, error.message, headers=headers)
        status = status_of(error)
        message = OUT_OF_SCOPE if status == 404 else error.message
        return problem(status, error.code, message, field=error.field)

    @api.exception_handler(RequestValidationError)
    def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = []
        for e in error.errors():  # the input itself is never echoed: it may carry an ID number
            location, field = _dotted(e.get("loc", ()))
            errors.append(FieldError(field=field, location=location, type=e["type"], message=e.get("msg", "")))
        first = errors[0].field if errors else None
        detail = f"请求内容不符合接口定义（{len(errors)} 处），见 errors"
        return problem(422, "REQUEST_INVALID", detail, field=first or None, errors=errors)

    @api.exception_handler(StarletteHTTPException)
    def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code, detail = HTTP_DETAILS.get(error.status_code, (f"HTTP_{error.status_code}", "请求未能办理"))
        return problem(error.status_code, code, detail, headers=dict(error.headers or {}))

    @api.exception_handler(Exception)
    def crashed(_: Request, __: Exception) -> JSONResponse:
        return problem(500, "INTERNAL_ERROR", "系统内部错误，请稍后重试；如反复出现请联系管理员")


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of a route that may answer with these problem statuses."""
    described = {
        400: "The body could not be read at all (not UTF-8 JSON)",
        401: "No bearer token, or an invalid, expired or revoked one",
        403: "The account's role may not do this",
        404: "No such record in the account's jurisdiction",
        409: "Someone else changed the case meanwhile; read it again and retry",
        422: "The request does not match the schema (REQUEST_INVALID), or the domain refused it",
    }
    return {s: {"model": Problem, "description": described[s]} for s in statuses}


def problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every error response as ``application/problem+json`` (FastAPI writes ``application/json``)."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[0] in "45" and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return schema
