"""Jinja2 templates and the filters pages share: Beijing time, yuan, status colours, labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.templating import Jinja2Templates

from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import CHINA_TZ, DeadlineStatus
from jingzhun.domain.money import fen_to_yuan, format_yuan

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


templates.env.filters.update(
    beijing=beijing, yuan=yuan, whole_yuan=whole_yuan, category=category_label, status_class=status_class
)
templates.env.globals.update(ROLE_LABELS=ROLE_LABELS)
