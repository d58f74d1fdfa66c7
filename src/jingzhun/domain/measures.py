"""The measure catalogue (帮扶措施目录) as data, and who is eligible for a measure on a day.

A measure is a programme a plan can use: industry support, micro-credit, a public-welfare job,
the Yulu plan, dibao … (policy notes §8). The catalogue lives in the policy packs (``measures``,
merged by id down the national → province → county chain like rules), so an amount, an age
limit or a term date is policy data with an effective date, never a literal here.

Eligibility is a list of labelled conditions in the rule-expression language, over the
*eligibility facts* below (a person's age, labour capacity, schooling; the household's status
on the day) plus the measure's own parameters and the pack's. A measure is eligible when every
condition is TRUE; NULL (unknown data) is not eligible, as in the screening. Each condition
carries a Chinese label, so an ineligible measure says which condition failed with which
values — and a recommendation never offers an ineligible one.

Why the status day can differ from the plan day: the Yulu plan pays a student of a monitored
household only if the household is *not marked eliminated on the first day of term* (notes
§8), so a measure may name term start dates (``assess_on``) and its household status is taken
on the latest of them on or before the day asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from jingzhun.domain.errors import DomainError
from jingzhun.domain.rules import Expr, Value, evaluate, names_in


class MeasureType(StrEnum):
    INDUSTRY = "industry"  # 产业帮扶
    MICRO_CREDIT = "micro_credit"  # 脱贫人口小额信贷
    LABOUR_TRANSFER = "labour_transfer"  # 劳务输出与交通补贴
    SKILLS_TRAINING = "skills_training"  # 技能培训
    PUBLIC_WELFARE_JOB = "public_welfare_job"  # 乡村公益性岗位
    HOUSING_RENOVATION = "housing_renovation"  # 住房安全改造
    YULU = "yulu"  # 雨露计划
    EDUCATION_AID = "education_aid"  # 其他教育资助
    MEDICAL_ASSISTANCE = "medical_assistance"  # 医疗救助
    DIBAO = "dibao"  # 低保
    TEKUN = "tekun"  # 特困人员救助供养
    TEMPORARY_ASSISTANCE = "temporary_assistance"  # 临时救助
    CONSUMPTION = "consumption_assistance"  # 消费帮扶
    OTHER = "other"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    MeasureType.INDUSTRY: "产业帮扶",
    MeasureType.MICRO_CREDIT: "小额信贷",
    MeasureType.LABOUR_TRANSFER: "劳务输出补贴",
    MeasureType.SKILLS_TRAINING: "技能培训",
    MeasureType.PUBLIC_WELFARE_JOB: "公益性岗位",
    MeasureType.HOUSING_RENOVATION: "住房安全改造",
    MeasureType.YULU: "雨露计划",
    MeasureType.EDUCATION_AID: "教育资助",
    MeasureType.MEDICAL_ASSISTANCE: "医疗救助",
    MeasureType.DIBAO: "低保",
    MeasureType.TEKUN: "特困供养",
    MeasureType.TEMPORARY_ASSISTANCE: "临时救助",
    MeasureType.CONSUMPTION: "消费帮扶",
    MeasureType.OTHER: "其他",
}


class MeasureRole(StrEnum):
    """What a measure is for in the plan rules (policy notes §8, "Implications: Measures").

    ``development`` (开发式: industry or employment) — every monitored household able to work
    needs at least one; ``safety_net`` (兜底: dibao, tekun) — a household without labour
    capacity needs one; ``support``: everything else (education, medical, housing, relief).
    """

    DEVELOPMENT = "development"
    SAFETY_NET = "safety_net"
    SUPPORT = "support"

    @property
    def label(self) -> str:
        return {"development": "开发式帮扶", "safety_net": "兜底保障", "support": "专项帮扶"}[self.value]


class Target(StrEnum):
    HOUSEHOLD = "household"
    PERSON = "person"


class Provider(StrEnum):
    """Who delivers a measure: a department (glossary names) or one of the four forces."""

    AGRICULTURE = "agriculture"  # 农业农村（乡村振兴）部门
    FINANCE = "finance"  # 金融机构（小额信贷）
    HUMAN_RESOURCES = "human_resources"
    EDUCATION = "education"
    HOUSING = "housing"
    MEDICAL_INSURANCE = "medical_insurance"
    CIVIL_AFFAIRS = "civil_affairs"
    COMMERCE = "commerce"  # 商务（消费帮扶）
    EAST_WEST = "east_west_cooperation"
    DESIGNATED = "designated_assistance"
    VILLAGE_TEAM = "village_team_assistance"
    SOCIAL_FORCE = "social_force_assistance"

    @property
    def label(self) -> str:
        return _PROVIDER_LABELS[self]

    @property
    def is_force(self) -> bool:
        return self in (Provider.EAST_WEST, Provider.DESIGNATED, Provider.VILLAGE_TEAM, Provider.SOCIAL_FORCE)


_PROVIDER_LABELS = {
    Provider.AGRICULTURE: "农业农村（乡村振兴）部门",
    Provider.FINANCE: "金融机构",
    Provider.HUMAN_RESOURCES: "人社部门",
    Provider.EDUCATION: "教育部门",
    Provider.HOUSING: "住建部门",
    Provider.MEDICAL_INSURANCE: "医保部门",
    Provider.CIVIL_AFFAIRS: "民政部门",
    Provider.COMMERCE: "商务部门",
    Provider.EAST_WEST: "东西部协作",
    Provider.DESIGNATED: "定点帮扶",
    Provider.VILLAGE_TEAM: "驻村帮扶",
    Provider.SOCIAL_FORCE: "社会力量帮扶",
}


class Period(StrEnum):
    """The span one grant covers, for the assistance chain's duplicate check.

    ``term``: the school term the date falls in (term starts from ``assess_on``); ``year``: the
    calendar year; ``month``; ``span``: the measure's own start–end (a plan item), or the event
    day plus ``coverage_months`` (a department record).
    """

    TERM = "term"
    YEAR = "year"
    MONTH = "month"
    SPAN = "span"


@dataclass(frozen=True, slots=True)
class Fact:
    """One name the eligibility conditions may read: a person's or the household's fact."""

    name: str
    kind: str  # "int" | "bool" | "fen"
    label: str
    person: bool  # only defined for a person (a person-target measure)


PERSON_FACTS: tuple[Fact, ...] = (
    Fact("age", "int", "年龄（周岁）", True),
    Fact("is_female", "bool", "女性", True),
    Fact("able_to_work", "bool", "有劳动能力（技能、普通或弱劳动力）", True),
    Fact("lost_labour", "bool", "丧失或无劳动能力", True),
    Fact("disability_grade", "int", "残疾等级（无残疾为 0）", True),
    Fact("is_disabled", "bool", "残疾", True),
    Fact("has_serious_illness", "bool", "患大病", True),
    Fact("has_chronic_illness", "bool", "患长期慢性病", True),
    Fact("in_compulsory_school", "bool", "义务教育阶段在校", True),
    Fact("in_senior_school", "bool", "普通高中在校", True),
    Fact("in_vocational_school", "bool", "中职或高职在校", True),
    Fact("in_college", "bool", "大学在校", True),
    Fact("work_months", "int", "近12个月务工月数", True),
)
HOUSEHOLD_FACTS: tuple[Fact, ...] = (
    Fact("members", "int", "家庭人口数", False),
    Fact("able_labourers", "int", "有劳动能力人数", False),
    Fact("no_labour_household", "bool", "整户无劳动能力", False),
    Fact("alleviated", "bool", "脱贫户", False),
    Fact("monitored", "bool", "防止返贫致贫对象（监测对象，未消除风险）", False),
    Fact("eliminated", "bool", "已标注风险消除", False),
    Fact("sudden_hardship", "bool", "突发严重困难户", False),
    Fact("housing_unsafe", "bool", "住房不安全", False),
    Fact("water_unsafe", "bool", "饮水不安全", False),
    Fact("net_income_fen", "fen", "家庭纯收入", False),
    Fact("per_capita_income_fen", "fen", "人均纯收入", False),
    Fact("medical_self_paid_fen", "fen", "合规自付医疗支出", False),
    Fact("receives_dibao", "bool", "享受低保", False),
    Fact("receives_tekun", "bool", "有特困供养人员", False),
)
FACTS = {f.name: f for f in (*PERSON_FACTS, *HOUSEHOLD_FACTS)}
PERSON_FACT_NAMES = frozenset(f.name for f in PERSON_FACTS)


@dataclass(frozen=True, slots=True)
class Condition:
    """One eligibility condition: the expression, its text as written, and what it means."""

    when: Expr
    text: str
    label: str  # Chinese; ``{name}`` placeholders name facts or parameters, ``{x_yuan}`` an amount


@dataclass(frozen=True, slots=True)
class Measure:
    """One catalogue entry, resolved for a place and day (amounts in fen)."""

    measure_id: str
    type: MeasureType
    label: str
    role: MeasureRole
    target: Target
    provider: Provider
    addresses: tuple[str, ...]  # risk codes (or two-digit groups) it addresses; () = any risk
    conditions: tuple[Condition, ...]
    params: Mapping[str, int] = field(default_factory=dict)  # its own: max_amount_fen, max_term_months …
    fund_source: str = ""
    expected_income_fen: int = 0  # expected gain of household net income per year once effective
    effect_months: int = 0  # months from the start until the effect shows in income
    resolves: tuple[str, ...] = ()  # basic-needs facts it makes secure (housing_unsafe …)
    period: Period = Period.SPAN
    coverage_months: int = 12  # a department record of it covers this long (Period.SPAN)
    duplicate_key: str = ""  # grants with the same key for the same beneficiary must not overlap
    entitlement: bool = False  # everyone eligible should receive it: the chain checks omissions
    assess_on: tuple[tuple[int, int], ...] = ()  # (month, day) term starts: status taken on the latest
    feed_events: tuple[str, ...] = ()  # department event types that record a grant of it
    source: str = ""

    @property
    def key(self) -> str:
        return self.duplicate_key or self.measure_id

    @property
    def max_amount_fen(self) -> int | None:
        return self.params.get("max_amount_fen")

    @property
    def max_term_months(self) -> int | None:
        return self.params.get("max_term_months")

    def addresses_risk(self, code: str) -> bool:
        """Whether the measure addresses a risk code; a two-digit entry covers its family."""
        return not self.addresses or any(code == a or (len(a) == 2 and code[:2] == a) for a in self.addresses)

    def status_day(self, on: dt.date) -> dt.date:
        """The day the household's status is judged for a grant on ``on`` (a term's first day)."""
        if not self.assess_on:
            return on
        starts = [dt.date(y, m, d) for y in (on.year - 1, on.year) for m, d in self.assess_on]
        return max(s for s in starts if s <= on)


@dataclass(frozen=True, slots=True)
class Unmet:
    """A condition that is not TRUE, with the values it read (None: the data is missing)."""

    label: str
    text: str
    values: Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class Eligibility:
    measure: Measure
    person_id: str | None
    status_day: dt.date
    met: tuple[str, ...]  # labels rendered with values
    unmet: tuple[Unmet, ...]

    @property
    def eligible(self) -> bool:
        return not self.unmet

    def explain(self) -> str:
        if self.eligible:
            return "符合：" + "；".join(self.met) if self.met else "无附加条件"
        parts = []
        for u in self.unmet:
            missing = [FACTS[k].label if k in FACTS else k for k, v in u.values.items() if v is None]
            parts.append(u.label + (f"（缺少数据：{'、'.join(missing)}）" if missing else ""))
        return "不符合：" + "；".join(parts)


def check_eligibility(
    measure: Measure,
    household: Mapping[str, Value],
    person: Mapping[str, Value] | None,
    policy_params: Mapping[str, int],
    *,
    on: dt.date,
    person_id: str | None = None,
) -> Eligibility:
    """Evaluate every condition of ``measure`` for one household (and one person, if it targets one).

    ``household`` must be the facts as of ``measure.status_day(on)`` (the caller builds them for
    that day); ``person`` is required exactly when the measure targets a person.
    """
    if (measure.target is Target.PERSON) != (person is not None):
        raise DomainError("MEASURE_TARGET", f"措施 {measure.measure_id} 的对象是{'个人' if person is None else '户'}")
    env: dict[str, Value] = {**policy_params, **measure.params, **household, **(person or {})}
    met: list[str] = []
    unmet: list[Unmet] = []
    for c in measure.conditions:
        values = {n: env.get(n) for n in sorted(names_in(c.when))}
        if evaluate(c.when, env) is True:
            met.append(render(c.label, env))
        else:
            unmet.append(Unmet(render(c.label, env), c.text, values))
    return Eligibility(measure, person_id, measure.status_day(on), tuple(met), tuple(unmet))


def render(template: str, env: Mapping[str, Value]) -> str:
    """``{name}`` → its value, ``{x_yuan}`` → ``x_fen`` in whole yuan; unknown names stay as written."""
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        k = template.find("}", j + 1) if j >= 0 else -1
        if j < 0 or k < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        out.append(_value_text(template[j + 1 : k], env))
        i = k + 1
    return "".join(out)


def _value_text(name: str, env: Mapping[str, Value]) -> str:
    if name.endswith("_yuan"):
        v = env.get(name[: -len("_yuan")] + "_fen")
        return "—" if v is None else f"{int(v) / 100:,.0f}"
    v = env.get(name)
    if v is None:
        return "—" if name in env else "{" + name + "}"
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


def measures_for_risk(catalogue: Sequence[Measure], code: str) -> list[Measure]:
    """Catalogue entries that address a risk code, in catalogue order."""
    return [m for m in catalogue if m.addresses_risk(code)]
