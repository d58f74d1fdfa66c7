"""The API's request and response bodies, so the OpenAPI schema says exactly what goes over the wire.

Times are given twice, as UTC and as Beijing time (``Instant``): stored in UTC, read in the
township office's day (decision 0006). Dates of deadlines are China-local dates. Every person
identifier in a household is masked before it leaves the service (``services.households``);
nothing here unmasks. Request bodies refuse unknown fields, so a misspelt field is an error,
not a silently ignored one; identifiers refuse control characters and spaces, which no id has.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypedDict

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from jingzhun.domain.access import Permission
from jingzhun.domain.cases import Channel
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import DayKind, DeadlineStatus
from jingzhun.domain.workflow import Role

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[^\x00-\x20\x7f]+$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.-]+$")]
DocumentKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
# typed text (reasons, notes, names of sources): any character but NUL, which a PostgreSQL text
# column cannot hold and no keyboard types; the length is the field's own
FreeText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]
# "case.<action>" is an audit action (64 characters): an action name stays well inside it
ActionName = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_]*$")]


class Instant(BaseModel):
    """One moment, in UTC and in Beijing time (UTC+8, no daylight saving since 1991)."""

    utc: AwareDatetime = Field(examples=["2026-11-02T01:00:00Z"])
    beijing: AwareDatetime = Field(examples=["2026-11-02T09:00:00+08:00"])


class Me(BaseModel):
    user_id: str
    role: Role
    role_label: str
    jurisdiction: str = Field(description="12-digit division code; the account sees records under its prefix")
    permissions: list[Permission]


class Labelled(BaseModel):
    code: str
    label: str


class QueueItem(BaseModel):
    """One case of the work queue: ids, state and dates, no person data (not an audited read)."""

    case_id: str
    household_id: str
    division_code: str
    state: str
    state_label: str
    opened_at: Instant
    due_on: dt.date | None = Field(description="the earliest running time limit; null when none runs or is datable")
    deadline_status: DeadlineStatus | None = Field(description="the worst running limit")
    deadline_status_label: str | None
    deadline_subject: str | None = Field(description='which limit: "procedure" or a step\'s state')


MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000  # an OFFSET past a county's or province's open cases returns an empty page


class PagedQuery(BaseModel):
    """A list's page, numbered from 1; the lists add their filters. An unknown parameter is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    @property
    def start(self) -> int:
        """The offset of the page's first item."""
        return (self.page - 1) * self.page_size

    def window(self, total: int) -> PageWindow:
        """The page fields (``PageOut``) of an answer listing ``total`` items in all."""
        more = self.start + self.page_size < total
        return {"page": self.page, "page_size": self.page_size, "next_page": self.page + 1 if more else None}


class PageWindow(TypedDict):
    page: int
    page_size: int
    next_page: int | None


class PageOut(BaseModel):
    """Where a page stands: its number and size, and the next page's number (null on the last page)."""

    page: int
    page_size: int
    next_page: int | None = Field(description="the next page's number, or null on the last page")


class CaseQuery(PagedQuery):
    """The work queue's filters and page; an unknown parameter is refused, not ignored."""

    overdue: bool = Field(default=False, description="only cases whose running limit has passed")
    include_closed: bool = Field(default=False, description="closed cases too")


class CasePage(PageOut):
    items: list[QueueItem]


class WorkflowRef(BaseModel):
    key: str = Field(examples=["identification@34@2024.1"])
    id: str
    version: str
    title: str


class LeadOut(BaseModel):
    lead_id: str
    channel: Channel
    channel_label: str
    received_at: Instant
    source: str
    department: str
    suggested_category: MonitoringCategory | None
    suggested_risk_codes: list[str]


class PolicyRef(BaseModel):
    id: str
    version: str
    hash: str


class TransitionOut(BaseModel):
    seq: int
    action: str
    source: str
    target: str
    target_label: str
    actor_id: str
    actor_role: Role
    at: Instant
    reason: str
    evidence: list[Labelled]
    review: bool
    decision: bool
    category: MonitoringCategory | None = Field(description="set when this step confirmed the codes")
    risk_codes: list[str]
    workflow: PolicyRef
    decision_policy: str | None = Field(description="monitoring policy in force for a final decision")


class ObjectionOut(BaseModel):
    objection_id: str
    raised_at: Instant
    summary: str
    recorded_by: str
    open: bool
    answered_at: Instant | None
    answer: str
    answered_by: str
    upheld: bool
    notice_seq: int | None = Field(
        description="seq of the step that posted the notice this objection was raised against; "
        "null for objections recorded before it was kept"
    )


class Limit(BaseModel):
    days: int
    kind: DayKind
    roll_forward: bool
    text: str = Field(examples=["15 个自然日"])


class DeadlineOut(BaseModel):
    subject: str = Field(description='"procedure" or the state of a step')
    subject_label: str
    started: dt.date
    limit: Limit
    due: dt.date = Field(description="the last day still on time (China-local)")
    done: dt.date | None
    running: bool
    status: DeadlineStatus
    status_label: str
    colour: str


class ActionOut(BaseModel):
    """A step this account may take now (the workflow may still refuse it for its content)."""

    action: str
    label: str
    target: str
    target_label: str
    evidence: list[Labelled] = Field(description="documents that must be named in `evidence`")
    needs_reason: bool
    sets_codes: bool = Field(description="category and risk codes are confirmed here")
    review: bool
    decision: bool
    after_notice: bool


