"""A synthetic county's assistance chain, clean or with planted duplicates and omissions of known truth.

Why: the chain checks must find every planted case and invent none, and "none" is only
testable when the rest of the county is provably clean. ``base_chain`` therefore completes a
synthetic county (``generate``) into a chain without problems: a share of households becomes
monitoring objects whose every confirmed risk gets an addressing plan item within the deadline,
and every vocational student receives this term's Yulu grant as an agriculture record.
``plant_chain`` then adds a few cases on households nothing else touches and returns what
should be found (``truth``) and the near misses that should not (``decoys``): the same Yulu
term from the plan and a feed, two overlapping dibao records (and two sharing one day), two
education subsidies of one kind in a term; a vocational student of a monitored household
without Yulu, a risk left without a measure one day past the deadline, a risk no measure of
the plan addresses — beside Yulu in adjacent terms, dibao records one day apart and a risk on
exactly the deadline day.

Department records are events in the exchange format (yuan), numbered after each source's;
plan items, monitoring objects and their status are frames in the engine's chain schemas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from jingzhun.adapters.engine.chain_duckdb import LEDGER_SCHEMA, MONITORED_SCHEMA, STATUS_SCHEMA, status_days
from jingzhun.domain.categories import DEFAULT_RISK_TYPES, MonitoringCategory
from jingzhun.domain.chain import PLAN_SOURCE, ChainRule
from jingzhun.domain.measures import Measure, MeasureType, Target
from jingzhun.domain.vocab import Schooling
from jingzhun.synth.build import SynthResult
from jingzhun.synth.events import SOURCE_PREFIX
from jingzhun.synth.streams import stream

DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Planted:
    """A finding the checks must report (records: the entry ids, or the monitoring case)."""

    rule_id: str
    household_id: str
    person_id: str | None
    measure_id: str | None
    risk_code: str | None
    record_ids: frozenset[str]
    what: str


@dataclass(frozen=True, slots=True)
class ChainCounty:
    county: SynthResult  # registry and feeds; the events include the chain's department records
    plan: pl.DataFrame  # plan items as ledger entries (LEDGER_SCHEMA)
    monitored: pl.DataFrame  # MONITORED_SCHEMA
    status: pl.DataFrame  # STATUS_SCHEMA, every household on each day the checks read
    check_day: dt.date
    truth: tuple[Planted, ...] = ()
    decoys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Measures:
    yulu: Measure
    industry: Measure
    education: Measure
    dibao: Measure

    @classmethod
    def of(cls, catalogue: Sequence[Measure]) -> _Measures:
        def first(kind: MeasureType, target: Target) -> Measure:
            found = [m for m in catalogue if m.type is kind and m.target is target]
            if not found:
                raise ValueError(f"目录中没有 {kind.label} 措施")
            return found[0]

        yulu = first(MeasureType.YULU, Target.PERSON)
        others = [m.measure_id for m in catalogue if m.entitlement and m is not yulu]
        if not yulu.entitlement or others:
            raise ValueError(f"基础救助链只补齐雨露计划，不会补齐：{'、'.join(others) or yulu.measure_id}")
        return cls(
            yulu,
            first(MeasureType.INDUSTRY, Target.HOUSEHOLD),
            first(MeasureType.EDUCATION_AID, Target.PERSON),
            first(MeasureType.DIBAO, Target.HOUSEHOLD),
        )


def base_chain(
    county: SynthResult,
    catalogue: Sequence[Measure],
    *,
    deadline_days: int,
    check_day: dt.date | None = None,
    seed: int = 0,
    monitored_share: float = 0.05,
) -> ChainCounty:
    """The county's chain without a single problem, on ``check_day`` (default: the county's as-of day)."""
    day = check_day or county.as_of
    ms = _Measures.of(catalogue)
    rng = stream(seed, "chain-base")
    hh = county.households
    chosen = hh.filter(pl.Series(rng.random(hh.height) < monitored_share))
    codes = pl.Series([t.code for t in DEFAULT_RISK_TYPES if ms.industry.addresses_risk(t.code)])
    n = chosen.height
    one, two = (codes.gather(rng.integers(0, len(codes), n)) for _ in range(2))
    both = pl.Series(rng.random(n) < 0.5)  # one confirmed risk or two
    monitored = chosen.select(
        "household_id",
        "division_code",
        (pl.lit(day) - pl.duration(days=pl.lit(pl.Series(rng.integers(deadline_days + 10, 400, n))))).alias(
            "identified_on"
        ),
        pl.concat_list(pl.lit(one), pl.when(pl.lit(both)).then(pl.lit(two)).otherwise(pl.lit(one)))
        .list.unique()
        .list.sort()
        .alias("risk_codes"),
        ("C" + pl.col("household_id")).alias("case_id"),
    ).cast(MONITORED_SCHEMA)
    delay = pl.duration(days=pl.lit(pl.Series(rng.integers(1, deadline_days + 1, n))))
    plan = _plan_items(monitored.with_columns((pl.col("identified_on") + delay).alias("start")), ms.industry)
    term = ms.yulu.status_day(day)
    students = county.members.filter(pl.col("schooling") == Schooling.VOCATIONAL.value)
    offsets = rng.integers(0, min(20, (day - term).days) + 1, students.height)
    paid = pl.DataFrame(
        {
            "source": ms.yulu.provider.value,
            "person_id": students["person_id"],
            "household_id": pl.Series([None] * students.height, dtype=pl.Utf8),
            "event_type": ms.yulu.feed_events[0],
            "event_date": pl.select(pl.lit(term) + pl.duration(days=pl.lit(pl.Series(offsets)))).to_series(),
            "amount": ms.yulu.params.get("amount_per_term_fen", 150_000) / 100,
            "detail": ms.yulu.label,
        }
    )
    events, _ = _numbered(county.events, paid)
    base = ChainCounty(replace(county, events=events), plan, monitored, pl.DataFrame(schema=STATUS_SCHEMA), day)
    return _with_status(base, catalogue)


def _plan_items(monitored: pl.DataFrame, measure: Measure) -> pl.DataFrame:
    """One plan item of ``measure`` per monitored household, starting on its ``start``."""
    record = pl.col("case_id") + "/1"
    return monitored.select(
        (pl.lit(PLAN_SOURCE + ":") + record).alias("entry_id"),
        pl.lit(PLAN_SOURCE).alias("source"),
        record.alias("record_id"),
        "household_id",
        pl.lit(None, pl.Utf8).alias("person_id"),
        pl.lit(measure.measure_id).alias("measure_id"),
        "start",
        pl.lit(None, pl.Date).alias("end"),
        pl.lit(None, pl.Int64).alias("amount_fen"),
        pl.lit(measure.provider.value).alias("provider"),
        "division_code",
    ).cast(LEDGER_SCHEMA)


def _numbered(events: pl.DataFrame, new: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """``events`` plus ``new`` (no event_id yet), numbered after each source's existing records; the new
    records' entry ids ("source:event_id") in their order."""
    if not new.height:
        return events, []
    counts = events.group_by("source").len("existing")
    rows = new.with_row_index("_order").join(counts, on="source", how="left").sort("_order")
    rows = rows.with_columns(
        (pl.col("existing").fill_null(0) + pl.int_range(1, pl.len() + 1).over("source")).alias("_n")
    )
    prefix = {s.value: p for s, p in SOURCE_PREFIX.items()}
    rows = rows.with_columns(
        (pl.col("source").replace_strict(prefix) + pl.col("_n").cast(pl.Utf8).str.zfill(8)).alias("event_id")
    )
    added = rows.select(events.columns).cast(events.schema)
    return pl.concat([events, added]), (added["source"] + ":" + added["event_id"]).to_list()


