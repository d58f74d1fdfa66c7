"""Which procedure a case follows: the national one or a local variant, by place and day, and by key."""

import datetime as dt

import pytest

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar
from jingzhun.domain.deadlines import DayKind, Duration, add_days
from jingzhun.domain.elimination import EliminationMethod
from jingzhun.policy import PolicyError
from jingzhun.policy.workflow_registry import (
    build_workflow_set,
    resolve_workflow,
    shipped_workflow_list,
    shipped_workflows,
    workflow_by_key,
)
from jingzhun.policy.workflow_schema import load_workflow

D = dt.date
ANHUI_VILLAGE = "341522100001"  # 安徽省霍邱县
HAINAN_VILLAGE = "469001100001"
YUNNAN_VILLAGE = "532328100001"  # 云南省元谋县: no variant, the national procedure


def error_of(fn, *args) -> PolicyError:
    with pytest.raises(PolicyError) as e:
        fn(*args)
    return e.value


# --- the shipped definitions ---


def test_anhui_and_hainan_follow_their_twenty_working_days():
    for village, scope in ((ANHUI_VILLAGE, "34"), (HAINAN_VILLAGE, "46")):
        wf = resolve_workflow("identification", village, D(2025, 5, 1))
        assert wf.key == f"identification@{scope}@2024.1"
        assert wf.deadline is not None and wf.deadline.limit == Duration(20, DayKind.WORKING)


def test_elsewhere_a_case_follows_the_national_procedure():
    wf = resolve_workflow("identification", YUNNAN_VILLAGE, D(2025, 5, 1))
    assert wf.key == "identification@cn@2024.1" == load_workflow("identification").key
    assert wf.deadline is not None and wf.deadline.limit == Duration(15, roll_forward=True)
    assert resolve_workflow("identification", "", D(2025, 5, 1)) is wf  # "" asks for the national one
    assert resolve_workflow("elimination", ANHUI_VILLAGE, D(2025, 5, 1)).key == "elimination@cn@2026.1"


def test_the_provincial_variants_change_only_the_procedure_deadline():
    national = load_workflow("identification")
    for scope in ("34", "46"):
        wf = workflow_by_key(f"identification@{scope}@2024.1")
        assert (wf.states, wf.transitions, wf.path, wf.notice, wf.warning, wf.initial) == (
            national.states, national.transitions, national.path, national.notice, national.warning, national.initial
        )  # fmt: skip
        assert wf.deadline is not None and national.deadline is not None
        assert wf.deadline.stops_at == national.deadline.stops_at and wf.deadline.starts_at == "lead"
        assert wf.content_hash != national.content_hash and wf.document and wf.title != national.title


def test_across_the_2025_national_day_week_the_two_limits_differ():
    # a lead on Friday 09-26: 15 calendar days end on Saturday 10-11, a 调休 workday, so no roll;
    # Anhui's 20 working days count 09-28 (make-up) and skip 10-01..10-08
    cn = ChineseWorkingCalendar()
    national = resolve_workflow("identification", YUNNAN_VILLAGE, D(2025, 9, 26))
    anhui = resolve_workflow("identification", ANHUI_VILLAGE, D(2025, 9, 26))
    assert national.deadline is not None and anhui.deadline is not None
    assert add_days(D(2025, 9, 26), national.deadline.limit, cn) == D(2025, 10, 11)
    assert add_days(D(2025, 9, 26), anhui.deadline.limit, cn) == D(2025, 10, 30)


def test_every_shipped_definition_is_found_again_by_its_key():
    defs = shipped_workflow_list()
    assert {w.key for w in defs} >= {
        "identification@cn@2024.1", "identification@34@2024.1", "identification@46@2024.1", "elimination@cn@2026.1"
    }  # fmt: skip
    assert len({w.key for w in defs}) == len(defs)
    for wf in defs:
        assert workflow_by_key(wf.key) is wf and len(wf.key) <= 40  # cases.workflow_id is String(40)


def test_shipped_workflows_still_maps_each_id_to_its_national_definition():
    shipped = shipped_workflows()
    assert set(shipped) == {"identification", "elimination"}
    assert all(wf.scope == "" for wf in shipped.values())


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("identification", ANHUI_VILLAGE, D(2023, 12, 31)), "POLICY_NOT_FOUND"),  # before any is in force
        (("nosuch", ANHUI_VILLAGE, D(2025, 5, 1)), "POLICY_NOT_FOUND"),
        (("identification", "34x", D(2025, 5, 1)), "POLICY_NOT_FOUND"),
        (("identification", "341", D(2025, 5, 1)), "POLICY_NOT_FOUND"),
    ],
)
def test_nothing_to_resolve_is_not_found_with_a_chinese_message(args, code):
    err = error_of(resolve_workflow, *args)
    assert err.code == code and ("内置" in err.message or "区划代码" in err.message)


def test_an_unknown_key_is_not_found():
    assert error_of(workflow_by_key, "identification@cn@1999.1").code == "POLICY_NOT_FOUND"


def test_a_timestamp_is_not_a_day():
    with pytest.raises(TypeError):
        resolve_workflow("identification", ANHUI_VILLAGE, dt.datetime(2025, 5, 1, tzinfo=dt.UTC))


