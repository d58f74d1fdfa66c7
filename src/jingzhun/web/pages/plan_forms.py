"""Reading the plan page's forms: amounts typed in yuan, whole months, dates, the plan version.

A posted form becomes a ``Typed``: every value as it was typed, and a Chinese message for each
field that could not be read or that the plan refused. A refused form is drawn again from it,
so nothing a cadre typed on a phone is lost, and the message sits beside the field at fault.
Amounts are yuan with at most two decimals, converted exactly (``domain.money.yuan_to_fen``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingzhun.domain.errors import DomainError
from jingzhun.domain.money import yuan_to_fen

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # a plan's dates lie in this century
MAX_TERM_MONTHS = 600
FORM = "_form"  # an error about the form as a whole, not one field
# the service's field names → the form's
FIELDS = {"amount_fen": "amount", "person_id": "member", "risk_codes": "risk_code"}


@dataclass
class Typed:
    """One posted form: which one (``form``, its id on the page), what was typed, what is wrong."""

    form: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    stale: bool = False  # refused because someone else changed the plan since the form was drawn

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def fen(self, name: str) -> int | None:
        """An amount typed in yuan, as fen; empty is None."""
        raw = self.get(name).strip()
        if not raw:
            return None
        try:
            fen = yuan_to_fen(raw)
        except DomainError as e:
            self.errors[name] = e.message
            return None
        if fen < 0:
            self.errors[name] = "金额不能为负数"
            return None
        if fen > 10**12:
            self.errors[name] = "金额过大"
            return None
        return fen

    def months(self, name: str) -> int | None:
        """Whole months, 1–600; empty is None."""
        raw = self.get(name).strip()
        if not raw:
            return None
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_TERM_MONTHS:
            self.errors[name] = f"期限“{raw}”须为 1–{MAX_TERM_MONTHS} 的整数（月）"
            return None
        return int(raw)

    def day(self, name: str) -> dt.date | None:
        """A date as the browser's date field sends it (YYYY-MM-DD); empty is None."""
        raw = self.get(name).strip()
        if not raw:
            return None
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = f"日期“{raw}”须写作 YYYY-MM-DD，如 2026-12-01"
            return None
        if not FIRST_DAY <= day <= LAST_DAY:
            self.errors[name] = f"日期 {day} 不在 {FIRST_DAY.year}–{LAST_DAY.year} 年之间"
            return None
        return day

    def version(self) -> int | None:
        """The plan version the form was drawn from (``expected_version``)."""
        raw = self.get("expected_version").strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            self.errors[FORM] = "表单缺少帮扶计划的版本，请刷新页面后重试"
            return None
        return int(raw)

    def refuse(self, error: DomainError) -> None:
        """Record a refusal from the plan: beside its field, or for the whole form."""
        self.stale = error.code == "PLAN_VERSION"
        name = FIELDS.get(error.field or "", error.field or "")
        self.errors[name if name in self.values else FORM] = error.message

    @property
    def message(self) -> str:
        """All the form's errors in one line, for the page's banner."""
        return "；".join(self.errors.values())