def _with_status(chain: ChainCounty, catalogue: Sequence[Measure]) -> ChainCounty:
    """Every household's status on the check day and each entitlement's status day, from the chain itself:
    monitored from identification, receiving dibao/tekun from a civil-affairs record on or before the day."""
    c = chain.county
    homes = c.members.select("person_id", "household_id")
    ev = c.events.join(homes, on="person_id", how="left", suffix="_m").select(
        pl.coalesce("household_id_m", "household_id").alias("household_id"), "event_type", "event_date"
    )
    kinds = {t: m.type.value for m in catalogue for t in m.feed_events}
    frames = []
    for day in sorted({chain.check_day, *status_days(catalogue, chain.check_day)}):
        mon = chain.monitored.filter(pl.col("identified_on") <= day).select("household_id").unique()
        got = ev.filter(pl.col("event_date") <= day).with_columns(
            pl.col("event_type").replace_strict(kinds, default=None, return_dtype=pl.Utf8).alias("kind")
        )
        dibao = got.filter(pl.col("kind") == MeasureType.DIBAO.value)["household_id"].unique()
        tekun = got.filter(pl.col("kind") == MeasureType.TEKUN.value)["household_id"].unique()
        monitored = pl.col("household_id").is_in(mon["household_id"].implode())
        category = pl.when(pl.col("alleviated")).then(pl.lit(MonitoringCategory.UNSTABLE_ALLEVIATED.value))
        frames.append(
            c.households.select(
                pl.lit(day).alias("day"),
                "household_id",
                monitored.alias("monitored"),
                pl.lit(False).alias("eliminated"),
                pl.when(monitored)
                .then(category.otherwise(pl.lit(MonitoringCategory.MARGINAL_AT_RISK.value)))
                .alias("category"),
                pl.col("household_id").is_in(dibao.implode()).alias("receives_dibao"),
                pl.col("household_id").is_in(tekun.implode()).alias("receives_tekun"),
            ).cast(STATUS_SCHEMA)
        )
    return replace(chain, status=pl.concat(frames))