class CaseOut(BaseModel):
    case_id: str
    household_id: str
    division_code: str
    workflow: WorkflowRef
    state: str
    state_label: str
    closed: bool
    opened_at: Instant
    category: MonitoringCategory | None
    category_label: str | None
    risk_codes: list[Labelled]
    leads: list[LeadOut]
    history: list[TransitionOut]
    objections: list[ObjectionOut]
    deadlines: list[DeadlineOut]
    deadlines_undated: bool = Field(description="the holiday calendar does not cover the years the limits reach yet")
    actions: list[ActionOut]
    can_object: bool = Field(description="objections may be recorded or answered by this account now")


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ActionName = Field(examples=["accept"])
    evidence: list[DocumentKey] = Field(default=[], max_length=20, examples=[["verification_form", "signed_consent"]])
    reason: FreeText = Field(default="", max_length=2000)
    category: MonitoringCategory | None = None
    risk_codes: list[Code] | None = Field(default=None, max_length=10, examples=[["01"]])


class NewObjection(BaseModel):
    """An objection received during the public notice."""

    model_config = ConfigDict(extra="forbid")

    summary: FreeText = Field(min_length=1, max_length=2000)


class ObjectionAnswer(BaseModel):
    """The answer to an open objection: whether it was found valid, and what the household was told."""

    model_config = ConfigDict(extra="forbid")

    answer_to: Code = Field(examples=["O1"])
    answer: FreeText = Field(min_length=1, max_length=2000)
    upheld: bool = False


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household_id: Identifier
    channel: Channel
    source: FreeText = Field(min_length=1, max_length=200, examples=["12317 热线"])
    department: FreeText = Field(default="", max_length=64, description="required for a department warning")
    category: MonitoringCategory | None = None
    risk_codes: list[Code] = Field(default=[], max_length=10)
    lead_id: Annotated[str, StringConstraints(max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")] | None = Field(
        default=None, description="the caller's own id of the lead; sending it again is a harmless retry"
    )


class LeadReceived(BaseModel):
    lead_id: str
    case_id: str
    household_id: str
    state: str
    leads_in_case: int


class Member(BaseModel):
    person_id_masked: str = Field(examples=["5323**********0021"])
    name: str
    relation: str
    age: int | None
    health: str | None
    disability_grade: int | None
    labor_capacity: str | None
    schooling: str | None
    medical_insured: bool | None


class Income(BaseModel):
    """One 12-month window; amounts in fen."""

    period_end: str = Field(examples=["2026-09"])
    wage_fen: int | None = None
    business_net_fen: int | None = None
    property_fen: int | None = None
    transfer_fen: int | None = None
    medical_self_paid_fen: int | None = None
    education_self_paid_fen: int | None = None


class Conditions(BaseModel):
    housing_safe: bool
    water_safe: bool
    assessed_on: dt.date | None = None


class Event(BaseModel):
    source: str
    event_type: str
    event_date: dt.date
    amount_fen: int | None
    person_id_masked: str | None


class HouseholdCase(BaseModel):
    case_id: str
    state: str
    state_label: str
    opened_at: Instant
    closed: bool


class LiveWarning(BaseModel):
    """What the screening decides for this household now: the pure ``decide`` the batch engine is held to."""

    category: MonitoringCategory | None = Field(description="null: a basic-need problem; a household visit decides")
    category_label: str | None
    risk_codes: list[Labelled] = Field(description="in rule order, labelled from the policy's risk table")
    rule_ids: list[str] = Field(description="the rules that fired, in the policy's order")
    reasons: list[str] = Field(
        description="one Chinese line per rule that fired", examples=[["人均纯收入 7,912 元 < 监测标准 8,700 元"]]
    )
    evidence: dict[str, bool | int | None] = Field(
        description="the values those rules read, by feature or parameter name (amounts in fen), as `jingzhun screen`"
    )


class Assessment(BaseModel):
    """Per-capita net income against the monitoring threshold in force for the household's place on the day."""

    as_of: dt.date = Field(description="the assessment day: China-local today, or see missing_window")
    window_start: str = Field(examples=["2025-11"], description="first month of the 12-month income window")
    window_end: str = Field(examples=["2026-10"], description="last month: the month before the assessment day")
    members: int
    net_income_fen: int | None = Field(description="null: no income recorded for the window")
    per_capita_income_fen: int | None = Field(description="rounded half-up to the fen")
    policy: PolicyRef | None = Field(description="null: no monitoring threshold in force here on the day")
    threshold_fen: int | None = Field(description="the monitoring threshold (per person and year) in force")
    below_threshold: bool | None = Field(description="net income < threshold × members (exact); null when unknown")
    no_policy_reason: str | None = Field(description="why no threshold applies (Chinese), when none does")
    warning: LiveWarning | None = Field(description="null: no rule that flags a household fired (or no policy)")
    missing_window: str | None = Field(
        examples=["2026-11"],
        description="the window an assessment today needs, not imported yet: as_of is then the day after the "
        "newest imported window; null when today's window is there",
    )


class HouseholdOut(BaseModel):
    household_id: str
    division_code: str
    alleviated: bool
    alleviated_year: int | None
    address: str | None
    phone_masked: str | None
    members: list[Member]
    income: list[Income] = Field(description="newest first")
    conditions: Conditions | None
    events: list[Event] = Field(description="those naming the household or a member, newest first")
    cases: list[HouseholdCase]
    assessment: Assessment
