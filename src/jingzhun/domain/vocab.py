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


LABELS: dict[StrEnum, str] = {
    Relation.HEAD: "户主", Relation.SPOUSE: "配偶", Relation.CHILD: "子女", Relation.PARENT: "父母",
    Relation.GRANDCHILD: "孙子女", Relation.SIBLING: "兄弟姐妹", Relation.OTHER: "其他",
    Health.HEALTHY: "健康", Health.CHRONIC: "长期慢性病", Health.SERIOUS: "大病", Health.DISABLED: "残疾",
    LaborCapacity.SKILLED: "技能劳动力", LaborCapacity.ORDINARY: "普通劳动力", LaborCapacity.WEAK: "弱劳动力",
    LaborCapacity.LOST: "丧失劳动力", LaborCapacity.NONE: "无劳动力",
    Schooling.NONE: "非在校生", Schooling.PRESCHOOL: "学前教育", Schooling.PRIMARY: "小学",
    Schooling.JUNIOR: "初中", Schooling.SENIOR: "高中", Schooling.VOCATIONAL: "中高职",
    Schooling.COLLEGE: "大学", Schooling.DROPOUT: "失学辍学",
    Department.MEDICAL_INSURANCE: "医保", Department.CIVIL_AFFAIRS: "民政", Department.EDUCATION: "教育",
    Department.HUMAN_RESOURCES: "人社", Department.HOUSING: "住建", Department.WATER: "水利",
    Department.EMERGENCY: "应急", Department.DISABILITY: "残联", Department.PUBLIC_SECURITY: "公安",
    Department.HEALTH: "卫健", Department.AGRICULTURE: "农业农村",
    EventType.MEDICAL_EXPENSE: "合规自付医疗费用", EventType.DIBAO_ENROLLED: "纳入低保",
    EventType.TEKUN_ENROLLED: "纳入特困", EventType.TEMPORARY_ASSISTANCE: "临时救助",
    EventType.DROPOUT: "失学辍学", EventType.DEATH: "死亡", EventType.SERIOUS_INJURY: "重伤",
    EventType.DISABILITY_CERTIFIED: "新认定残疾", EventType.HOUSE_UNSAFE: "住房不安全",
    EventType.WATER_OUTAGE: "饮水中断", EventType.DISASTER_LOSS: "灾害损失", EventType.JOB_LOSS: "失业",
    EventType.BUSINESS_FAILURE: "经营失败",
}

# Extra spellings seen in county spreadsheets, beyond the code and the label.
_EXTRA_ALIASES: dict[StrEnum, tuple[str, ...]] = {
    Relation.CHILD: ("之子", "之女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
    Relation.PARENT: ("父亲", "母亲", "之父", "之母"),
    Relation.GRANDCHILD: ("孙子", "孙女", "外孙子", "外孙女"),
    Relation.SIBLING: ("兄弟", "姐妹", "兄", "弟", "姐", "妹"),
    Relation.SPOUSE: ("妻", "夫", "妻子", "丈夫"),
    Health.CHRONIC: ("慢性病",),
    Health.SERIOUS: ("患有大病", "重病"),
    LaborCapacity.LOST: ("丧失劳动能力",),
    LaborCapacity.NONE: ("无劳动能力",),
    Schooling.NONE: ("无", "不在校"),
    Schooling.VOCATIONAL: ("中职", "高职", "职高", "中专"),
    Schooling.COLLEGE: ("本科", "大专", "高等教育"),
}


def label(member: StrEnum) -> str:
    """The Chinese label of a code (the code itself when none is known)."""
    return LABELS.get(member, member.value)


def aliases(enum_type: type[StrEnum]) -> dict[str, str]:
    """Every accepted spelling → canonical code, for one vocabulary."""
    out: dict[str, str] = {}
    for m in enum_type:
        out[m.value] = m.value
        out[m.value.upper()] = m.value
        if m in LABELS:
            out[LABELS[m]] = m.value
        for extra in _EXTRA_ALIASES.get(m, ()):
            out[extra] = m.value
    return out


def accepted_values(enum_type: type[StrEnum]) -> str:
    """'code(标签), …' — the list shown in an error message."""
    return "、".join(f"{m.value}({label(m)})" for m in enum_type)


TRUE_WORDS = frozenset({"true", "1", "是", "y", "yes", "t"})
FALSE_WORDS = frozenset({"false", "0", "否", "n", "no", "f"})