def plant_chain(base: ChainCounty, catalogue: Sequence[Measure], *, deadline_days: int, seed: int = 0) -> ChainCounty:
    """``base`` with the planted cases of the module docstring; ``truth`` and ``decoys`` say which."""
    ms = _Measures.of(catalogue)
    c, day = base.county, base.check_day
    term = ms.yulu.status_day(day)
    picks = _Picks.draw(base, catalogue, stream(seed, "chain-plant"))
    p = _Planting(dict(c.households.select("household_id", "division_code").iter_rows()))

    s1, s2, s3 = picks.vocational
    feed = c.events.filter((pl.col("person_id") == s1[1]) & (pl.col("event_type") == ms.yulu.feed_events[0]))
    paid = f"{feed['source'][0]}:{feed['event_id'][0]}"
    plan = p.plan(ms.yulu, s1[0], s1[1], "yulu", term + 10 * DAY)
    p.truth(
        ChainRule.DUPLICATE,
        s1[0],
        s1[1],
        ms.yulu,
        None,
        {paid, plan},
        "同一学期雨露计划由帮扶计划和农业农村部门各发一次",
    )

    p.monitor(s2[0], term - 60 * DAY, (ms.industry.addresses[0],), ms.industry, term - 50 * DAY)
    p.truth(ChainRule.ENTITLEMENT_MISSED, s2[0], s2[1], ms.yulu, None, set(), "监测户的职校生本学期未领雨露计划")

    p.event(ms.yulu, s3[1], None, term - DAY, "相邻学期的雨露计划（开学前一天）")
    p.decoys.append("相邻两个学期各领一次雨露计划，不算重复")

    h1, h2, h3, h5, h6, h7 = picks.clean
    first = p.event(ms.dibao, None, h1, day - 200 * DAY)
    second = p.event(ms.dibao, None, h1, day - 100 * DAY)
    p.truth(ChainRule.DUPLICATE, h1, None, ms.dibao, None, {first, second}, "同一户两条低保记录期间重叠")
    shared_plan = p.plan(ms.dibao, h2, None, "dibao", day - 300 * DAY, day - 150 * DAY)
    shared_event = p.event(ms.dibao, None, h2, day - 150 * DAY)
    p.truth(ChainRule.DUPLICATE, h2, None, ms.dibao, None, {shared_plan, shared_event}, "两条低保记录共有一天")
    p.plan(ms.dibao, h3, None, "dibao", day - 300 * DAY, day - 151 * DAY)
    p.event(ms.dibao, None, h3, day - 150 * DAY)
    p.decoys.append("低保计划结束次日民政部门新纳入，不算重复")

    hs, student = picks.student
    gap = (day - term).days
    twice = {p.event(ms.education, student, None, term + min(k, gap) * DAY) for k in (2, 30)}
    p.truth(ChainRule.DUPLICATE, hs, student, ms.education, None, twice, "同一学生同一学期两笔同类教育资助")

    codes = [t.code for t in DEFAULT_RISK_TYPES]
    work = next(k for k in ("07", *codes) if k in codes and ms.industry.addresses_risk(k))
    school = next(k for k in ("09", *codes) if k in codes and not ms.industry.addresses_risk(k))
    late = p.monitor(h5, day - (deadline_days + 1) * DAY, (work,), None, None)
    p.truth(ChainRule.RISK_WITHOUT_MEASURE, h5, None, None, work, {late}, f"认定后第 {deadline_days + 1} 天仍无措施")
    p.monitor(h6, day - deadline_days * DAY, (work,), None, None)
    p.decoys.append("认定恰满期限天数、尚无措施，不算遗漏")
    partial = p.monitor(h7, day - 90 * DAY, (work, school), ms.industry, day - 85 * DAY)
    p.truth(ChainRule.RISK_WITHOUT_MEASURE, h7, None, None, school, {partial}, "计划措施未针对其中一项风险")

    unpaid = (pl.col("person_id") == s2[1]).fill_null(False) & (pl.col("event_type") == ms.yulu.feed_events[0])
    events, ids = _numbered(c.events, pl.DataFrame(p.events, schema=_NEW_EVENT_SCHEMA, orient="row"))
    events = events.filter(~unpaid)  # after numbering: a removed record's number is not given again
    rename = dict(zip(p.event_tags, ids, strict=True))
    truth = tuple(replace(t, record_ids=frozenset(rename.get(r, r) for r in t.record_ids)) for t in p.truths)
    planted = ChainCounty(
        replace(c, events=events),
        pl.concat([base.plan, pl.DataFrame(p.plans, schema=LEDGER_SCHEMA, orient="row")]),
        pl.concat([base.monitored, pl.DataFrame(p.monitored, schema=MONITORED_SCHEMA, orient="row")]),
        base.status,
        day,
        truth,
        tuple(p.decoys),
    )
    return _with_status(planted, catalogue)


