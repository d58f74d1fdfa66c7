"""The household view screens its household live, and says what the batch engine says about it.

A synthetic county is imported into the store (SQLite and PostgreSQL); the DuckDB engine screens
the *files* it was imported from (``jingzhun screen``'s path), and every household is then read
through ``view_household`` on the same day. The live assessment must give each household the
engine's warning — category, risk codes, rule ids, reasons, evidence, policy — or none where the
engine flags none. Per-capita income is checked against a figure computed here from the
registry files themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
from sqlalchemy import func, select

from jingzhun import bootstrap
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.workflow import Role
from jingzhun.services.households import view_household
from jingzhun.services.importer import run_import
from jingzhun.services.screening import screen_files
from jingzhun.synth import DEFAULT_AS_OF

from .helpers import plant_income, read_csv, synthetic_registry

AS_OF = DEFAULT_AS_OF  # the synthetic income window ends the month before it
INCOME = ("wage", "business_net", "property", "transfer")
UNSTABLE_ALLEVIATED, MARGINAL_AT_RISK = MonitoringCategory.UNSTABLE_ALLEVIATED, MonitoringCategory.MARGINAL_AT_RISK


def county_actor(src: Path) -> Actor:
    code = read_csv(src / "registry" / "households.csv")["division_code"][0]
    return Actor("county", Role.COUNTY_APPROVER, code[:6] + "000000")


WINDOW = f"{AS_OF.year}-{AS_OF.month - 1:02d}"  # written out here, not asked of the code under test


@dataclass(frozen=True)
class Figures:
    net_fen: int | None
    members: int

    @property
    def per_capita_fen(self) -> int | None:
        if self.net_fen is None or not self.members:
            return None
        return int((Decimal(self.net_fen) / self.members).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def figures_from_files(src: Path) -> dict[str, Figures]:
    """Household → net income of the window (fen) and members, from the CSV files (yuan)."""
    sizes = read_csv(src / "registry" / "members.csv")["household_id"].value_counts()
    size = dict(zip(sizes["household_id"], sizes["count"], strict=True))
    income = read_csv(src / "registry" / "income.csv").filter(pl.col("period_end") == WINDOW)
    net = {
        r["household_id"]: int(sum(Decimal(r[c] or "0") for c in INCOME) * 100) for r in income.iter_rows(named=True)
    }
    households = read_csv(src / "registry" / "households.csv")["household_id"]
    return {hid: Figures(net.get(hid), size.get(hid, 0)) for hid in households}


def engine_warnings(src: Path, on: dt.date) -> dict[str, dict[str, object]]:
    outcome = screen_files(src / "registry", src / "feeds", on, bootstrap.policy_resolver())
    assert outcome.warnings is not None
    return {r["household_id"]: r for r in outcome.warnings.iter_rows(named=True)}


def reads(engine) -> int:
    e = t.audit_events.c
    with engine.connect() as c:
        return int(c.execute(select(func.count()).where(e.action == "household.read")).scalar_one())


def test_the_live_view_gives_every_household_of_a_county_the_batch_engines_warning(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=300, seed=31)
    assert run_import(src, engine, today=AS_OF).committed
    expected = engine_warnings(src, AS_OF)
    figures = figures_from_files(src)
    actor = county_actor(src)
    households = read_csv(src / "registry" / "households.csv")["household_id"].to_list()
    live = {hid: view_household(engine, hid, actor, today=AS_OF).assessment for hid in households}

    assert {hid for hid, a in live.items() if a.warning} == set(expected)
    for hid, row in expected.items():
        a = live[hid]
        assert a.warning is not None and a.policy is not None
        got = {
            "category": a.warning.category.value if a.warning.category else None,
            "risk_codes": [r.code for r in a.warning.risks],
            "rule_ids": list(a.warning.rule_ids),
            "reasons": list(a.warning.reasons),
            "evidence": {e.name: e.value for e in a.warning.evidence},
            "policy": (a.policy.policy_id, a.policy.version, a.policy.content_hash),
        }
        want = {k: row[k] for k in ("category", "risk_codes", "rule_ids", "reasons")}
        want["evidence"] = json.loads(str(row["evidence"]))
        want["policy"] = (row["policy_id"], row["policy_version"], row["policy_hash"])
        assert got == want, hid
        evidence = want["evidence"]
        if "monitoring_threshold_fen" in evidence:  # the income rule read the threshold: the view shows that one
            assert a.policy.threshold_fen == evidence["monitoring_threshold_fen"]
    assert sum(1 for r in expected.values() if "monitoring_threshold_fen" in str(r["evidence"])) > 5
    assert len({tuple(r["rule_ids"]) for r in expected.values()}) > 5  # warnings of several kinds were compared

    assert {hid: a.per_capita_income_fen for hid, a in live.items()} == {
        h: f.per_capita_fen for h, f in figures.items()
    }
    assert {hid: a.net_income_fen for hid, a in live.items()} == {h: f.net_fen for h, f in figures.items()}
    for hid, a in live.items():
        assert a.policy is not None
        f = figures[hid]
        below = None if f.net_fen is None or not f.members else f.net_fen < a.policy.threshold_fen * f.members
        assert a.below_threshold == below, hid
    assert any(a.below_threshold for a in live.values()) and not all(a.below_threshold for a in live.values())
    assert reads(engine) == len(households)


def test_a_household_planted_below_the_threshold_gets_the_income_warning_with_its_figures(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=120, seed=32)
    planted = read_csv(src / "registry" / "income.csv").filter(pl.col("period_end") == WINDOW)["household_id"][0]
    home = read_csv(src / "registry" / "households.csv").filter(pl.col("household_id") == planted).row(0, named=True)
    threshold = bootstrap.policy_resolver()(home["division_code"], AS_OF).monitoring_threshold_fen
    per_person = threshold // 2  # half the standard a head
    size = plant_income(src, planted, WINDOW, per_person)
    assert run_import(src, engine, today=AS_OF).committed

    a = view_household(engine, planted, county_actor(src), today=AS_OF).assessment
    assert a.per_capita_income_fen == per_person and a.net_income_fen == per_person * size and a.members == size
    assert a.below_threshold is True and a.policy is not None and a.policy.threshold_fen == threshold
    assert str(a.window_end) == WINDOW and a.as_of == AS_OF
    engine_row = engine_warnings(src, AS_OF)[planted]
    assert a.warning is not None
    assert list(a.warning.reasons) == engine_row["reasons"] and list(a.warning.rule_ids) == engine_row["rule_ids"]
    alleviated = home["alleviated"].lower() in ("true", "1", "是")
    assert a.warning.category is (UNSTABLE_ALLEVIATED if alleviated else MARGINAL_AT_RISK)
    shown = f"{(Decimal(per_person) / 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,} 元"
    assert any(shown in line for line in a.warning.reasons), (shown, a.warning.reasons)


def test_a_household_the_engine_does_not_flag_is_shown_above_the_threshold_without_a_warning(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=120, seed=33)
    assert run_import(src, engine, today=AS_OF).committed
    flagged = engine_warnings(src, AS_OF)
    figures = figures_from_files(src)
    quiet = sorted(hid for hid, f in figures.items() if hid not in flagged and f.net_fen is not None)
    assert len(quiet) >= 10
    actor = county_actor(src)
    for hid in quiet[:10]:
        a = view_household(engine, hid, actor, today=AS_OF).assessment
        assert a.warning is None and a.below_threshold is False and a.policy is not None
        assert a.per_capita_income_fen == figures[hid].per_capita_fen


def test_a_place_without_a_threshold_in_force_is_said_plainly_not_failed(engine, tmp_path):
    # 辽宁 (21) has a 2022 pack only, so no monitoring threshold is in force there in 2026
    src = synthetic_registry(tmp_path / "reg", households=40, seed=34, province="21")
    assert run_import(src, engine, today=AS_OF).committed
    outcome = screen_files(src / "registry", src / "feeds", AS_OF, bootstrap.policy_resolver())
    assert outcome.flagged == 0 and {code for code, _ in outcome.unresolved.values()} == {"POLICY_NO_THRESHOLD"}
    figures = figures_from_files(src)
    actor = county_actor(src)
    for hid in list(figures)[:5]:
        a = view_household(engine, hid, actor, today=AS_OF).assessment
        assert a.policy is None and a.warning is None and a.below_threshold is None
        assert a.no_policy_reason and "监测标准" in a.no_policy_reason
        assert a.per_capita_income_fen == figures[hid].per_capita_fen  # the figure is still shown


def test_reading_a_household_with_its_assessment_is_exactly_one_audit_event(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=30, seed=35)
    assert run_import(src, engine, today=AS_OF).committed
    hid = read_csv(src / "registry" / "households.csv")["household_id"][0]
    e = t.audit_events.c
    with engine.connect() as c:
        before = c.execute(select(func.max(e.seq))).scalar() or 0
    view_household(engine, hid, county_actor(src), today=AS_OF)
    with engine.connect() as c:
        added = c.execute(select(e.action, e.record, e.result).where(e.seq > before)).all()
    assert [tuple(r) for r in added] == [("household.read", f"household:{hid}", "ok")]


def test_a_household_whose_window_for_today_is_not_imported_yet_is_assessed_on_its_newest_window(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=120, seed=36)
    assert run_import(src, engine, today=AS_OF).committed
    month_later = dt.date(AS_OF.year + (AS_OF.month == 12), AS_OF.month % 12 + 1, 1)  # its window is not in the files
    expected = engine_warnings(src, AS_OF)
    actor = county_actor(src)
    households = read_csv(src / "registry" / "households.csv")["household_id"].to_list()
    for hid in households[:40]:
        late = view_household(engine, hid, actor, today=month_later + dt.timedelta(days=9)).assessment
        on_time = view_household(engine, hid, actor, today=AS_OF).assessment
        assert late.as_of == AS_OF and str(late.window_end) == WINDOW, hid
        assert late.missing_window is not None and str(late.missing_window) == f"{AS_OF.year}-{AS_OF.month:02d}"
        assert late.per_capita_income_fen == on_time.per_capita_income_fen and late.warning == on_time.warning
        assert on_time.missing_window is None
        assert (late.warning is not None) == (hid in expected)


def test_a_household_with_no_income_at_all_is_assessed_today_without_a_figure(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=30, seed=37)
    income = read_csv(src / "registry" / "income.csv")
    gone = income["household_id"][0]
    income.filter(pl.col("household_id") != gone).write_csv(src / "registry" / "income.csv")
    assert run_import(src, engine, today=AS_OF).committed
    a = view_household(engine, gone, county_actor(src), today=AS_OF).assessment
    assert a.as_of == AS_OF and a.missing_window is None
    assert a.net_income_fen is None and a.per_capita_income_fen is None and a.below_threshold is None