# --- sets built from files: versions over time, chains, release errors ---

MINI = """\
id: mini
version: "VERSION"
title: 测试程序
effective_from: START
effective_to: END
initial: lead
path: [visit, review, approved]
states:
  lead: {label: 线索}
  visit: {label: 入户核实, deadline: {days: 2, kind: working}}
  review: {label: 审核}
  approved: {label: 已纳入, kind: open}
  rejected: {label: 不予纳入, kind: closed}
deadline: {days: DAYS, kind: calendar, stops_at: [approved, rejected]}
transitions:
  - {action: accept, from: [lead], to: visit, roles: [village_cadre]}
  - {action: submit, from: [visit], to: review, roles: [village_cadre], sets_codes: true}
  - {action: approve, from: [review], to: approved, roles: [county_approver], review: true, decision: true}
  - {action: reject, from: [review], to: rejected, roles: [county_approver], reason: true, decision: true}
"""

LOCAL = """\
extends: mini
scope: "SCOPE"
version: "VERSION"
title: 地方变体
effective_from: START
effective_to: END
document: 地方文件
"""


def full(version="2024.1", start="2024-01-01", end="null", days=15):
    text = MINI.replace("VERSION", version).replace("START", start).replace("END", end)
    return text.replace("DAYS", str(days))


def local(scope, body="", version="2024.1", start="2024-01-01", end="null"):
    text = LOCAL.replace("SCOPE", scope).replace("VERSION", version).replace("START", start).replace("END", end)
    return text + body


def issues_of(*files):
    with pytest.raises(PolicyError) as e:
        build_workflow_set([(text, f"f{i}.yaml") for i, text in enumerate(files)])
    return [(i.file, i.line, i.field, i.code) for i in e.value.issues]


def test_the_version_in_force_on_the_day_is_chosen_and_old_ones_stay_findable():
    wfs = build_workflow_set(
        [(full("2024.1", end="2025-12-31"), "a.yaml"), (full("2026.1", start="2026-01-01", days=10), "b.yaml")]
    )
    assert wfs.resolve("mini", YUNNAN_VILLAGE, D(2025, 12, 31)).key == "mini@cn@2024.1"
    assert wfs.resolve("mini", YUNNAN_VILLAGE, D(2026, 1, 1)).key == "mini@cn@2026.1"
    old = wfs.by_key("mini@cn@2024.1")
    assert old.deadline is not None and old.deadline.limit == Duration(15)


def test_a_county_variant_builds_on_its_province_s_variant():
    province = local("34", "deadline: {days: 20, kind: working, stops_at: [approved, rejected]}\n")
    county = local("341522", "states:\n  visit: {label: 入户核实, deadline: {days: 3, kind: working}}\n")
    # file order does not matter: the county file is listed first
    wfs = build_workflow_set([(county, "c.yaml"), (full(), "n.yaml"), (province, "p.yaml")])
    wf = wfs.resolve("mini", ANHUI_VILLAGE, D(2025, 5, 1))
    assert wf.key == "mini@341522@2024.1"
    assert wf.deadline is not None and wf.deadline.limit == Duration(20, DayKind.WORKING)  # from the province
    assert wf.states["visit"].deadline == Duration(3, DayKind.WORKING)  # its own
    assert wfs.resolve("mini", "340100000001", D(2025, 5, 1)).key == "mini@34@2024.1"
    assert wfs.resolve("mini", "", D(2025, 5, 1)).key == "mini@cn@2024.1"


def test_two_definitions_with_one_key_are_a_release_error():
    assert issues_of(full(), full(days=10)) == [("f1.yaml", 2, "version", "POLICY_SCHEMA")]


def test_two_versions_of_one_scope_in_force_on_the_same_day_are_a_release_error():
    found = issues_of(full("2024.1", end="2025-06-30"), full("2025.1", start="2025-06-30"))
    assert found == [("f1.yaml", 4, "effective_from", "POLICY_OVERLAP")]


def test_a_variant_may_not_outlast_its_base():
    found = issues_of(full(end="2025-12-31"), local("34", end="2026-06-30"))
    assert found == [("f1.yaml", 6, "effective_to", "POLICY_EXTENDS")]
    assert issues_of(full(end="2025-12-31"), local("34")) == [("f1.yaml", 6, "effective_to", "POLICY_EXTENDS")]


def test_every_bad_file_is_reported_at_once():
    found = issues_of(full(), local("34", start="2023-01-01"), full().replace("id: mini", "id: Mini"), "id: [")
    assert {(f, code) for f, _, _, code in found} == {
        ("f1.yaml", "POLICY_EXTENDS"), ("f2.yaml", "POLICY_SCHEMA"), ("f3.yaml", "POLICY_YAML")
    }  # fmt: skip


def test_every_shipped_elimination_procedure_approves_each_method_by_its_gated_action():
    """The gate checks the method by ``EliminationMethod.action``: a procedure that renamed its
    approvals would let a county approve by the wrong method unchecked."""
    procedures = [wf for wf in shipped_workflow_list() if wf.id == "elimination"]
    assert procedures
    for wf in procedures:
        gated = {t.action for t in wf.transitions if t.gate == "elimination" and t.decision}
        assert gated == {m.action for m in EliminationMethod}, wf.key
