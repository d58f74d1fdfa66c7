"""A synthetic county with planted chain problems: every planted finding is found, nothing else is.

"Nothing else" is only meaningful on a clean county, so the base chain (``synth.chain.base_chain``:
monitored households with a measure for every risk in time, Yulu for every vocational student)
must itself yield no finding — in the engine and in the pure domain. Then the planted cases
(``plant_chain``) must come out exactly, by rule, household, person, measure, risk and records;
the near misses it plants (adjacent terms, records one day apart, the deadline day) must not.
The county goes through the importer's validation first, so the new feed types
(``yulu_subsidy``, ``education_subsidy``) are shown to be accepted as they arrive.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun import bootstrap
from jingzhun.domain.categories import DEFAULT_RISK_TYPES
from jingzhun.synth import generate
from jingzhun.synth.chain import base_chain, plant_chain
from tests.property.chain_support import chain_tables, engine_findings, pure_findings

CHECK = dt.date(2026, 11, 1)
POLICY = bootstrap.policy_resolver()("532328000000", CHECK)
DEADLINE = POLICY.params["measure_deadline_days"]
LABELS = {t.code: t.label for t in DEFAULT_RISK_TYPES}


def run(tables):  # type: ignore[no-untyped-def]
    kw = {"check_day": CHECK, "risk_labels": LABELS}
    return engine_findings(tables, POLICY.measures, POLICY.params, **kw), pure_findings(
        tables, POLICY.measures, POLICY.params, **kw
    )


def key(f):  # type: ignore[no-untyped-def]
    return (f.rule_id, f.household_id, f.person_id, f.measure_id, f.risk_code, frozenset(f.record_ids))


@pytest.fixture(scope="module", params=[(3000, 11), (2500, 12)], ids=["seed11", "seed12"])
def county(request):  # type: ignore[no-untyped-def]
    households, seed = request.param
    c = generate(households, seed, as_of=CHECK)
    base = base_chain(c, POLICY.measures, deadline_days=DEADLINE, seed=seed)
    return base, plant_chain(base, POLICY.measures, deadline_days=DEADLINE, seed=seed)


def test_the_base_chain_of_the_synthetic_county_has_no_finding(county):
    base, _ = county
    engine, pure = run(chain_tables(base))
    assert engine == [] and pure == []
    assert base.monitored.height > 50  # the clean county really has monitored households and plans …
    assert base.plan.height == base.monitored.height
    assert base.county.events.filter(event_type="yulu_subsidy").height > 20  # … and Yulu grants


def test_every_planted_finding_is_found_and_none_is_invented(county):
    _, planted = county
    engine, pure = run(chain_tables(planted))
    truth = {(t.rule_id, t.household_id, t.person_id, t.measure_id, t.risk_code, t.record_ids) for t in planted.truth}
    assert len(truth) == len(planted.truth) == 7
    assert {key(f) for f in engine} == truth
    assert len(engine) == len(truth)
    assert engine == pure  # the same findings, messages and offices in both engines


def test_the_planted_findings_name_the_office_and_say_what_happened(county):
    _, planted = county
    engine, _ = run(chain_tables(planted))
    divisions = dict(planted.county.households.select("household_id", "division_code").iter_rows())
    offices = {f.rule_id + ":" + (f.measure_id or f.risk_code or ""): f.office for f in engine}
    assert offices["CHAIN_DUPLICATE:DIBAO"] == "民政部门"
    assert offices["CHAIN_DUPLICATE:EDUCATION_AID"] == "教育部门"
    assert offices["CHAIN_ENTITLEMENT_MISSED:YULU"] == "农业农村（乡村振兴）部门"
    for f in engine:
        assert f.township_code == divisions[f.household_id][:9]
        assert f.message and (f.person_id is None or f.person_id not in f.message)
    late = next(f for f in engine if f.rule_id == "CHAIN_RISK_WITHOUT_MEASURE" and f.risk_code == "07")
    assert f"已过 {DEADLINE + 1} 天（期限 {DEADLINE} 天）" in late.message and "因务工就业不稳" in late.message
    assert len(planted.decoys) == 3
