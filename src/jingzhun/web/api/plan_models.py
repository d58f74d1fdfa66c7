"""The API's bodies for household plans (一户一策): the plan as read, and the four kinds of change.

Amounts are integer fen, as everywhere in the API; dates are China-local dates. A member is
named by ``member``, its number in the plan's ``members`` list (or, by a system that holds it,
the full ``person_id``); answers carry only masked ID numbers. Every change carries the
``expected_version`` it was based on — the ``version`` of the plan last read, 0 before there
is one — and is refused with 409 PLAN_VERSION when someone else changed the plan meanwhile.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jingzhun.domain.measures import MeasureRole, MeasureType, Provider, Target
from jingzhun.domain.plans import EffectVerdict, ItemStatus
from jingzhun.domain.workflow import Role
from jingzhun.web.api.models import Code, FreeText, Identifier, Instant, Labelled

MeasureId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Z][A-Z0-9_]*$")]
# A plan's dates lie in 2000–2099; that is checked by the routes (422 DATE_OUT_OF_RANGE), as JSON
# Schema has no bounds for a date and the schema must not promise more than is accepted.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
Day = Annotated[dt.date, Field(description="2000-01-01 to 2099-12-31")]
Fen = Annotated[int, Field(ge=0, le=10**12, description="fen (1 yuan = 100 fen)")]
Months = Annotated[int, Field(ge=1, le=600)]
Version = Annotated[
    int, Field(ge=0, le=1_000_000, description="the plan's `version` as last read (0: no plan yet)", examples=[0])
]
MemberNo = Annotated[int, Field(ge=1, le=99, description="the member's number in the plan's `members` list")]
Text = Annotated[FreeText, Field(max_length=2000)]


class PlanMember(BaseModel):
    member: int = Field(description="how requests name this person (`member`)")
    name: str
    person_id_masked: str = Field(examples=["5323**********0021"])


class MeasureOut(BaseModel):
    """A catalogue measure as the policy in force resolves it for the household's place and day."""

    measure_id: str = Field(examples=["MICRO_CREDIT"])
    label: str
    type: MeasureType
    type_label: str
    role: MeasureRole
    role_label: str
    target: Target
    provider: Provider
    provider_label: str
    fund_source: str
    max_amount_fen: int | None
    max_term_months: int | None
    expected_income_fen: int = Field(description="expected yearly gain of household net income once effective")
    effect_months: int


class OptionOut(BaseModel):
    """An eligible measure for one risk (and one member), best first, with why."""

    measure: MeasureOut
    member: int | None = Field(description="the member it is for (person measures); null: the household")
    person_name: str | None
    person_id_masked: str | None
    reason: str = Field(description="why it is offered and ranked here, and the conditions it meets (Chinese)")


class RiskOptionsOut(BaseModel):
    risk_code: str
    risk_label: str
    options: list[OptionOut]


class CheckOut(BaseModel):
    rule: str = Field(examples=["DEVELOPMENT_FLOOR"])
    label: str
    applies: bool
    satisfied: bool
    message: str


class EffectOut(BaseModel):
    verdict: EffectVerdict
    verdict_label: str
    per_capita_fen: int | None = Field(description="per-capita net income of the latest 12-month window")
    projected_fen: int | None = Field(description="with the expected gains of running measures not yet in income")
    threshold_fen: int
    findings: list[str]
    stack_safety_net: bool = Field(description="development measures cannot close the gap: add safety-net support")


class ItemOut(BaseModel):
    item_id: str = Field(examples=["I1"])
    measure_id: str
    measure_label: str
    member: int | None
    person_name: str | None
    person_id_masked: str | None
    risk_codes: list[Labelled]
    status: ItemStatus
    status_label: str
    provider: str
    provider_label: str
    fund_source: str
    amount_fen: int | None
    term_months: int | None
    start: dt.date | None = Field(description="planned until the item is in progress, then actual")
    end: dt.date | None
    note: str
    eligibility: str = Field(description="the explanation the measure was admitted with")


