"""Jinja2 templates and the filters pages share: Beijing time, yuan, status colours, labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.templating import Jinja2Templates

from jingzhun.domain.access import ROLE_LABELS, Permission, allows
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import CHINA_TZ, DeadlineStatus
from jingzhun.domain.follow_ups import DueStatus
from jingzhun.domain.ids import mask_identifiers
from jingzhun.domain.measures import Provider
from jingzhun.domain.money import fen_to_yuan, format_yuan
from jingzhun.domain.plans import EffectVerdict, ItemStatus

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.auto_reload = False  # shipped with the package: no need to stat each template on every render


def beijing(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as Beijing time (SQLite hands back naive UTC)."""
    if value is None:
        return "—"
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return aware.astimezone(CHINA_TZ).strftime(fmt)


def yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{fen_to_yuan(int(fen)):,.2f}"


def whole_yuan(fen: int | None) -> str:
    """Whole yuan with the unit, as the warnings' reasons write amounts: ``7,912 元``."""
    return "—" if fen is None else format_yuan(int(fen))


def category_label(value: str | MonitoringCategory | None) -> str:
    return MonitoringCategory(value).label if value else "待核实"


def status_class(status: DeadlineStatus | None) -> str:
    return f"st-{status.colour}" if status else "st-none"


_DUE_CLASSES = {DueStatus.NOT_DUE: "st-green", DueStatus.DUE_SOON: "st-yellow", DueStatus.OVERDUE: "st-red"}


def due_class(status: DueStatus) -> str:
    """A follow-up's colour, as the work queue's: 未到期 green, 即将到期 yellow, 已逾期 red."""
    return _DUE_CLASSES.get(status, "st-none")


def provider_label(code: str) -> str:
    """A plan item's provider: the department's or force's name, or the text as stored."""
    try:
        return Provider(code).label
    except ValueError:
        return code or "—"


_ITEM_CLASSES = {ItemStatus.PLANNED: "st-plan", ItemStatus.IN_PROGRESS: "st-yellow", ItemStatus.DELIVERED: "st-green"}
_VERDICT_CLASSES = {EffectVerdict.MET: "st-green", EffectVerdict.ON_TRACK: "st-yellow", EffectVerdict.SLOW: "st-red"}


def plan_status_class(status: ItemStatus) -> str:
    return _ITEM_CLASSES.get(status, "st-none")


def verdict_class(verdict: EffectVerdict | str) -> str:
    return _VERDICT_CLASSES.get(EffectVerdict(verdict), "st-none")


def verdict_label(verdict: EffectVerdict | str) -> str:
    return EffectVerdict(verdict).label


templates.env.filters.update(
    beijing=beijing, yuan=yuan, whole_yuan=whole_yuan, category=category_label, status_class=status_class,
    provider=provider_label, plan_status_class=plan_status_class, verdict_class=verdict_class,
    verdict_label=verdict_label, masked=mask_identifiers, due_class=due_class,
)  # fmt: skip
templates.env.globals.update(ROLE_LABELS=ROLE_LABELS, Permission=Permission, allows=allows)
