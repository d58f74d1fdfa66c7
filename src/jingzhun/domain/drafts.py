"""A visit draft: what a caseworker has typed into one step's form, kept before the step is taken.

A cadre in a household with a bad signal saves what they have so far — the step, the category,
the risk codes, the documents ticked, the reason or notes — and comes back to it (decision 0009).
A draft is not a step: it is checked only for what it names, not for completeness (no reason,
no category, six risk codes are all fine in a draft; taking the step still checks everything).

``clean_draft`` keeps every value it can and lists the ones it cannot keep (an unknown risk
code, a document the step does not ask for), each with a stable code and a Chinese message, so
one bad value never costs the rest of the draft. What it refuses outright is a draft whose step
does not exist here, or one too long to store (``DRAFT_TOO_LARGE``).

A draft remembers the case it was written against (its state and number of recorded steps); if
the case has moved on since, the draft is shown, not applied (``is_stale``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from jingzhun.domain.categories import MonitoringCategory, risk_table
from jingzhun.domain.documents import document_label
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import TransitionRule

MAX_REASON_CHARS = 2000  # the step form's own limit
MAX_DRAFT_BYTES = 16 * 1024  # the stored JSON document (a backstop: the fields above keep it far smaller)


@dataclass(frozen=True, slots=True)
class VisitDraft:
    """The values of one step's form, as far as they are filled in."""

    action: str
    category: MonitoringCategory | None = None
    risk_codes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DraftProblem:
    """A value that was not kept in the draft, and why (the rest of the draft is kept)."""

    code: str
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class CasePoint:
    """Where a case stood when a draft was saved: its state and how many steps were recorded."""

    state: str
    steps: int


def is_stale(saved_on: CasePoint, now: CasePoint) -> bool:
    """Whether the case has moved on since the draft was saved (a step was taken, even one back to the same state)."""
    return saved_on != now


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def clean_draft(
    rule: TransitionRule,
    *,
    category: str = "",
    risk_codes: Iterable[str] = (),
    evidence: Iterable[str] = (),
    reason: str = "",
    known_risk_codes: Collection[str] | None = None,
) -> tuple[VisitDraft, tuple[DraftProblem, ...]]:
    """The draft of ``rule``'s form, keeping every value it can; the values left out are listed."""
    if len(reason) > MAX_REASON_CHARS:
        raise DomainError(
            "DRAFT_TOO_LARGE",
            f"理由/说明最多 {MAX_REASON_CHARS} 字，现有 {len(reason)} 字，请删减后再保存",
            field="reason",
        )
    problems: list[DraftProblem] = []
    known = known_risk_codes if known_risk_codes is not None else risk_table()
    chosen: MonitoringCategory | None = None
    codes = _unique(risk_codes)
    if not rule.sets_codes and (category or codes):
        problems.append(DraftProblem("CODES_NOT_ALLOWED", "category", "这一步不确认监测类别和风险类型，未保存这两项"))
        codes = []
    elif category:
        try:
            chosen = MonitoringCategory(category)
        except ValueError:
            message = f"未知的监测类别“{category[:40]}”，未保存该项"
            problems.append(DraftProblem("CATEGORY_UNKNOWN", "category", message))
    unknown = [c for c in codes if c not in known]
    if unknown:
        shown = "、".join(c[:16] for c in unknown[:5])
        problems.append(DraftProblem("RISK_CODE_UNKNOWN", "risk_codes", f"未知的风险类型代码：{shown}，未保存这些代码"))
    documents = _unique(evidence)
    extra = [k for k in documents if k not in rule.evidence]
    if extra:
        shown = "、".join(document_label(k)[:40] for k in extra[:5])
        problems.append(DraftProblem("EVIDENCE_UNKNOWN", "evidence", f"这一步不需要材料：{shown}，未保存这些勾选"))
    draft = VisitDraft(
        action=rule.action,
        category=chosen,
        risk_codes=tuple(c for c in codes if c in known),
        evidence=tuple(k for k in documents if k in rule.evidence),
        reason=reason,
    )
    return draft, tuple(problems)
