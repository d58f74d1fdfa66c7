"""Workflow files: the shipped procedures load, and every mistake in a file is located FILE:LINE."""

import datetime as dt
from pathlib import Path

import pytest

from jingzhun.domain.deadlines import DayKind, Duration
from jingzhun.domain.workflow import Role, StateKind
from jingzhun.policy import PolicyError
from jingzhun.policy.workflow_schema import load_workflow, load_workflow_text, shipped_workflows

GOOD = """\
id: mini
version: "2025.1"
title: 测试程序
effective_from: 2025-01-01
effective_to: null
initial: lead
path: [visit, review, approved]
states:
  lead: {label: 线索}
  visit: {label: 入户核实, deadline: {days: 2, kind: working}}
  review: {label: 审核}
  approved: {label: 已纳入, kind: open}
  rejected: {label: 不予纳入, kind: closed}
deadline: {days: 20, kind: working, stops_at: [approved, rejected]}
transitions:
  - {action: accept, from: [lead], to: visit, roles: [village_cadre]}
  - {action: submit, from: [visit], to: review, roles: [village_cadre], sets_codes: true}
  - {action: approve, from: [review], to: approved, roles: [county_approver], review: true, decision: true}
  - {action: reject, from: [review], to: rejected, roles: [county_approver], reason: true, decision: true}
"""


def load_error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as e:
        load_workflow_text(text, "wf.yaml")
    return e.value


def load_error_of(fn) -> PolicyError:
    with pytest.raises(PolicyError) as e:
        fn()
    return e.value


def test_a_good_file_loads_into_a_definition():
    wf = load_workflow_text(GOOD, "wf.yaml")
    assert (wf.id, wf.version) == ("mini", "2025.1")
    assert wf.deadline is not None and wf.deadline.limit == Duration(20, DayKind.WORKING)
    assert wf.states["visit"].deadline == Duration(2, DayKind.WORKING)
    assert wf.rule("approve", "review").roles == {Role.COUNTY_APPROVER}


def test_the_content_hash_ignores_comments_but_not_values():
    base = load_workflow_text(GOOD, "a.yaml").content_hash
    assert load_workflow_text("# 注释\n" + GOOD, "b.yaml").content_hash == base
    assert load_workflow_text(GOOD.replace("days: 20", "days: 15"), "c.yaml").content_hash != base


def test_the_shipped_identification_procedure():
    wf = load_workflow("identification")
    assert wf.path == (
        "verifying", "comparing", "village_review", "publicizing",
        "township_review", "county_approval", "announced", "monitoring",
    )  # fmt: skip
    assert wf.notice is not None and wf.notice.period == Duration(5) and wf.notice.state == "publicizing"
    assert wf.deadline is not None and wf.deadline.limit == Duration(15, roll_forward=True)
    assert "signed_consent" in wf.rule("submit_verification", "verifying").evidence
    assert wf.rule("submit_verification", "verifying").sets_codes
    assert {s for s, spec in wf.states.items() if spec.kind is StateKind.CLOSED} == {"rejected", "withdrawn"}
    # rejection is possible from every review step, always with a notice to the household
    for state in ("village_review", "publicizing", "township_review", "county_approval"):
        rule = wf.rule("reject", state)
        assert rule is not None and rule.decision and rule.needs_reason and "rejection_notice" in rule.evidence
    assert wf.rule("green_channel", "lead") and wf.rule("green_channel", "verifying")
    assert wf.rule("green_channel", "comparing") is None


def test_the_shipped_elimination_procedure_starts_where_identification_ends():
    ident, elim = load_workflow("identification"), load_workflow("elimination")
    assert elim.initial == "monitoring" == ident.path[-1]
    assert elim.notice is not None and elim.notice.period == Duration(5)
    shared = set(ident.states) & set(elim.states)
    assert shared == {"monitoring"}  # no state name means two different things


def test_shipped_workflows_are_found_by_id_and_by_path(tmp_path: Path):
    assert set(shipped_workflows()) >= {"identification", "elimination"}
    path = tmp_path / "mini.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_workflow(path).id == "mini"
    assert load_workflow(str(path)).id == "mini"


def test_an_unknown_id_or_missing_file_is_not_found(tmp_path: Path):
    assert load_error_of(lambda: load_workflow("nosuch")).code == "POLICY_NOT_FOUND"
    assert load_error_of(lambda: load_workflow(tmp_path / "none.yaml")).code == "POLICY_NOT_FOUND"


