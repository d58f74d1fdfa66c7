"""The canonical exchange formats: registry and feed tables, their columns and Chinese aliases.

This is a published contract (``shared/design/architecture.md``): other systems and our own
synthetic generator write it, the importer and the screening engine read it. Column names are
English; every Chinese header listed here is accepted as an alias. Amounts are yuan with up to
two decimals in files and integer fen inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jingzhun.domain.vocab import Department, EventType, Health, LaborCapacity, Relation, Schooling


class Kind(StrEnum):
    TEXT = "text"
    RESIDENT_ID = "resident_id"
    DIVISION = "division"
    BOOL = "bool"
    INT = "int"
    MONEY = "money"  # may be negative (business losses)
    MONEY_NONNEG = "money_nonneg"
    ENUM = "enum"
    YEAR_MONTH = "year_month"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    required: bool = False
    enum: type[StrEnum] | None = None
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    label: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


HOUSEHOLDS = Table(
    "households",
    "农户信息",
    ("household_id",),
    (
        Column("household_id", Kind.TEXT, ("户编号", "户号", "家庭编号"), required=True),
        Column("division_code", Kind.DIVISION, ("行政区划代码", "区划代码", "村代码"), required=True),
        Column("alleviated", Kind.BOOL, ("是否脱贫户", "脱贫户"), required=True),
        Column("alleviated_year", Kind.INT, ("脱贫年度", "脱贫年份"), min_value=2013, max_value=2020),
        Column("address", Kind.TEXT, ("地址", "家庭住址")),
        Column("phone", Kind.TEXT, ("联系电话", "电话", "手机号码")),
    ),
)

MEMBERS = Table(
    "members",
    "家庭成员",
    ("person_id",),
    (
        Column("person_id", Kind.RESIDENT_ID, ("公民身份号码", "身份证号", "身份证号码", "证件号码"), required=True),
        Column("household_id", Kind.TEXT, ("户编号", "户号", "家庭编号"), required=True),
        Column("name", Kind.TEXT, ("姓名",), required=True),
        Column("relation", Kind.ENUM, ("与户主关系",), required=True, enum=Relation),
        Column("health", Kind.ENUM, ("健康状况",), enum=Health),
        Column("disability_grade", Kind.INT, ("残疾等级",), min_value=1, max_value=4),
        Column("labor_capacity", Kind.ENUM, ("劳动技能", "劳动能力"), enum=LaborCapacity),
        Column("schooling", Kind.ENUM, ("在校情况", "在校生状况"), enum=Schooling),
        Column("medical_insured", Kind.BOOL, ("是否参加基本医保", "参加基本医保")),
        Column("work_months", Kind.INT, ("近12个月务工月数", "务工月数", "务工时间"), min_value=0, max_value=12),
    ),
)

INCOME = Table(
    "income",
    "收入支出",
    ("household_id", "period_end"),
    (
        Column("household_id", Kind.TEXT, ("户编号", "户号", "家庭编号"), required=True),
        Column("period_end", Kind.YEAR_MONTH, ("统计截止月份", "截止月份", "期间"), required=True),
        Column("wage", Kind.MONEY_NONNEG, ("工资性收入",)),
        Column("business_net", Kind.MONEY, ("生产经营性净收入", "经营净收入")),
        Column("property", Kind.MONEY_NONNEG, ("财产性收入",)),
        Column("transfer", Kind.MONEY_NONNEG, ("转移性收入",)),
        Column("medical_self_paid", Kind.MONEY_NONNEG, ("合规自付医疗支出", "医疗自付")),
        Column("education_self_paid", Kind.MONEY_NONNEG, ("合规自付教育支出", "教育自付")),
    ),
)

CONDITIONS = Table(
    "conditions",
    "住房饮水",
    ("household_id",),
    (
        Column("household_id", Kind.TEXT, ("户编号", "户号", "家庭编号"), required=True),
        Column("housing_safe", Kind.BOOL, ("住房安全", "住房是否安全"), required=True),
        Column("water_safe", Kind.BOOL, ("饮水安全", "饮水是否安全"), required=True),
        Column("assessed_on", Kind.DATE, ("评估日期", "核查日期")),
    ),
)

# Not in the architecture's list: an optional table naming townships and villages, so that a
# village code can be checked against the villages the county actually has (see decisions 0003).
DIVISIONS = Table(
    "divisions",
    "行政区划",
    ("code",),
    (
        Column("code", Kind.DIVISION, ("行政区划代码", "区划代码"), required=True),
        Column("name", Kind.TEXT, ("名称", "区划名称"), required=True),
    ),
)

EVENTS = Table(
    "events",
    "部门数据",
    ("source", "event_id"),
    (
        Column("event_id", Kind.TEXT, ("事件编号", "记录编号"), required=True),
        Column("source", Kind.ENUM, ("来源部门", "部门"), required=True, enum=Department),
        Column("person_id", Kind.RESIDENT_ID, ("公民身份号码", "身份证号")),
        Column("household_id", Kind.TEXT, ("户编号", "户号")),
        Column("event_type", Kind.TEXT, ("事件类型", "类型"), required=True),
        Column("event_date", Kind.DATE, ("发生日期", "日期"), required=True),
        Column("amount", Kind.MONEY_NONNEG, ("金额", "数量")),
        Column("detail", Kind.TEXT, ("说明", "详情")),
    ),
)

# Import order matters: households before the tables that refer to them.
REGISTRY_TABLES: tuple[Table, ...] = (DIVISIONS, HOUSEHOLDS, MEMBERS, INCOME, CONDITIONS)
KNOWN_EVENT_TYPES = frozenset(e.value for e in EventType)
