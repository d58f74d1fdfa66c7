"""The API's visit drafts: PUT, GET and DELETE ``/cases/{case_id}/draft`` — the token's account's own draft.

The same use cases as the case page's 保存草稿 and 放弃草稿 (``services.drafts``): one draft per
case and account, scoped (another jurisdiction's case is 404), audited (``case.draft_save``,
``case.draft_read``, ``case.draft_discard``). A save keeps what it can and lists in ``left_out``
what it could not (an unknown risk code, say); a draft of a case that has moved on since is
returned with ``stale: true`` — a client must not apply it unchecked. No draft is 404
``DRAFT_NOT_FOUND``; taking the step deletes the draft.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from jingzhun.domain.categories import MonitoringCategory, risk_table
from jingzhun.domain.documents import document_label
from jingzhun.domain.errors import DomainError
from jingzhun.services.drafts import DraftView, discard_draft, read_draft, save_draft
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, NoQuery, RequestId
from jingzhun.web.api.problems import documented
from jingzhun.web.api.routes import CaseId
from jingzhun.web.api.views import instant

router = APIRouter(responses=documented(401))

NO_DRAFT = "您在本案没有保存的草稿"


class DraftIn(BaseModel):
    """One step's form as far as it is filled in; nothing is required but the step."""

    model_config = ConfigDict(extra="forbid")

    action: m.ActionName = Field(examples=["submit_verification"], description="a step open to the account now")
    category: MonitoringCategory | None = None
    risk_codes: list[m.Code] = Field(default=[], max_length=20, examples=[["01"]])
    evidence: list[m.DocumentKey] = Field(default=[], max_length=20, examples=[["verification_form"]])
    reason: m.FreeText = Field(default="", max_length=2000)


class LeftOut(BaseModel):
    """A value of the request that the draft did not keep, and why."""

    code: str = Field(examples=["RISK_CODE_UNKNOWN"])
    field: str = Field(examples=["risk_codes"])
    detail: str = Field(description="in Chinese")


class DraftOut(BaseModel):
    case_id: str
    author_id: str
    action: str
    action_label: str
    category: MonitoringCategory | None
    category_label: str | None
    risk_codes: list[m.Labelled]
    evidence: list[m.Labelled]
    reason: str
    saved_at: m.Instant
    saved_state: str = Field(description="the case's state when the draft was saved")
    saved_state_label: str
    state: str = Field(description="the case's state now")
    state_label: str
    stale: bool = Field(description="the case has moved on since the draft was saved: check it before applying it")
    left_out: list[LeftOut] = Field(description="on a save: values that were not kept (the rest was)")


def draft_out(view: DraftView) -> DraftOut:
    d, risks = view.draft, risk_table()
    return DraftOut(
        case_id=view.case_id,
        author_id=view.author_id,
        action=d.action,
        action_label=view.action_label,
        category=d.category,
        category_label=d.category.label if d.category else None,
        risk_codes=[m.Labelled(code=c, label=risks[c].label if c in risks else c) for c in d.risk_codes],
        evidence=[m.Labelled(code=k, label=document_label(k)) for k in d.evidence],
        reason=d.reason,
        saved_at=instant(view.saved_at),
        saved_state=view.saved_on.state,
        saved_state_label=view.saved_state_label,
        state=view.case_now.state,
        state_label=view.state_label,
        stale=view.stale,
        left_out=[LeftOut(code=p.code, field=p.field, detail=p.message) for p in view.problems],
    )


@router.put(
    "/cases/{case_id}/draft",
    summary="Save (or replace) the account's draft of a step of the case",
    responses=documented(400, 403, 404, 422),
    dependencies=[NoQuery],
)
def put_draft(case_id: CaseId, body: DraftIn, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> DraftOut:
    """A step not open to the account in the case's state now is 422 DRAFT_ACTION_INVALID; bad values are left out."""
    saved = save_draft(
        engine, case_id, actor, action=body.action, category=body.category.value if body.category else "",
        risk_codes=body.risk_codes, evidence=body.evidence, reason=body.reason, request_id=rid,
    )  # fmt: skip
    return draft_out(saved)


@router.get(
    "/cases/{case_id}/draft",
    summary="The account's own draft of the case (an audited read)",
    responses=documented(403, 404, 422),
    dependencies=[NoQuery],
)
def get_draft(case_id: CaseId, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> DraftOut:
    found = read_draft(engine, case_id, actor, request_id=rid)
    if found is None:
        raise DomainError("DRAFT_NOT_FOUND", NO_DRAFT)
    return draft_out(found)


@router.delete(
    "/cases/{case_id}/draft",
    status_code=204,
    summary="Discard the account's draft of the case",
    responses=documented(403, 404, 422),
    dependencies=[NoQuery],
)
def delete_draft(case_id: CaseId, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> Response:
    if not discard_draft(engine, case_id, actor, request_id=rid):
        raise DomainError("DRAFT_NOT_FOUND", NO_DRAFT)
    return Response(status_code=204)
