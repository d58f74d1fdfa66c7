"""The API's audit log: ``GET /audit/events`` — the auditor's scoped view, a page per call, each call audited.

The same use case as the audit page and ``jingzhun audit log`` (``services.auditing.read_log``):
only an auditor's token may read (403 otherwise), events of actors outside its jurisdiction are
not there, and every call is one ``audit.read`` event naming the filters. Pages are a keyset on
the sequence number: pass ``next_before`` as ``before`` for the next, older page; new events do
not shift a page. Record references and details were masked when the events were written.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.audit import AuditEvent
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.workflow import Role
from jingzhun.services.auditing import LogFilter, read_log
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, RequestId
from jingzhun.web.api.problems import documented
from jingzhun.web.api.views import instant

router = APIRouter(responses=documented(401))

AccountId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x20\x7f]+$")]
ActionPrefix = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$")]
MAX_SEQ = 2**63 - 1
EPOCH = dt.date(2000, 1, 1)  # before any event: an earlier day (0001-01-01 is a valid date) means the same


class AuditQuery(BaseModel):
    """Filters and page of the audit log; an unknown parameter is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    since: dt.date | None = Field(default=None, description="events from this China-local day on (00:00 Beijing time)")
    actor: AccountId | None = Field(default=None, description="one account id, exactly")
    result: Literal["ok", "denied", "failed"] | None = None
    action: ActionPrefix | None = Field(
        default=None, examples=["auth.login", "case."], description="a prefix of the action: `case.` is every case step"
    )
    before: int | None = Field(default=None, ge=1, le=MAX_SEQ, description="events older than this sequence number")
    page_size: int = Field(default=50, ge=1, le=m.MAX_PAGE_SIZE)


class AuditEventOut(BaseModel):
    """Who did what to which record, when, with what result (等保 2.0 audit record)."""

    seq: int = Field(description="place in the SM3 hash chain, gap-free")
    at: m.Instant
    actor: str = Field(description="the account id; for a refused login of an unknown name, the name tried")
    role: str = Field(description="the account's role then; empty for an unknown name")
    role_label: str
    jurisdiction: str
    action: str = Field(examples=["auth.login", "household.read", "case.approve_county"])
    record: str = Field(description="what was acted on; ID numbers and phones masked", examples=["case:C0123456789ab"])
    result: str = Field(description="ok, denied (who asked) or failed (what was asked)")
    request_id: str
    detail: str = Field(description="short JSON text, ID numbers and phones masked")


class AuditPage(BaseModel):
    items: list[AuditEventOut] = Field(description="newest first")
    next_before: int | None = Field(description="`before` of the next (older) page, or null on the last page")


def event_out(e: AuditEvent) -> AuditEventOut:
    try:
        label = ROLE_LABELS[Role(e.role)]
    except ValueError:
        label = ""
    return AuditEventOut(
        seq=e.seq, at=instant(e.at), actor=e.actor, role=e.role, role_label=label, jurisdiction=e.jurisdiction,
        action=e.action, record=e.record, result=e.result, request_id=e.request_id, detail=e.detail,
    )  # fmt: skip


@router.get("/audit/events", summary="The audit log of the account's jurisdiction (auditor; an audited read)",
            responses=documented(403, 422))  # fmt: skip
def audit_events(
    q: Annotated[AuditQuery, Query()], actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> AuditPage:
    since = dt.datetime.combine(max(q.since, EPOCH), dt.time(0), tzinfo=CHINA_TZ) if q.since else None
    filters = LogFilter(since, q.actor or "", q.result or "", q.action or "")
    page = read_log(engine, actor, filters, before_seq=q.before, limit=q.page_size, request_id=rid)
    return AuditPage(items=[event_out(e) for e in page.events], next_before=page.next_before)
