"""Workflow files: the shipped procedures load, and every mistake in a file is located FILE:LINE."""

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
    assert wf.deadline is not None and wf.deadline.limit == Duration(15)
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
