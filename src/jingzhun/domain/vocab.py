"""Controlled vocabularies of the registry, with the Chinese labels cadres use.

Each enum's value is the canonical English code of the exchange format (see
``shared/design/architecture.md``); ``label`` is the Chinese text for screens, and
``ALIASES`` maps every accepted spelling (Chinese label, common variants) to the code.
"""

from __future__ import annotations

from enum import StrEnum


class Relation(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    OTHER = "other"


class Health(StrEnum):
    HEALTHY = "healthy"
    CHRONIC = "chronic"
    SERIOUS = "serious"
    DISABLED = "disabled"


class LaborCapacity(StrEnum):
    SKILLED = "skilled"
    ORDINARY = "ordinary"
    WEAK = "weak"
    LOST = "lost"
    NONE = "none"

    @property
    def is_able(self) -> bool:
        """Counts as a labourer for 'able to work' rules (skilled, ordinary or weak)."""
        return self in (LaborCapacity.SKILLED, LaborCapacity.ORDINARY, LaborCapacity.WEAK)


class Schooling(StrEnum):
    NONE = "none"
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"
    VOCATIONAL = "vocational"
    COLLEGE = "college"
    DROPOUT = "dropout"


class Department(StrEnum):
    """Department feed sources (glossary)."""

    MEDICAL_INSURANCE = "medical_insurance"
    CIVIL_AFFAIRS = "civil_affairs"
    EDUCATION = "education"
    HUMAN_RESOURCES = "human_resources"
    HOUSING = "housing"
    WATER = "water"
    EMERGENCY = "emergency"
    DISABILITY = "disability"
    PUBLIC_SECURITY = "public_security"
    HEALTH = "health"
    AGRICULTURE = "agriculture"


class EventType(StrEnum):
    """Department event types; unknown types are kept and reported, never dropped."""

    MEDICAL_EXPENSE = "medical_expense"
    DIBAO_ENROLLED = "dibao_enrolled"
    TEKUN_ENROLLED = "tekun_enrolled"
    TEMPORARY_ASSISTANCE = "temporary_assistance"
    DROPOUT = "dropout"
    DEATH = "death"
    SERIOUS_INJURY = "serious_injury"
    DISABILITY_CERTIFIED = "disability_certified"
    HOUSE_UNSAFE = "house_unsafe"
    WATER_OUTAGE = "water_outage"
    DISASTER_LOSS = "disaster_loss"
    JOB_LOSS = "job_loss"
    BUSINESS_FAILURE = "business_failure"
    # grants of catalogue measures arriving from departments (the assistance chain's feed records)
    YULU_SUBSIDY = "yulu_subsidy"
    EDUCATION_SUBSIDY = "education_subsidy"
    MEDICAL_ASSISTANCE = "medical_assistance"


# Keyed by (vocabulary, code): codes repeat across vocabularies ("none" is both a labour
# capacity and a schooling status) and StrEnum members with equal values hash alike.
_LABELS: dict[type[StrEnum], dict[str, str]] = {
    Relation: {
        "head": "户主",
        "spouse": "配偶",
        "child": "子女",
        "parent": "父母",
        "grandchild": "孙子女",
        "sibling": "兄弟姐妹",
        "other": "其他",
    },
    Health: {"healthy": "健康", "chronic": "长期慢性病", "serious": "大病", "disabled": "残疾"},
    LaborCapacity: {
        "skilled": "技能劳动力",
        "ordinary": "普通劳动力",
        "weak": "弱劳动力",
        "lost": "丧失劳动力",
        "none": "无劳动力",
    },
    Schooling: {
        "none": "非在校生",
        "preschool": "学前教育",
        "primary": "小学",
        "junior": "初中",
        "senior": "高中",
        "vocational": "中高职",
        "college": "大学",
        "dropout": "失学辍学",
    },
    Department: {
        "medical_insurance": "医保",
        "civil_affairs": "民政",
        "education": "教育",
        "human_resources": "人社",
        "housing": "住建",
        "water": "水利",
        "emergency": "应急",
        "disability": "残联",
        "public_security": "公安",
        "health": "卫健",
        "agriculture": "农业农村",
    },
    EventType: {
        "medical_expense": "合规自付医疗费用",
        "dibao_enrolled": "纳入低保",
        "tekun_enrolled": "纳入特困",
        "temporary_assistance": "临时救助",
        "dropout": "失学辍学",
        "death": "死亡",
        "serious_injury": "重伤",
        "disability_certified": "新认定残疾",
        "house_unsafe": "住房不安全",
        "water_outage": "饮水中断",
        "disaster_loss": "灾害损失",
        "job_loss": "失业",
        "business_failure": "经营失败",
        "yulu_subsidy": "雨露计划补助",
        "education_subsidy": "教育资助",
        "medical_assistance": "医疗救助",
    },
}

# Extra spellings seen in county spreadsheets, beyond the code and the label.
_EXTRA_ALIASES: dict[type[StrEnum], dict[str, tuple[str, ...]]] = {
    Relation: {
        "child": ("之子", "之女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
        "parent": ("父亲", "母亲", "之父", "之母"),
        "grandchild": ("孙子", "孙女", "外孙子", "外孙女"),
        "sibling": ("兄弟", "姐妹", "兄", "弟", "姐", "妹"),
        "spouse": ("妻", "夫", "妻子", "丈夫"),
    },
    Health: {"chronic": ("慢性病",), "serious": ("患有大病", "重病")},
    LaborCapacity: {"lost": ("丧失劳动能力",), "none": ("无劳动能力",)},
    Schooling: {
        "none": ("无", "不在校"),
        "vocational": ("中职", "高职", "职高", "中专"),
        "college": ("本科", "大专", "高等教育"),
    },
}


def label(member: StrEnum) -> str:
    """The Chinese label of a code (the code itself when none is known)."""
    return _LABELS.get(type(member), {}).get(member.value, member.value)


def aliases(enum_type: type[StrEnum]) -> dict[str, str]:
    """Every accepted spelling → canonical code, for one vocabulary."""
    out: dict[str, str] = {}
    for m in enum_type:
        out[m.value] = m.value
        out[m.value.upper()] = m.value
        out[label(m)] = m.value
        for extra in _EXTRA_ALIASES.get(enum_type, {}).get(m.value, ()):
            out[extra] = m.value
    return out


def accepted_values(enum_type: type[StrEnum]) -> str:
    """'code(标签), …' — the list shown in an error message."""
    return "、".join(f"{m.value}({label(m)})" for m in enum_type)


TRUE_WORDS = frozenset({"true", "1", "是", "y", "yes", "t"})
FALSE_WORDS = frozenset({"false", "0", "否", "n", "no", "f"})
