"""The API's assistance-chain report: ``GET /chain/findings`` — duplicates and omissions of the jurisdiction.

The same use case as the ``/chain`` page and ``jingzhun chain check`` (``services.chain.check_chain``):
scoped to the token's jurisdiction, refused to roles without the report permission, audited as one
``chain.check`` event per call, person ids masked (also inside messages). Each call runs the check
afresh on the day asked (today by default) — the findings are a report, not stored records — and
returns one page of them in the report's stable order, with the per-county runs (households,
ledger entries, the policy in force) so a caller can tell "nothing found" from "no policy there".
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jingzhun.services.chain import RULE_LABELS, ChainReport, CountyRun, check_chain, masked_findings
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, RequestId
from jingzhun.web.api.problems import documented

router = APIRouter(responses=documented(401))

RuleId = Literal["CHAIN_DUPLICATE", "CHAIN_RISK_WITHOUT_MEASURE", "CHAIN_ENTITLEMENT_MISSED"]


class ChainQuery(m.PagedQuery):
    """The check day, an optional rule, and the page; an unknown parameter is refused, not ignored."""

    day: dt.date | None = Field(default=None, description="check day, 2000–2999; today (Beijing) if absent")
    rule: RuleId | None = Field(default=None, description="only the findings of this rule")
    page: int = Field(default=1, ge=1, le=m.MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=m.MAX_PAGE_SIZE)


class CountyRunOut(BaseModel):
    county: str = Field(description="six-digit county code")
    policy: str = Field(description="id@version#hash of the policy in force, or -#CODE when there is none")
    households: int
    ledger_entries: int
    findings: int


class FindingOut(BaseModel):
    """One duplicate or omission: which rule, which records, which office must act."""

    kind: Literal["duplicate", "omission"]
    rule_id: RuleId
    rule_label: str
    household_id: str
    person_id: str | None = Field(description="masked ID number of the member, when the finding is about one")
    measure_id: str | None
    risk_code: str | None
    record_ids: list[str] = Field(description="the ledger entries or case behind the finding")
    day_from: dt.date
    day_to: dt.date | None
    provider: str | None
    office: str = Field(description="the office responsible for acting on it")
    township_code: str
    county: str
    message: str = Field(description="the explanation, in Chinese; ID numbers masked")


class ChainPage(m.PageOut):
    check_day: dt.date
    counties: list[CountyRunOut]
    total: int = Field(description="findings of the rule asked (all rules if none)")
    counts: dict[str, int] = Field(description="findings per rule, over all rules")
    items: list[FindingOut]


def _page(report: ChainReport, q: ChainQuery) -> ChainPage:
    found = masked_findings(report.findings)
    counts = dict(found.group_by("rule_id").len().iter_rows()) if found.height else {}
    if q.rule:
        found = found.filter(found["rule_id"] == q.rule)
    start = q.start
    rows = found.slice(start, q.page_size).iter_rows(named=True) if start < found.height else ()
    items = [
        FindingOut(
            **{k: v for k, v in r.items() if k != "record_ids"},
            record_ids=[x for x in (r["record_ids"] or "").split(";") if x],
            rule_label=RULE_LABELS.get(r["rule_id"], r["rule_id"]),
        )
        for r in rows
    ]
    return ChainPage(
        check_day=report.check_day,
        counties=[_run(c) for c in report.counties],
        total=found.height,
        counts=counts,
        items=items,
        **q.window(found.height),
    )


def _run(c: CountyRun) -> CountyRunOut:
    return CountyRunOut(
        county=c.county, policy=c.policy, households=c.households, ledger_entries=c.ledger_entries, findings=c.findings
    )


@router.get("/chain/findings", summary="Duplicates and omissions of the assistance chain (an audited read)",
            responses=documented(403, 422))  # fmt: skip
def chain_findings(
    q: Annotated[ChainQuery, Query()], actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> ChainPage:
    report = check_chain(engine, actor, check_day=q.day, request_id=rid)
    return _page(report, q)
