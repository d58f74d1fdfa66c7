"""The columnar elimination check and the pure ``domain.elimination`` agree on every monitored household.

Two angles, as for the screening: (1) synthetic counties where a third of the households are
monitored, with case facts drawn at random and extra income windows planted at random months
(some exactly at the threshold, some one fen below), so the stable-month runs, the still-firing
rules and every criterion are exercised; (2) random rows of features and facts drawn by
Hypothesis, NULLs and edge values included, through the shipped criteria — SQL's three-valued
logic and the Python interpreter held to the same verdicts, reasons and evidence.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun import bootstrap
from jingzhun.adapters.engine.elimination_duckdb import MONITORED_SCHEMA, assess, criteria_sql
from jingzhun.domain.elimination import ELIMINATION_FACTS, CaseFacts, assess_household
from jingzhun.domain.elimination import assess as assess_facts
from jingzhun.domain.features import FEATURES
from jingzhun.domain.household import income_window_end

from .screening_support import households_from_frames
from .test_screening_parity import AS_OF, synthetic_tables


def monitored_county(seed: int, profile: str, households: int = 1500) -> dict[str, pl.DataFrame]:
    """A synthetic county with a third of its households monitored and extra income windows planted."""
    tables = synthetic_tables(households, seed, profile)
    rng = np.random.default_rng(seed)
    policy = bootstrap.policy_resolver()("532328000000", AS_OF)
    threshold = policy.monitoring_threshold_fen
    ids = tables["households"]["household_id"].to_list()
    chosen = sorted(rng.choice(ids, size=len(ids) // 3, replace=False).tolist())
    n = len(chosen)
    months = rng.integers(0, 30, size=n)
    monitored = pl.DataFrame(
        {
            "household_id": chosen,
            "risks_without_measure": rng.choice([0, 0, 0, 1, 2], size=n),
            "measures_in_effect": rng.choice([0, 1, 1, 2], size=n),
            "months_since_identification": [None if m == 29 else int(m) for m in months],
        },
        schema=MONITORED_SCHEMA,
    )
    sizes = dict(tables["members"].group_by("household_id").len().iter_rows())
    window = income_window_end(AS_OF)
    existing = set(tables["income"].select("household_id", "period_end").iter_rows())
    extra = []
    for hid in chosen:
        for _ in range(int(rng.integers(0, 4))):
            period = str(window.shift(-int(rng.integers(1, 12))))
            if (hid, period) in existing:
                continue
            existing.add((hid, period))
            level = int(rng.choice([threshold, threshold - 1, threshold + 20_000, threshold - 200_000]))
            extra.append((hid, period, level * sizes.get(hid, 1)))
    # a few households whose current window has not come in: their stable months are unknown
    missing = set(chosen[:: max(1, n // 20)])
    tables["income"] = tables["income"].filter(
        ~(pl.col("household_id").is_in(missing) & (pl.col("period_end") == str(window)))
    )
    if extra:
        cols = tables["income"].columns
        planted = pl.DataFrame(extra, schema=["household_id", "period_end", "wage"], orient="row").with_columns(
            *(pl.lit(0).alias(c) for c in cols if c not in ("household_id", "period_end", "wage"))
        )
        tables["income"] = pl.concat([tables["income"], planted.select(cols).cast(tables["income"].schema)])
    return {**tables, "monitored": monitored}


def pure_rows(tables: dict[str, pl.DataFrame]) -> dict[str, dict[str, object]]:
    resolve = bootstrap.policy_resolver()
    facts = {r["household_id"]: r for r in tables["monitored"].iter_rows(named=True)}
    out: dict[str, dict[str, object]] = {}
    for hh, events in households_from_frames(tables):
        if hh.household_id not in facts:
            continue
        f = facts[hh.household_id]
        case = CaseFacts(f["risks_without_measure"], f["measures_in_effect"], f["months_since_identification"])
        policy = resolve(hh.division_code.value[:6].ljust(12, "0"), AS_OF)
        a = assess_household(hh, events, AS_OF, policy, case)
        out[hh.household_id] = {
            "eligible": a.eligible, "method": a.method.value, "blocked": [r.criterion_id for r in a.blocked],
            "flagged": [r.criterion_id for r in a.flagged], "reasons": [r.reason for r in a.results if not r.met],
            "open_rules": list(a.open_rules), "evidence": a.evidence,
        }  # fmt: skip
    return out


def engine_rows(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    keys = ("eligible", "method", "blocked", "flagged", "reasons", "open_rules")
    return {
        r["household_id"]: {**{k: r[k] for k in keys}, "evidence": json.loads(r["evidence"])}
        for r in frame.iter_rows(named=True)
    }


@pytest.mark.parametrize(("seed", "profile"), [(11, "alleviated"), (12, "ordinary"), (13, "alleviated")])
def test_engine_and_domain_agree_on_every_monitored_household(seed, profile):
    tables = monitored_county(seed, profile)
    found, unresolved = assess(tables, AS_OF, bootstrap.policy_resolver())
    assert not unresolved
    engine, pure = engine_rows(found), pure_rows(tables)
    assert engine.keys() == pure.keys() and len(pure) == tables["monitored"].height
    mismatched = [k for k in pure if engine[k] != pure[k]]
    assert not mismatched, (mismatched[:3], [(engine[k], pure[k]) for k in mismatched[:2]])
    # the comparison covered candidates and every kind of refusal
    assert sum(v["eligible"] for v in pure.values()) > 5
    blocked = {c for v in pure.values() for c in v["blocked"]}  # type: ignore[attr-defined]
    assert {"ELIM_INCOME_AT_THRESHOLD", "ELIM_INCOME_STABLE", "ELIM_NO_OPEN_RISK", "ELIM_MEASURES_IN_PLACE",
            "ELIM_HAS_LABOUR"} <= blocked  # fmt: skip
    stable = {v["evidence"]["stable_income_months"] for v in pure.values()}  # type: ignore[index]
    assert None in stable and 0 in stable and len(stable - {None, 0, 12}) > 3


def _row_strategy() -> st.SearchStrategy[dict[str, object]]:
    fields: dict[str, st.SearchStrategy[object]] = {}
    for f in (*FEATURES, *ELIMINATION_FACTS):
        if f.kind == "bool":
            base: st.SearchStrategy[object] = st.booleans()
        elif f.kind == "fen":
            base = st.one_of(st.integers(-5_000_000, 50_000_000), st.sampled_from([0, 870_000, 869_999, 870_001]))
        else:
            base = st.integers(0, 13)
        fields[f.name] = st.one_of(st.none(), base) if f.nullable else base
    return st.fixed_dictionaries(fields)


@settings(max_examples=150, deadline=None)
@given(st.lists(_row_strategy(), min_size=1, max_size=25))
def test_random_rows_get_the_same_verdict_reasons_and_evidence(rows):
    policy = bootstrap.policy_resolver()("532328000000", AS_OF)
    frame = pl.DataFrame(
        [{"household_id": f"H{i:04d}", "division_code": "532328101201", "open_rules": [], **r}
         for i, r in enumerate(rows)],
        schema={
            "household_id": pl.Utf8, "division_code": pl.Utf8, "open_rules": pl.List(pl.Utf8),
            **{f.name: (pl.Boolean if f.kind == "bool" else pl.Int64) for f in (*FEATURES, *ELIMINATION_FACTS)},
        },
    )  # fmt: skip
    con = duckdb.connect()
    con.register("facts", frame)
    got = {r["household_id"]: r for r in con.sql(criteria_sql(policy)).pl().iter_rows(named=True)}
    con.close()
    for i, r in enumerate(rows):
        a = assess_facts(f"H{i:04d}", r, policy)
        g = got[f"H{i:04d}"]
        assert g["eligible"] is a.eligible and g["method"] == a.method.value
        assert g["blocked"] == [x.criterion_id for x in a.blocked]
        assert g["flagged"] == [x.criterion_id for x in a.flagged]
        assert g["reasons"] == [x.reason for x in a.results if not x.met]
        assert json.loads(g["evidence"]) == a.evidence
