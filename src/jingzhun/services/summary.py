"""A county at a glance: households, members, by township, and per-capita income bands.

Used by ``jingzhun demo`` and after an import. Aggregation happens in SQL on the store; only
one small row per township or band comes back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Engine, Integer, func, literal_column, select

from jingzhun.adapters.db import tables as t

# Bands for the demo's distribution only; the monitoring threshold itself is policy data (issue 3).
INCOME_BANDS_YUAN: tuple[int, ...] = (0, 6000, 8700, 12000, 17522, 25000, 40000)


@dataclass(frozen=True, slots=True)
class TownshipRow:
    code: str
    name: str
    villages: int
    households: int
    members: int
    alleviated: int


@dataclass(frozen=True, slots=True)
class StoreSummary:
    households: int
    members: int
    alleviated: int
    period_end: str | None
    mean_per_capita_yuan: float | None
    bands: list[tuple[str, int]]
    townships: list[TownshipRow]


def summarize(engine: Engine) -> StoreSummary:
    with engine.connect() as conn:
        households = conn.scalar(select(func.count()).select_from(t.households)) or 0
        members = conn.scalar(select(func.count()).select_from(t.members)) or 0
        alleviated = conn.scalar(select(func.count()).where(t.households.c.alleviated.is_(True))) or 0
        period = conn.scalar(select(func.max(t.income.c.period_end)))
        mean, bands = _income(conn, period)
        return StoreSummary(households, members, alleviated, period, mean, bands, _townships(conn))


def _per_capita(conn: Connection, period: str) -> list[tuple[int, int]]:
    size = select(t.members.c.household_id, func.count().label("n")).group_by(t.members.c.household_id).subquery()
    i = t.income.c
    net = (
        func.coalesce(i.wage_fen, 0)
        + func.coalesce(i.business_net_fen, 0)
        + func.coalesce(i.property_fen, 0)
        + func.coalesce(i.transfer_fen, 0)
    )
    stmt = (
        select(net, size.c.n)
        .join_from(t.income, size, size.c.household_id == i.household_id)
        .where(i.period_end == period)
    )
    return [(int(a), int(b)) for a, b in conn.execute(stmt).all()]


def _income(conn: Connection, period: str | None) -> tuple[float | None, list[tuple[str, int]]]:
    if period is None:
        return None, []
    frame = pl.DataFrame(_per_capita(conn, period), schema={"net": pl.Int64, "n": pl.Int64}, orient="row")
    if frame.height == 0:
        return None, []
    mean = int(frame["net"].sum()) / 100 / int(frame["n"].sum())
    # Exact band test without rounding: per-capita >= edge  ⇔  net >= edge × n.
    band = pl.sum_horizontal(
        [(pl.col("net") >= pl.lit(e * 100) * pl.col("n")).cast(pl.Int32) for e in INCOME_BANDS_YUAN]
    )
    counts = dict(frame.group_by(band.alias("band")).len().iter_rows())
    labels = ["< 0 元"]
    for k, lo in enumerate(INCOME_BANDS_YUAN):
        hi = INCOME_BANDS_YUAN[k + 1] if k + 1 < len(INCOME_BANDS_YUAN) else None
        labels.append(f"{lo:,}–{hi:,} 元" if hi else f"≥ {lo:,} 元")
    bands = [(label, int(counts.get(i, 0))) for i, label in enumerate(labels)]
    if bands[0][1] == 0:
        bands = bands[1:]
    return mean, bands


def _townships(conn: Connection) -> list[TownshipRow]:
    h, m, d = t.households.c, t.members.c, t.divisions.c
    # Literal positions so PostgreSQL sees the same expression in SELECT and GROUP BY.
    township = func.substr(h.division_code, literal_column("1"), literal_column("9"))
    hh = (
        select(
            township.label("code"),
            func.count(func.distinct(h.division_code)).label("villages"),
            func.count().label("households"),
            func.sum(func.cast(h.alleviated, Integer)).label("alleviated"),
        )
        .group_by(township)
        .subquery()
    )
    mem = (
        select(township.label("code"), func.count().label("members"))
        .join_from(t.members, t.households, m.household_id == h.household_id)
        .group_by(township)
        .subquery()
    )
    names = {c[:9]: n for c, n in conn.execute(select(d.code, d.name).where(d.level == "township")).all()}
    stmt = (
        select(hh.c.code, hh.c.villages, hh.c.households, mem.c.members, hh.c.alleviated)
        .join_from(hh, mem, hh.c.code == mem.c.code, isouter=True)
        .order_by(hh.c.code)
    )
    return [
        TownshipRow(code + "000", names.get(code, ""), v, n, mm or 0, a or 0)
        for code, v, n, mm, a in conn.execute(stmt).all()
    ]
