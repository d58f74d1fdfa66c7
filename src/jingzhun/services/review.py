"""Reviews and approvals in batches: a township or county takes one decision on many cases at once.

A county approver with fifty cases in the queue reads each one, writes a reason for each, and
approves them together. Each case is still its own use case — ``act_on_case``, one transaction
and one audit event each — so one refused case (say, the reviewer took an earlier step of it:
four eyes) does not hold back the others, and the result lists what happened to every case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services.cases import act_on_case
from jingzhun.services.deadlines import QueueRow, list_cases

APPROVE = "approve"


def review_queue(engine: Engine, actor: Actor, *, today: dt.date) -> list[QueueRow]:
    """The open cases of the actor's jurisdiction waiting for the actor's role to approve them."""
    out = []
    for row in list_cases(engine, actor, today=today):
        rule = workflow_by_key(row.workflow_key).rule(APPROVE, row.state)
        if rule is not None and actor.role in rule.roles:
            out.append(row)
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    case_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: str
    done: bool
    code: str = ""
    message: str = ""
    state: str = ""


def act_on_many(
    engine: Engine,
    actor: Actor,
    action: str,
    decisions: Sequence[Decision],
    *,
    evidence: Sequence[str] = (),
    request_id: str = "",
) -> list[Outcome]:
    """Take ``action`` on each case with its own reason; every case succeeds or fails on its own."""
    out = []
    for d in decisions:
        try:
            case = act_on_case(
                engine, d.case_id, action, actor, evidence=evidence, reason=d.reason, request_id=request_id
            )
        except DomainError as e:
            out.append(Outcome(d.case_id, False, e.code, e.message))
        else:
            out.append(Outcome(d.case_id, True, state=case.state))
    return out