_NEW_EVENT_SCHEMA = {
    "source": pl.Utf8,
    "person_id": pl.Utf8,
    "household_id": pl.Utf8,
    "event_type": pl.Utf8,
    "event_date": pl.Date,
    "amount": pl.Float64,
    "detail": pl.Utf8,
}


@dataclass(frozen=True, slots=True)
class _Picks:
    """Who the planted cases happen to: people and households nothing else in the chain touches."""

    vocational: tuple[tuple[str, str], ...]  # (household, person): three students in three households
    clean: tuple[str, ...]  # six households without monitoring, chain records or vocational students
    student: tuple[str, str]  # a school pupil of yet another such household

    @classmethod
    def draw(cls, base: ChainCounty, catalogue: Sequence[Measure], rng: np.random.Generator) -> _Picks:
        c = base.county
        feed_types = [t for m in catalogue for t in m.feed_events]
        homes = c.members.select("person_id", pl.col("household_id").alias("home"))
        touched = c.events.filter(pl.col("event_type").is_in(feed_types)).join(homes, on="person_id", how="left")
        monitored = set(base.monitored["household_id"].to_list())
        busy = set(touched.select(pl.coalesce("home", "household_id"))["home"].to_list()) | monitored
        members = c.members.sample(fraction=1.0, shuffle=True, seed=int(rng.integers(2**31)))
        voc = members.filter(pl.col("schooling") == Schooling.VOCATIONAL.value)
        # The student left without Yulu must be in a household not yet monitored: planting makes it one.
        unmonitored_first = voc.with_columns(pl.col("household_id").is_in(list(monitored)).alias("_m")).sort(
            "_m", maintain_order=True
        )
        firsts = unmonitored_first.unique("household_id", keep="first", maintain_order=True).head(3)
        vocational = list(firsts.select("household_id", "person_id").iter_rows())
        if len(vocational) < 3 or vocational[0][0] in monitored:
            raise ValueError("县太小：需要至少三户有职校生（其中一户不是监测户）")
        skip = busy | set(voc["household_id"].to_list())
        clean = [h for h in members["household_id"].unique(maintain_order=True).to_list() if h not in skip]
        pupils = members.filter(pl.col("household_id").is_in(clean) & pl.col("schooling").is_in(_PUPILS))
        if len(clean) < 7 or not pupils.height:
            raise ValueError("县太小：需要至少七户没有救助记录的农户，其中一户有在校生")
        student = (pupils["household_id"][0], pupils["person_id"][0])
        rest = [h for h in clean if h != student[0]]
        return cls((vocational[1], vocational[0], vocational[2]), tuple(rest[:6]), student)