def test_an_unquoted_version_is_located():
    err = load_error(GOOD.replace('version: "2025.1"', "version: 2025.1"))
    assert str(err).startswith("wf.yaml:2: version: POLICY_SCHEMA")


def test_an_unknown_role_is_located():
    err = load_error(GOOD.replace("roles: [county_approver], review", "roles: [mayor], review"))
    assert err.issues[0].line == 18 and err.issues[0].code == "POLICY_SCHEMA"
    assert err.issues[0].field.startswith("transitions[2].roles")


def test_an_unknown_field_is_located():
    err = load_error(GOOD.replace("  review: {label: 审核}", "  review: {label: 审核, colour: red}"))
    assert err.issues[0].line == 11 and err.issues[0].field == "states.review.colour"


def test_a_skipped_step_is_located_on_its_transition():
    text = GOOD + "  - {action: fast_track, from: [lead], to: review, roles: [village_cadre]}\n"
    err = load_error(text)
    assert [(i.line, i.field, i.code) for i in err.issues] == [(20, "transitions[4].from", "WORKFLOW_DEFINITION")]
    assert "越级" in err.issues[0].message


def test_every_problem_is_reported_at_once():
    text = GOOD.replace("to: visit", "to: nowhere").replace("kind: closed", "kind: closed}\n  limbo: {label: 卡住")
    err = load_error(text)
    assert {i.code for i in err.issues} == {"WORKFLOW_DEFINITION"}
    assert len(err.issues) >= 2
    assert all(i.line is not None for i in err.issues)


def test_an_auditor_cannot_be_given_an_action():
    err = load_error(GOOD.replace("roles: [village_cadre], sets_codes", "roles: [auditor], sets_codes"))
    assert err.issues[0].field == "transitions[1].roles"


def test_duplicate_keys_and_bad_yaml_are_errors():
    assert load_error(GOOD + "id: again\n").code == "POLICY_YAML"
    assert load_error("id: [unclosed\n").code == "POLICY_YAML"


# --- roll-forward, scope and version in a full file ---


def test_a_calendar_deadline_can_roll_forward():
    text = GOOD.replace("{days: 20, kind: working,", "{days: 15, kind: calendar, roll_forward: true,")
    wf = load_workflow_text(text, "w")
    assert wf.deadline is not None and wf.deadline.limit == Duration(15, roll_forward=True)


def test_roll_forward_on_working_days_is_located():
    err = load_error(GOOD.replace("{days: 20, kind: working,", "{days: 20, kind: working, roll_forward: true,"))
    assert [(i.line, i.field, i.code) for i in err.issues] == [(14, "deadline", "POLICY_SCHEMA")]
    assert "calendar" in err.issues[0].message


def test_a_full_file_may_have_a_scope_and_its_key_says_so():
    wf = load_workflow_text(GOOD.replace("title: 测试程序", 'title: 测试程序\nscope: "532328"'), "w")
    assert (wf.scope, wf.key) == ("532328", "mini@532328@2025.1")
    assert load_workflow_text(GOOD, "w").key == "mini@cn@2025.1"


@pytest.mark.parametrize(
    ("scope", "hint"),
    [("53", "应为文字"), ('"530000"', "'53'"), ('"532300"', "'5323'"), ('"5a"', "区划代码前缀"), ('"535"', "区划")],
)
def test_a_bad_scope_is_located_with_a_hint(scope, hint):
    err = load_error(GOOD.replace("title: 测试程序", f"title: 测试程序\nscope: {scope}"))
    assert [(i.line, i.field, i.code) for i in err.issues] == [(4, "scope", "POLICY_SCHEMA")]
    assert hint in err.issues[0].message


@pytest.mark.parametrize("version", ['"2025 1"', '"2025@1"', '""'])
def test_a_version_is_usable_in_a_key(version):
    err = load_error(GOOD.replace('version: "2025.1"', f"version: {version}"))
    assert (err.issues[0].line, err.issues[0].field) == (2, "version")


# --- overrides: a local variant written as changes to the national file ---