class VersionOut(BaseModel):
    """One recorded change of the plan: who, when, why, what."""

    version: int
    at: Instant
    by: str
    role: Role
    role_label: str
    reason: str
    changes: list[str]
    catalogue: str = Field(description="the policy (id@version#hash) the change was checked against")


class ReviewOut(BaseModel):
    at: Instant
    by: str
    window: str | None = Field(description="the income window judged by (YYYY-MM); null when none was available")
    per_capita_fen: int | None
    projected_fen: int | None
    threshold_fen: int
    verdict: EffectVerdict
    verdict_label: str
    findings: list[str]
    note: str


class PlanOut(BaseModel):
    """A case's plan with what is recommended and what is missing, as the plan page shows it."""

    case_id: str
    household_id: str
    on: dt.date = Field(description="the day it was judged on (China-local today)")
    measures_allowed: bool = Field(description="the case has reached approval or the green channel")
    policy: str | None = Field(description="the policy whose catalogue applies (id@version#hash); null: none")
    no_policy_reason: str | None
    plan_id: str | None = Field(description="null: no plan yet")
    version: int = Field(description="send it back as `expected_version` with a change (0: no plan yet)")
    created_at: Instant | None
    members: list[PlanMember]
    items: list[ItemOut]
    checks: list[CheckOut] = Field(description="the development and safety-net floors")
    effect: EffectOut | None = Field(description="null until there is a plan")
    review_due: dt.date | None = Field(description="when the next effect review falls due")
    review_overdue: bool
    recommendations: list[RiskOptionsOut] = Field(description="per confirmed risk; only eligible measures")
    versions: list[VersionOut] = Field(description="oldest first")
    reviews: list[ReviewOut]


class ItemIn(BaseModel):
    """Add a catalogue measure (the household, or one member, must be eligible; caps apply)."""

    model_config = ConfigDict(extra="forbid")

    measure_id: MeasureId = Field(examples=["MICRO_CREDIT"])
    risk_codes: list[Code] = Field(min_length=1, max_length=10, examples=[["07"]])
    member: MemberNo | None = Field(default=None, description="for a person measure: who (or else `person_id`)")
    person_id: Identifier | None = Field(
        default=None, description="for a person measure: the full ID number, instead of `member` (not both)"
    )
    amount_fen: Fen | None = None
    term_months: Months | None = None
    start: Day | None = None
    end: Day | None = None
    provider: Provider | None = Field(default=None, description="null: the catalogue's")
    fund_source: FreeText = Field(default="", max_length=200, description="empty: the catalogue's")
    note: Text = ""
    reason: Text = Field(default="", examples=["发展养殖"])
    expected_version: Version


class ItemChanges(BaseModel):
    """What to change. Amount, term and dates: a field sent (even null, which clears it) is a change;
    provider, fund source and note: absent or null leaves them as they are."""

    model_config = ConfigDict(extra="forbid")

    amount_fen: Fen | None = None
    term_months: Months | None = None
    start: Day | None = None
    end: Day | None = None
    provider: Provider | None = None
    fund_source: Annotated[FreeText, Field(max_length=200)] | None = None
    note: Text | None = None


class ItemChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: ItemChanges
    reason: Text = Field(min_length=1, examples=["县里核定补助标准"])
    expected_version: Version


class ItemStatusIn(BaseModel):
    """A lifecycle step: planned → in_progress → delivered → ended, or cancelled (with a reason)."""

    model_config = ConfigDict(extra="forbid")

    status: ItemStatus = Field(examples=["in_progress"])
    on: Day | None = Field(default=None, description="the day it happened (not in the future); default today")
    reason: Text = ""
    amount_fen: Fen | None = Field(default=None, description="the amount actually granted, if it differs")
    expected_version: Version


class ReviewIn(BaseModel):
    """An effect review: the income re-checked from the latest window."""

    model_config = ConfigDict(extra="forbid")

    note: Text = Field(default="", examples=["季度回访"])
    expected_version: Version