_PUPILS = [s.value for s in (Schooling.PRIMARY, Schooling.JUNIOR, Schooling.SENIOR, Schooling.COLLEGE)]


class _Planting:
    """The rows being planted; event records get their ids when they join the feeds."""

    def __init__(self, divisions: dict[str, str]) -> None:
        self.events: list[tuple[object, ...]] = []
        self.event_tags: list[str] = []
        self.plans: list[tuple[object, ...]] = []
        self.monitored: list[tuple[object, ...]] = []
        self.truths: list[Planted] = []
        self.decoys: list[str] = []
        self._divisions = divisions

    def event(self, m: Measure, person: str | None, household: str | None, on: dt.date, detail: str = "") -> str:
        amount = m.params.get("amount_per_term_fen", 50_000) / 100 if m.target is Target.PERSON else None
        self.events.append((m.provider.value, person, household, m.feed_events[0], on, amount, detail or m.label))
        self.event_tags.append(f"#event{len(self.event_tags)}")
        return self.event_tags[-1]

    def plan(
        self, m: Measure, household: str, person: str | None, name: str, start: dt.date, end: dt.date | None = None
    ) -> str:
        record = f"P{household}/{name}"
        row = (f"{PLAN_SOURCE}:{record}", PLAN_SOURCE, record, household, person, m.measure_id, start, end, None,
               m.provider.value, self.division(household))  # fmt: skip
        self.plans.append(row)
        return str(row[0])

    def monitor(
        self,
        household: str,
        identified: dt.date,
        codes: tuple[str, ...],
        measure: Measure | None,
        start: dt.date | None,
    ) -> str:
        case = f"C{household}"
        self.monitored.append((household, self.division(household), identified, list(codes), case))
        if measure is not None and start is not None:
            self.plan(measure, household, None, "1", start)
        return case

    def division(self, household: str) -> str:
        return self._divisions[household]

    def truth(
        self,
        rule: ChainRule,
        household: str,
        person: str | None,
        measure: Measure | None,
        risk: str | None,
        records: set[str],
        what: str,
    ) -> None:
        mid = measure.measure_id if measure else None
        self.truths.append(Planted(rule.value, household, person, mid, risk, frozenset(records), what))