OVERRIDE = """\
# 测试省的变体
extends: identification
scope: "53"
version: "2025.1"
title: 识别程序（测试省）
effective_from: 2025-01-01
effective_to: null
document: 测试文件
states:
  verifying: {label: 入户核实（3 个工作日）, deadline: {days: 3, kind: working}}
deadline: {days: 20, kind: working, stops_at: [announced, rejected, withdrawn]}
"""


def test_an_override_changes_only_what_it_writes():
    national, wf = load_workflow("identification"), load_workflow_text(OVERRIDE, "o.yaml")
    assert (wf.id, wf.scope, wf.version, wf.key) == ("identification", "53", "2025.1", "identification@53@2025.1")
    assert (wf.title, wf.document, wf.effective_from) == ("识别程序（测试省）", "测试文件", dt.date(2025, 1, 1))
    assert wf.deadline is not None and wf.deadline.limit == Duration(20, DayKind.WORKING)
    assert wf.deadline.starts_at == "lead" and wf.deadline.stops_at == {"announced", "rejected", "withdrawn"}
    assert wf.states["verifying"].deadline == Duration(3, DayKind.WORKING)
    assert wf.states["verifying"].label == "入户核实（3 个工作日）"
    assert {k: v for k, v in wf.states.items() if k != "verifying"} == {
        k: v for k, v in national.states.items() if k != "verifying"
    }
    assert (wf.transitions, wf.path, wf.notice, wf.warning) == (
        national.transitions, national.path, national.notice, national.warning
    )  # fmt: skip


def test_an_override_has_its_own_content_hash_over_the_merged_content():
    base = load_workflow_text(OVERRIDE, "a.yaml").content_hash
    assert base != load_workflow("identification").content_hash and len(base) == 64
    assert load_workflow_text("# 注释\n" + OVERRIDE, "b.yaml").content_hash == base
    assert load_workflow_text(OVERRIDE.replace("days: 3,", "days: 2,"), "c.yaml").content_hash != base


def test_an_override_file_loads_by_path(tmp_path: Path):
    path = tmp_path / "yn.yaml"
    path.write_text(OVERRIDE, encoding="utf-8")
    assert load_workflow(path).key == "identification@53@2025.1"


def test_a_problem_in_a_key_the_override_wrote_is_located_on_its_line():
    err = load_error(OVERRIDE.replace("stops_at: [announced,", "stops_at: [nowhere,"))
    assert [(i.file, i.line, i.field, i.code) for i in err.issues] == [
        ("wf.yaml", 11, "deadline.stops_at", "WORKFLOW_DEFINITION")
    ]


def test_a_problem_the_base_brings_in_is_located_at_extends():
    # removing a state the national transitions still use: every such transition is reported
    err = load_error(OVERRIDE.replace("states:\n", "states:\n  green_channel: null\n"))
    assert {i.code for i in err.issues} == {"WORKFLOW_DEFINITION"} and len(err.issues) >= 2
    assert {i.line for i in err.issues} == {2}
    assert all(i.field.startswith("transitions[") for i in err.issues)


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        (("document: 测试文件\n", "document: 测试文件\ncolour: red\n"), 9, "colour"),
        (("document: 测试文件\n", "document: 测试文件\nid: other\n"), 9, "id"),  # the id is the base's
        (('scope: "53"\n', 'scope: ""\n'), 3, "scope"),
        (('scope: "53"\n', ""), 2, "scope"),  # missing: the top of the document
        (("document: 测试文件\n", 'document: " "\n'), 8, "document"),
        (("kind: working, stops_at", "kind: working, roll_forward: true, stops_at"), 11, "deadline"),
        (("{days: 3, kind: working}}", "{days: 3, kind: weekly}}"), 10, "states.verifying.deadline.kind"),
    ],
)
def test_an_override_s_own_shape_is_checked_and_located(change, line, field):
    err = load_error(OVERRIDE.replace(*change))
    assert (err.issues[0].line, err.issues[0].field, err.issues[0].code) == (line, field, "POLICY_SCHEMA")


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        (("extends: identification", "extends: nosuch"), 2, "extends"),
        (("effective_from: 2025-01-01", "effective_from: 2023-01-01"), 2, "extends"),  # national starts 2024
    ],
)
def test_an_override_needs_a_base_in_force(change, line, field):
    err = load_error(OVERRIDE.replace(*change))
    assert [(i.line, i.field, i.code) for i in err.issues] == [(line, field, "POLICY_EXTENDS")]
