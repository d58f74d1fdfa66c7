"""The follow-up forms of the case and household pages: what was posted, what is wrong, what the page shows.

A refused form is drawn again from ``Posted`` — the values as typed, the ticked boxes, and each
message beside the field at fault — so a cadre who typed a visit's note on a phone loses none
of it. ``case_follow_up_context`` is what the case page adds for an eliminated case: the next
visit, the visits so far and whether this user may record one; ``recorded_flash`` says, after a
visit that found a new risk, where its lead went, with a link to that case.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import Engine

from jingzhun.domain.access import ACCESS_CODES, Permission, allows
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.services.auth import Session
from jingzhun.services.cases import CaseView
from jingzhun.services.follow_up_reads import case_follow_ups

FORM = "_form"  # an error about the form as a whole
CASE_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass
class Posted:
    """One posted form (``form`` names it on the page), its values as typed and what is wrong with them."""

    form: str
    values: dict[str, str]
    ticked: dict[str, list[str]] = field(default_factory=dict)  # checkbox groups
    errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a NUL cannot be stored in a PostgreSQL text column; no keyboard types one
        self.values = {k: v.replace("\x00", "") for k, v in self.values.items()}

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def day(self, name: str) -> dt.date | None:
        """A date as the browser's date field sends it; empty or unreadable is None (unreadable is an error)."""
        raw = self.get(name).strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = f"日期“{raw}”须写作 YYYY-MM-DD，如 2026-12-01"
            return None

    def refuse(self, error: DomainError) -> None:
        """A service's refusal: beside its field when the form has it, else for the whole form.

        Out of scope and permissions are not the form's business: they go on to the app's error page.
        """
        if error.code in ACCESS_CODES or error.code.endswith("NOT_FOUND"):
            raise error
        name = error.field or ""
        self.errors[name if name in self.values or name in self.ticked else FORM] = error.message

    @property
    def message(self) -> str:
        return "；".join(self.errors.values())


def can_record(session: Session) -> bool:
    """Recording a visit is a caseworker's step; one that finds a new risk also raises a lead."""
    role = session.actor.role
    return allows(role, Permission.CASE_ACT) and allows(role, Permission.LEAD_CREATE)


def case_follow_up_context(
    engine: Engine, session: Session, view: CaseView, posted: Posted | None = None
) -> dict[str, object]:
    """The case page's follow-up section, for a case whose household's risk stands eliminated."""
    spec = view.workflow.states.get(view.case.state)
    if spec is None or not spec.risk_eliminated:
        return {"visit": posted}  # refused because the case is not (any more) eliminated: shown apart
    found = case_follow_ups(engine, view.case.case_id, session.actor)
    return {
        "follow_up": found,
        "can_record_follow_up": can_record(session),
        "visit": posted,
        "today": local_date(dt.datetime.now(dt.UTC)),
    }


def recorded_flash(case_id: str, done: str | None, lead: str | None) -> str | Markup | None:
    """The message after a visit; with a new risk, where its lead went (this case, or a new one — linked)."""
    if not done or not lead or not CASE_ID.fullmatch(lead):
        return done
    if lead == case_id:
        return f"{done}。新风险线索已并入本案（跟踪期内），由县级审批人决定是否风险消除回退。"
    return Markup('{}。新风险线索已新立案件 <a href="/cases/{}">{}</a>，接续本案重新识别。').format(done, lead, lead)
