"""Department events (feeds): the common batch form and the final ``events`` table.

Why a batch of arrays: each kind of event (a hospital bill, a job loss, a flood) is drawn by
the module that understands it, as parallel numpy arrays over all people or households at
once. They meet here, are ordered by source, date and subject, and get an ``event_id`` that
is unique within its source (``YB00000001`` for 医保, ``MZ…`` for 民政, …), like the record
numbers of the departments' own systems.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl

from jingzhun.domain.exchange import EVENTS
from jingzhun.domain.vocab import Department, EventType
from jingzhun.synth.arrays import rank_within
from jingzhun.synth.text import fixed_digits, pick

EVENT_TYPES: tuple[EventType, ...] = tuple(EventType)
SOURCES: tuple[Department, ...] = tuple(Department)
# Record-number prefixes: pinyin initials of the department's short name.
SOURCE_PREFIX: dict[Department, str] = {
    Department.MEDICAL_INSURANCE: "YB",
    Department.CIVIL_AFFAIRS: "MZ",
    Department.EDUCATION: "JY",
    Department.HUMAN_RESOURCES: "RS",
    Department.HOUSING: "ZJ",
    Department.WATER: "SL",
    Department.EMERGENCY: "YJ",
    Department.DISABILITY: "CL",
    Department.PUBLIC_SECURITY: "GA",
    Department.HEALTH: "WJ",
    Department.AGRICULTURE: "NY",
}
# Short Chinese descriptions; an event's ``detail`` is an index into this tuple.
DETAILS: tuple[str, ...] = (
    "门诊合规自付费用",
    "门诊慢特病合规自付费用",
    "住院合规自付费用",
    "新纳入农村低保",
    "新纳入特困人员供养",
    "因病临时救助",
    "因灾临时救助",
    "急难型临时救助",
    "义务教育阶段适龄儿童少年失学辍学",
    "户籍注销（死亡）",
    "交通事故致重伤",
    "意外伤害致重伤住院",
    "新认定一级残疾",
    "新认定二级残疾",
    "新认定三级残疾",
    "新认定四级残疾",
    "住房安全性鉴定为C级",
    "住房安全性鉴定为D级危房",
    "集中供水中断（天数）",
    "洪涝灾害损失",
    "干旱灾害损失",
    "地质灾害损失",
    "冰雹灾害损失",
    "务工失业返乡",
    "种养殖经营亏损",
)


def detail(text: str) -> int:
    """Index of a description in :data:`DETAILS` (raises if it is not listed)."""
    return DETAILS.index(text)


def etype(t: EventType) -> int:
    return EVENT_TYPES.index(t)


def source(d: Department) -> int:
    return SOURCES.index(d)


@dataclass(frozen=True, slots=True)
class EventBatch:
    """Parallel arrays for events of one or more types."""

    event_type: np.ndarray  # int8 index into EVENT_TYPES
    source: np.ndarray  # int8 index into SOURCES
    person: np.ndarray  # int64 member index, -1 for household-level events
    household: np.ndarray  # int64 household index (also set for person-level events)
    date: np.ndarray  # datetime64[D]
    amount: np.ndarray  # float64, NaN = no amount
    detail: np.ndarray  # int16 index into DETAILS

    @classmethod
    def of(
        cls,
        t: EventType,
        d: Department | np.ndarray,
        *,
        household: np.ndarray,
        date: np.ndarray,
        detail: int | np.ndarray,
        person: np.ndarray | None = None,
        amount: np.ndarray | None = None,
    ) -> EventBatch:
        n = len(household)
        src = np.full(n, source(d), np.int8) if isinstance(d, Department) else d.astype(np.int8)
        return cls(
            event_type=np.full(n, etype(t), np.int8),
            source=src,
            person=np.full(n, -1, np.int64) if person is None else person.astype(np.int64),
            household=household.astype(np.int64),
            date=date.astype("datetime64[D]"),
            amount=np.full(n, np.nan) if amount is None else np.round(amount.astype(np.float64), 2),
            detail=np.broadcast_to(np.asarray(detail, dtype=np.int16), (n,)).copy(),
        )

    @classmethod
    def concat(cls, batches: list[EventBatch]) -> EventBatch:
        return cls(*(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)))

    def __len__(self) -> int:
        return len(self.event_type)


def events_table(batch: EventBatch, person_ids: pl.Series, household_ids: pl.Series) -> pl.DataFrame:
    """The canonical ``events`` table, ordered by source, date and subject, with event ids."""
    order = np.lexsort((batch.person, batch.household, batch.event_type, batch.date, batch.source))
    src = batch.source[order]
    seq = rank_within(src) + 1
    prefixes = [SOURCE_PREFIX[s] for s in SOURCES]
    person = batch.person[order]
    person_level = person >= 0
    frame = pl.DataFrame(
        {
            "prefix": pick(prefixes, src, "prefix"),
            "number": fixed_digits(seq, 8, "number"),
            "source": pick([s.value for s in SOURCES], src, "source"),
            "person_id": person_ids.gather(np.where(person_level, person, 0)),
            "household_id": household_ids.gather(batch.household[order]),
            "person_level": person_level,
            "event_type": pick([t.value for t in EVENT_TYPES], batch.event_type[order], "event_type"),
            "event_date": batch.date[order],
            "amount": batch.amount[order],
            "detail": pick(DETAILS, batch.detail[order], "detail"),
        }
    )
    return frame.select(
        pl.concat_str("prefix", "number").alias("event_id"),
        "source",
        pl.when("person_level").then("person_id").otherwise(None).alias("person_id"),
        pl.when("person_level").then(None).otherwise("household_id").alias("household_id"),
        "event_type",
        pl.col("event_date").cast(pl.Date),
        pl.col("amount").fill_nan(None),
        "detail",
    ).select([c.name for c in EVENTS.columns])
